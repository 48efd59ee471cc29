"""Entry points: `app` for gunicorn and flask, `celery_app` for Celery workers and beat."""

from portal import create_app

app = create_app()
celery_app = app.extensions["celery"]

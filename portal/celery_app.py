"""Celery bound to the Flask app: the `celery_init_app` pattern of the Flask documentation.

Each task is a unit of work: it commits once at its end (a retry keeps what it wrote, such as
the attempt count) and rolls back on an error; the tasks its rows ask for are sent after.
"""

from celery import Celery, Task
from celery.exceptions import Retry
from flask import Flask

from portal.core.uow import unit_of_work


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context(), unit_of_work(commit_on=(Retry,)):
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

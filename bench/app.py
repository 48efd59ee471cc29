"""The portal as gunicorn serves it for benchmarks, plus the baseline's trivial form."""

from flask import Blueprint, abort, render_template_string
from sqlalchemy import text

from portal import create_app
from portal.access import public
from portal.extensions import db
from portal.queue import enqueue

baseline = Blueprint("bench", __name__, url_prefix="/bench")


@baseline.get("/form")
@public
def form():
    return render_template_string('<input name="csrf_token" value="{{ csrf_token() }}">')


@baseline.post("/ping/<token>")
@public
def ping(token: str):
    """The baseline: a form POST whose task writes one row, enqueued after the commit."""
    db.session.commit()
    enqueue("bench.write_row", token)
    return "", 202


@baseline.get("/ping/<token>")
@public
def seen(token: str):
    found = db.session.execute(text("SELECT 1 FROM bench_row WHERE token = :t"), {"t": token})
    if found.first() is None:
        abort(404)
    return "ok"


app = create_app()
app.register_blueprint(baseline)
celery_app = app.extensions["celery"]

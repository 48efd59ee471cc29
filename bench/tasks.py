"""The baseline's task: write one row."""

from celery import shared_task
from sqlalchemy import text

from portal.extensions import db


@shared_task(name="bench.write_row")
def write_row(token: str) -> None:
    db.session.execute(text("INSERT INTO bench_row (token) VALUES (:t)"), {"t": token})
    db.session.commit()

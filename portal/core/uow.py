"""The unit of work: a request, a task or a command commits once, at its end, and only then
sends the tasks its rows ask for.

Services change rows, write the rows of their side effects (a notification, a check, a render)
and flush; they name the task that will act on such a row with `after_commit(task, id)`. The
request (`init_app`), the Celery task (`portal.celery_app`) or the command (`unit_of_work`)
commits; the tasks are sent after that commit, so a task always finds its row, and a rollback
forgets them with the rows that asked for them. A task lost on the way is re-sent by the
periodic sweep: the row, not the message, is the truth.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.queue import enqueue

_PENDING = "portal.after_commit"


def after_commit(task_name: str, *ids: int, **options) -> None:
    """Send `task_name(*ids)` once the transaction in progress commits; never if it rolls back."""
    pending = db.session().info.setdefault(_PENDING, [])
    if (task_name, ids, options) not in pending:
        pending.append((task_name, ids, options))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the rows are not committed yet
        return
    for task_name, ids, options in session.info.pop(_PENDING, []):
        enqueue(task_name, *ids, **options)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed (sent above) or rolled back: nothing stays
        session.info.pop(_PENDING, None)


@contextmanager
def unit_of_work(*, commit_on: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Commit at the end, roll back on an error (except those in `commit_on`, which still
    commit what was written before them: a task's retry keeps its attempt count)."""
    try:
        yield
    except commit_on:
        db.session.commit()
        raise
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def init_app(app: Flask) -> None:
    """One commit per request: a response below 400 commits, any other rolls back."""

    @app.after_request
    def commit_request(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

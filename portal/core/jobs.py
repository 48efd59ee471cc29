"""Work a request hands to the worker through a row (an export, an archive): the request writes
the row, pending, and names its task with `after_commit`; the task claims the row (pending to
running, compare-and-set, so a second run of the same message does nothing), builds, and marks it
done; the sweep re-sends rows left pending and takes back rows whose worker died while running.

A row of such work has the columns of `JobColumns`; its statuses are `JobStatus`'s, or its own
with "running" among them (an import's "queued" is its pending)."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.uow import after_commit
from portal.extensions import db
from portal.timeutil import utcnow


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # built, then its file removed after its keeping period (an export)


class JobColumns:
    """The columns of a row of work handed to the worker (a mixin of the area's model)."""

    status: Mapped[str] = mapped_column(String(10), default=JobStatus.PENDING)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


def claim(model, row_id: int, pending: str = JobStatus.PENDING) -> bool:
    """Take the pending row for this run; False when another run has it or had it."""
    return bool(
        db.session.execute(
            update(model)
            .where(model.id == row_id, model.status == pending)
            .values(status=JobStatus.RUNNING, claimed_at=utcnow(), progress=0)
        ).rowcount
    )


def sweep(model, task: str, pending: str = JobStatus.PENDING) -> int:
    """Re-queue the rows left pending, and reclaim those whose worker died while running."""
    now = utcnow()
    config = current_app.config
    stuck = now - timedelta(seconds=config["SWEEP_SENDING_AFTER_SECONDS"])
    db.session.execute(
        update(model)
        .where(model.status == JobStatus.RUNNING, model.claimed_at < stuck)
        .values(status=pending)
    )
    due = now - timedelta(seconds=config["SWEEP_PENDING_AFTER_SECONDS"])
    ids = db.session.scalars(
        select(model.id).where(model.status == pending, model.created_at <= due)
    ).all()
    for row_id in ids:
        after_commit(task, row_id)
    return len(ids)


def run_committing(steps: Iterable[str]) -> str:
    """Run a task's steps, committing after each (the claim, the progress, the result) so the
    page that waits shows them; the last step."""
    done = []
    for step in steps:
        db.session.commit()
        done.append(step)
    return done[-1]

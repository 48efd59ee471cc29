from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow


class ExportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Export(db.Model):
    """A file of a call's applications, built by the worker; the row shows its progress."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    format: Mapped[str] = mapped_column(String(4))  # xlsx or csv
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.PENDING)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    rows: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    filename: Mapped[str | None] = mapped_column(String(120))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))

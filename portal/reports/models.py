from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.jobs import JobColumns, JobStatus
from portal.extensions import db

ExportStatus = JobStatus  # an export is work handed to the worker (portal/core/jobs.py)


class Export(JobColumns, db.Model):
    """A file of a call's applications, built by the worker; the row shows its progress."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    format: Mapped[str] = mapped_column(String(4))  # xlsx or csv
    rows: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    filename: Mapped[str | None] = mapped_column(String(120))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    error: Mapped[str | None] = mapped_column(String(300))

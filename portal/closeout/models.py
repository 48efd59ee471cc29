from datetime import date, datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.timeutil import utcnow


class ReportStatus(LabelledEnum):
    """A report of the partner, as the monthly statements (P-STATEMENT-CERT): an editor writes
    and submits it, the owner of the organisation certifies it (never whoever submitted it),
    the province's secretariat accepts it or returns it with its reasons (editable again)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CERTIFIED = "certified"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    __labels__: ClassVar[dict] = {
        "draft": _l("Being written"),
        "submitted": _l("Submitted, waiting for the owner to certify it"),
        "certified": _l("Certified, waiting for the secretariat's decision"),
        "returned": _l("Returned to the organisation for corrections"),
        "accepted": _l("Accepted by the secretariat"),
    }


# The partner may change the report only in these states.
EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)
# The phase number of the final report; progress reports count their phases from 1.
FINAL = 0


class WorkReport(db.Model):
    """A progress report of one phase of the application's declared schedule (`phase` 1…n,
    M-PROGRESS) or its final report (`phase` 0, T-FINAL, due `due_on`): one of each per
    application. The narrative is written in the partner's language, which it names."""

    __table_args__ = (
        UniqueConstraint("application_id", "phase"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_0_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    phase: Mapped[int]
    period_start: Mapped[date]  # the phase's months, or the whole worksite for the final one
    period_end: Mapped[date]
    due_on: Mapped[date | None]  # T-FINAL: the worksite's end + the edition's days
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.DRAFT, index=True)
    progress: Mapped[int] = mapped_column(default=0)  # percent of the work done
    narrative: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="ar")  # of the narrative
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    certified_at: Mapped[datetime | None]
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    reminder_sent_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    photos: Mapped[list["WorkReportPhoto"]] = relationship(
        back_populates="report", order_by="WorkReportPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def is_final(self) -> bool:
        return self.phase == FINAL


class WorkReportPhoto(db.Model):
    """A photo of the work, kept in the database (portal/storage) as it is shown: decoded and
    encoded again, so no metadata of the camera (place, time, device) goes with it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("work_report.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    caption: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    report: Mapped[WorkReport] = relationship(back_populates="photos")

from datetime import date, datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.timeutil import utcnow


class VisitStatus(LabelledEnum):
    PLANNED = "planned"
    DONE = "done"

    __labels__: ClassVar[dict] = {"planned": _l("Planned"), "done": _l("Recorded")}


class MonitoringVisit(db.Model):
    """A field visit to an agreement's worksite (component 1) or employer (component 2): planned
    for a day with an inspector, then recorded. Keyed on the application, the agreement's
    identity across its versions; the checklist keeps the edition's items as they were asked."""

    __table_args__ = (
        CheckConstraint("headcount_declared IS NULL OR headcount_declared >= 0", name="declared_0"),
        CheckConstraint("headcount_present IS NULL OR headcount_present >= 0", name="present_0"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"))  # version at planning
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=VisitStatus.PLANNED, index=True)
    planned_on: Mapped[date]
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The record of the visit
    done_on: Mapped[date | None]
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    checklist: Mapped[list | None] = mapped_column(JSON)  # [{code, ar, fr, ok}]
    headcount_declared: Mapped[int | None]
    headcount_present: Mapped[int | None]
    # M-HEADCOUNT: the gap passed the edition's threshold (kept as it was) when recorded.
    headcount_flagged: Mapped[bool] = mapped_column(default=False)
    gap_threshold: Mapped[float | None]
    findings: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    follow_up_due: Mapped[date | None] = mapped_column(index=True)
    follow_up_done_at: Mapped[datetime | None]
    follow_up_done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    application: Mapped[Application] = relationship()
    agreement: Mapped[Agreement] = relationship()
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    photos: Mapped[list["VisitPhoto"]] = relationship(
        back_populates="visit", order_by="VisitPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def gap(self) -> int | None:
        if self.headcount_declared is None or self.headcount_present is None:
            return None
        return self.headcount_present - self.headcount_declared

    @property
    def threshold_label(self) -> str:
        """The threshold the visit was judged by, as a share: "20 %" (never broken)."""
        return f"{round((self.gap_threshold or 0) * 100)}\u00a0%"


class VisitPhoto(db.Model):
    """A photo of a visit: the stored copy is the image drawn again without any metadata (what
    is shown and downloaded); the place it was taken, read from its EXIF GPS tags, is kept here
    only where the edition allows it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("monitoring_visit.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[MonitoringVisit] = relationship(back_populates="photos")

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application
from portal.calls.models import Call
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.geo.models import Province
from portal.timeutil import utcnow


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    DEFER = "defer"


class MemberRole(LabelledEnum):
    """Who a member is in the session: the chair and the members vote; the secretary (ANAPEC's
    director, in the source document) keeps the minutes and does not vote."""

    CHAIR = "chair"
    MEMBER = "member"
    SECRETARY = "secretary"

    __labels__: ClassVar[dict] = {
        "chair": _l("Chair"),
        "member": _l("Member"),
        "secretary": _l("Secretary"),
    }


class Attendance(LabelledEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"

    __labels__: ClassVar[dict] = {
        "present": _l("Attended"),
        "excused": _l("Excused"),
        "absent": _l("Absent"),
    }


class CommitteeSession(db.Model):
    """A sitting of the committee that decides a call: the provincial committee of one
    province, or the regional committee for all the call's provinces (`provinces`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    # The session's rank among the sittings of the same committee for the call (1, 2, ...).
    number: Mapped[int] = mapped_column(default=1, server_default="1")
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # The minutes, rendered by the worker once the session is closed (the sweep re-sends).
    minutes_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    minutes_enqueued_at: Mapped[datetime | None]

    call: Mapped[Call] = relationship()
    provinces: Mapped[list["SessionProvince"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SessionProvince.province_id"
    )
    members: Mapped[list["SessionMember"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SessionMember.position"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="session", order_by="Decision.id"
    )

    @property
    def province_ids(self) -> set[int]:
        return {p.province_id for p in self.provinces}


class SessionProvince(db.Model):
    """A province whose applications the session decides; only staff of every one of them
    (or an admin) open its agenda, decide, close it and read its minutes.

    At the close the province's quota ledger is copied here, as the minutes state it: the jobs
    allotted, those committed and remaining once the session closed, and those it granted."""

    __tablename__ = "committee_session_province"

    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), primary_key=True)
    quota_jobs: Mapped[int | None]
    committed_jobs: Mapped[int | None]
    remaining_jobs: Mapped[int | None]
    granted_jobs: Mapped[int | None]

    province: Mapped[Province] = relationship(lazy="joined")

    @property
    def committed_before(self) -> int | None:
        """Jobs the province had committed when the session started deciding."""
        if self.committed_jobs is None:
            return None
        return self.committed_jobs - (self.granted_jobs or 0)


class SessionMember(db.Model):
    """A member of the committee called to the session, as the minutes name them."""

    __tablename__ = "committee_session_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[str] = mapped_column(String(200), default="", server_default="")
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.MEMBER)
    attendance: Mapped[str] = mapped_column(String(10), default=Attendance.PRESENT)

    @property
    def votes(self) -> bool:
        return self.role != MemberRole.SECRETARY

    @property
    def role_label(self) -> str:
        return MemberRole.label_of(self.role)

    @property
    def attendance_label(self) -> str:
        return Attendance.label_of(self.attendance)


class Decision(db.Model):
    """One application's decision in a session; editable until the session closes. The vote
    is recorded when the committee counted it (for, against, abstaining)."""

    __table_args__ = (UniqueConstraint("session_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    jobs_granted: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstaining: Mapped[int | None]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[CommitteeSession] = relationship(back_populates="decisions")
    application: Mapped[Application] = relationship()

    @property
    def voted(self) -> bool:
        return self.votes_for is not None

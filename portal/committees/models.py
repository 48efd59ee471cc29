from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application
from portal.calls.models import Call
from portal.extensions import db
from portal.timeutil import utcnow


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    DEFER = "defer"


class CommitteeSession(db.Model):
    """A sitting of the committee that decides a call: the provincial committee of one
    province, or the regional committee for all the call's provinces (`provinces`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    held_on: Mapped[date]
    members_present: Mapped[list] = mapped_column(JSON, default=list)  # names, as minuted
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # The minutes, rendered by the worker once the session is closed (the sweep re-sends).
    minutes_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    minutes_enqueued_at: Mapped[datetime | None]

    call: Mapped[Call] = relationship()
    provinces: Mapped[list["SessionProvince"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="session", order_by="Decision.id"
    )

    @property
    def province_ids(self) -> set[int]:
        return {p.province_id for p in self.provinces}


class SessionProvince(db.Model):
    """A province whose applications the session decides; only staff of every one of them
    (or an admin) open its agenda, decide, close it and read its minutes."""

    __tablename__ = "committee_session_province"

    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), primary_key=True)


class Decision(db.Model):
    """One application's decision in a session; editable until the session closes."""

    __table_args__ = (UniqueConstraint("session_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    jobs_granted: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[CommitteeSession] = relationship(back_populates="decisions")
    application: Mapped[Application] = relationship()

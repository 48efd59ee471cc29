from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.geo.models import Province
from portal.timeutil import utcnow


class CommitteeLevel(StrEnum):
    REGIONAL = "regional"
    PROVINCIAL = "provincial"


class Edition(db.Model):
    """An edition's parameters, loaded from its reviewed data file in `editions/`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    parameters: Mapped[dict] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Call(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"))
    component: Mapped[int]
    title_ar: Mapped[str] = mapped_column(String(200))
    title_fr: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime]  # UTC; entered and shown in Africa/Casablanca time
    closes_at: Mapped[datetime]
    committee_level: Mapped[str] = mapped_column(String(12), default=CommitteeLevel.REGIONAL)
    # Who signs the agreements for the authorities: [{"ar": ..., "fr": ...}], in order.
    signatories: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edition: Mapped[Edition] = relationship(lazy="joined")
    provinces: Mapped[list["CallProvince"]] = relationship(
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="CallProvince.province_id",
        lazy="selectin",
    )

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now <= self.closes_at


class CallProvince(db.Model):
    """A province the call covers: the quota ledger row of (call, province).

    `quota_jobs` are allotted, `committed_jobs` granted by committee decisions; an approval
    locks this row (SELECT ... FOR UPDATE) and is refused if it would go past the quota.
    """

    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), primary_key=True)
    quota_jobs: Mapped[int]
    committed_jobs: Mapped[int] = mapped_column(default=0, server_default="0")

    @hybrid_property
    def remaining_jobs(self) -> int:
        """What is left to grant: the one place where it is computed, in Python and in SQL."""
        return self.quota_jobs - self.committed_jobs

    call: Mapped[Call] = relationship(back_populates="provinces")
    province: Mapped[Province] = relationship(lazy="joined")

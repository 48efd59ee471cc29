from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.geo.models import Commune, Province
from portal.timeutil import utcnow


class LegalForm(LabelledEnum):
    ASSOCIATION = "association"
    COOPERATIVE = "cooperative"
    COMPANY = "company"

    __labels__: ClassVar[dict] = {
        "association": _l("Association"),
        "cooperative": _l("Cooperative"),
        "company": _l("Company"),
    }


class MemberRole(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


# Registration numbers the law makes unique: a second organisation cannot claim one.
UNIQUE_IDS = ("association_receipt_no", "cooperative_register_no", "ice", "cnss_affiliation")


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    legal_form: Mapped[str] = mapped_column(String(16))
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    created_on: Mapped[date]
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"))
    address: Mapped[str] = mapped_column(String(300))
    legal_representative: Mapped[str] = mapped_column(String(120))
    association_receipt_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    cooperative_register_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    ice: Mapped[str | None] = mapped_column(String(15), unique=True)
    rc: Mapped[str | None] = mapped_column(String(20))
    cnss_affiliation: Mapped[str | None] = mapped_column(String(12), unique=True)
    rib: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship()
    commune: Mapped[Commune] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class JoinRequest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


class Invitation(db.Model):
    __table_args__ = (UniqueConstraint("token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(64))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), default="")
    locale: Mapped[str] = mapped_column(String(2), default="ar")
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None]
    is_staff: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session's identity: changing it ends every session of the account.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    # The time step of the last code accepted: a code is good once (RFC 6238 §5.2).
    totp_last_step: Mapped[int | None]
    recovery_codes: Mapped[list] = mapped_column(JSON, default=list)  # argon2 hashes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The retention job erased the contact data of an applicant with nothing going on.
    purged_at: Mapped[datetime | None]
    # Kept by the notifications as they are written and read, so no page counts them.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

    # Loaded with the account by the session's one statement (load_session_user).
    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    provinces: Mapped[list["StaffProvince"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active and self.closed_at is None

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(roles))

    @property
    def province_ids(self) -> set[int]:
        return {p.province_id for p in self.provinces}


class UserRole(db.Model):
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class StaffProvince(db.Model):
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="provinces")

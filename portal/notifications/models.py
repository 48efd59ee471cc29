import hashlib
from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.timeutil import utcnow


class DeliveryStatus(LabelledEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    __labels__: ClassVar[dict] = {
        "pending": _l("waiting"),
        "sending": _l("sending"),
        "sent": _l("sent"),
        "failed": _l("not delivered"),
    }


class Notification(db.Model):
    __table_args__ = (Index("ix_notification_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User | None"] = relationship("User")  # noqa: F821 (the accounts' model)

    @property
    def message_id(self) -> str:
        """Derived from the event key, so a rare duplicate delivery is visible as such."""
        digest = hashlib.sha256(self.event_key.encode()).hexdigest()[:32]
        return f"<{digest}@awrach.portal>"

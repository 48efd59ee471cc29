from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.timeutil import utcnow


class AgreementStatus(LabelledEnum):
    ISSUED = "issued"
    SIGNED = "signed"
    AMENDED = "amended"  # a newer version replaces it
    REVOKED = "revoked"

    __labels__: ClassVar[dict] = {
        "issued": _l("Issued, waiting for the signed copy"),
        "signed": _l("Signed"),
        "amended": _l("Replaced by a newer version"),
        "revoked": _l("Revoked"),
    }


class Agreement(db.Model):
    """One version of a partnership agreement. The facts it states are frozen in `content` when
    it is written; the worker renders them once into the PDF whose sha256 is kept here."""

    __table_args__ = (UniqueConstraint("number", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_session.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=AgreementStatus.ISSUED, index=True)
    verification_code: Mapped[str] = mapped_column(String(24), unique=True)
    content: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # Rendering: enqueued when written; the sweep re-sends it while `pdf_sha256` is empty.
    render_enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    rendered_at: Mapped[datetime | None]
    # After issue: the partner's signed copy, confirmed by staff; amendment; revocation.
    signed_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    signed_content_type: Mapped[str | None] = mapped_column(String(40))
    signed_uploaded_at: Mapped[datetime | None]
    signed_confirmed_at: Mapped[datetime | None]
    signed_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The retention job removed the signed copy (the rendered agreement is kept).
    signed_purged_at: Mapped[datetime | None]
    # Why, when and by whom this version was amended (replaced by the next) or revoked.
    change_reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    application: Mapped[Application] = relationship()

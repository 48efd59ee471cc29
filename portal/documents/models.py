from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow


class DocumentKind(db.Model):
    """A kind of document, with the legal forms (and components) that require it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    legal_forms: Mapped[list] = mapped_column(JSON, default=list)
    # Empty: every organisation of those forms; ["2"]: only to apply to component 2.
    components: Mapped[list] = mapped_column(JSON, default=list)
    expires: Mapped[bool] = mapped_column(default=False)
    scope: Mapped[str] = mapped_column(String(12), default="organisation")  # or "application"
    rule: Mapped[str] = mapped_column(String(20))  # the rule of the domain brief it comes from
    position: Mapped[int] = mapped_column(default=0)


class Document(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Set for an application's own documents; None for the organisation's file.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("document_kind.id"))
    # None once the retention job removed the file (`purged_at`); the row stays for the record.
    sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    filename: Mapped[str] = mapped_column(String(200))  # shown to people, never used as a path
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    valid_until: Mapped[date | None]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]

    kind: Mapped[DocumentKind] = relationship()
    uploaded_by: Mapped[User] = relationship()

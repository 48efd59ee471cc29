from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import Application
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow


class Recommendation(StrEnum):
    RECOMMEND = "recommend"
    DO_NOT_RECOMMEND = "do_not_recommend"


class Review(db.Model):
    """The technical committee's assessment of one application by its assigned reviewer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    no_conflict_declared_at: Mapped[datetime | None]
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # {criterion: {score, note}}
    total: Mapped[int | None]
    recommendation: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)  # False once reassigned

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


# The application's current review, loaded once for a page's rules and parts (assign() expires
# it when it changes). Declared here: the applications area knows nothing of reviews.
Application.active_review = relationship(
    Review,
    primaryjoin=and_(Review.application_id == Application.id, Review.active.is_(True)),
    viewonly=True,
    uselist=False,
)


class Comment(db.Model):
    """A note between staff; never shown to the applicant."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

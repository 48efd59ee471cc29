"""Reminders: drafts of a call about to close, change requests about to fall due.

Run daily by beat (`send_reminders`); each reminder has an event key, so running twice sends
once.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.applications.models import Application, Status
from portal.applications.queue import scope
from portal.applications.services import notify_members
from portal.auth.models import User
from portal.calls.models import Call
from portal.extensions import db
from portal.timeutil import utcnow


def send_reminders() -> int:
    now = utcnow()
    days = current_app.config["REMINDER_DAYS"]
    notices = []
    drafts = db.session.scalars(
        select(Application)
        .join(Call)
        .where(
            Application.status == Status.DRAFT,
            Call.closes_at > now,
            Call.closes_at <= now + timedelta(days=days),
        )
    ).all()
    for application in drafts:
        notices += notify_members(
            application,
            "draft_reminder",
            f"draft_reminder:{application.id}:{application.call.closes_at:%Y%m%d}",
            closes_at=application.call.closes_at,
        )
    due = db.session.scalars(
        select(Application).where(
            Application.status == Status.CHANGES_REQUESTED,
            Application.change_deadline >= now.date(),
            Application.change_deadline <= (now + timedelta(days=days)).date(),
        )
    ).all()
    for application in due:
        notices += notify_members(
            application,
            "changes_reminder",
            f"changes_reminder:{application.id}:{application.change_deadline}",
            deadline=application.change_deadline,
        )
    return len(notices)


def overdue(user: User) -> list[Application]:
    """Change requests past their deadline, in the staff member's provinces."""
    return db.session.scalars(
        select(Application)
        .where(
            scope(user),
            Application.status == Status.CHANGES_REQUESTED,
            Application.change_deadline < utcnow().date(),
        )
        .order_by(Application.change_deadline)
    ).all()

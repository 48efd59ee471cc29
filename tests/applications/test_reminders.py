"""Reminders before a call closes and before a change request's deadline, once each."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.applications.models import Application
from portal.applications.reminders import send_reminders
from portal.calls.models import Call
from portal.extensions import db
from portal.notifications.models import Notification
from portal.timeutil import utcnow
from tests.support.accounts import create_organisation, create_staff, create_user, login
from tests.support.applications import start


def test_drafts_and_due_change_requests_are_reminded_once(app):
    owner = create_user(app)
    organisation = create_organisation(app, owner)
    client = app.test_client()
    login(client, owner)
    draft_id, _ = start(app, client, organisation, 1)
    with app.app_context():
        call = db.session.get(Call, db.session.get(Application, draft_id).call_id)
        original = call.closes_at
        call.closes_at = utcnow() + timedelta(days=2)
        due = db.session.get(Application, draft_id)
        db.session.commit()
        try:
            send_reminders()
            send_reminders()
            count = db.session.scalar(
                select(func.count(Notification.id)).filter_by(
                    user_id=owner.id, event="draft_reminder"
                )
            )
        finally:
            call.closes_at = original
            db.session.commit()
        assert count == 1
        due.status, due.number = "changes_requested", f"R-{draft_id}"
        due.change_deadline = utcnow().date() - timedelta(days=1)
        db.session.commit()
    staff = app.test_client()
    login(staff, create_staff(app, "secretariat", provinces=("Sidi Ifni",)))
    assert f"R-{draft_id}" in staff.get("/backoffice/").get_data(as_text=True)  # overdue
    with app.app_context():
        due = db.session.get(Application, draft_id)
        due.change_deadline = utcnow().date() + timedelta(days=1)
        db.session.commit()
        send_reminders()
        send_reminders()
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).filter_by(
                    user_id=owner.id, event="changes_reminder"
                )
            )
            == 1
        )

"""Closing a committee session cannot be undone: it needs the box ticked, checked on the server."""

from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from portal.applications.models import Application
from portal.auth.models import User
from portal.committees import services
from portal.committees.models import CommitteeSession
from portal.extensions import db
from portal.notifications.models import Notification
from portal.timeutil import local_date
from tests.support.accounts import create_staff, csrf_token
from tests.support.agreements import signed_in_staff, submitted


def _open_session_with_an_approval(app):
    application_id, owner, _ = submitted(app, 1)
    staff = create_staff(app, "committee_member", "secretariat", provinces=("Sidi Ifni",))
    with app.app_context():
        db.session.execute(
            update(Application).where(Application.id == application_id).values(status="recommended")
        )
        by = db.session.get(User, staff.id)
        application = db.session.get(Application, application_id)
        session = services.open_session(
            application.call,
            local_date(),  # held today: a session closes on its date, not before
            ["ANAPEC"],
            by=by,
            province_id=application.province_id,
        )
        services.decide(session, application, "approve", by=by)
        db.session.commit()
        return session.id, application_id, owner, staff


def _state(app, session_id: int, application_id: int, owner) -> tuple:
    with app.app_context():
        decisions = db.session.scalars(
            select(Notification).filter_by(user_id=owner.id, event="committee_decision")
        ).all()
        return (
            db.session.get(CommitteeSession, session_id).closed_at is not None,
            db.session.get(Application, application_id).status,
            len(decisions),
        )


def test_closing_without_the_box_ticked_is_refused_and_the_session_stays_open(app):
    session_id, application_id, owner, staff = _open_session_with_an_approval(app)
    client = signed_in_staff(app, staff)
    path = f"/backoffice/sessions/{session_id}"
    page = client.get(path).get_data(as_text=True)
    assert 'id="confirm" name="confirm"' in page

    for data in ({}, {"confirm": ""}):  # no box, or an empty one
        refused = client.post(
            f"{path}/close", data={**data, "csrf_token": csrf_token(client, path)}
        )
        assert refused.status_code == 400
        with app.test_request_context(), force_locale("ar"):
            message = gettext("Tick the box to confirm. The session is still open.")
        assert message in refused.get_data(as_text=True)
        assert _state(app, session_id, application_id, owner) == (False, "recommended", 0)

    closed = client.post(
        f"{path}/close", data={"confirm": "y", "csrf_token": csrf_token(client, path)}
    )
    assert closed.status_code == 302
    is_closed, status, decisions = _state(app, session_id, application_id, owner)
    assert is_closed and status in ("approved", "agreement_issued") and decisions == 1
    # The closed session shows no closing form any more.
    assert 'name="confirm"' not in client.get(path).get_data(as_text=True)

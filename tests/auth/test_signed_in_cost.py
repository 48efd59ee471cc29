"""What being signed in costs a page: one statement loads the account with its roles and
provinces, and the unread count is a column of the account, not a count per page."""

from portal.auth.models import User
from portal.auth.services import load_session_user
from portal.extensions import db
from portal.notifications import services
from tests.support.accounts import create_staff, create_user, login
from tests.support.queries import count_queries


def statements(app, client, path: str) -> tuple[int, str]:
    client.get(path)  # a first request may refresh what the session carries
    with count_queries(app) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return queries["n"], response.get_data(as_text=True)


def test_an_applicants_account_page_runs_one_statement(app, client):
    login(client, create_user(app))
    n, _ = statements(app, client, "/account/")
    assert n == 1


def test_a_staff_members_account_page_runs_one_statement(app, client):
    login(client, create_staff(app, "secretariat", provinces=("Guelmim", "Tan-Tan")))
    n, page = statements(app, client, "/account/")
    assert n == 1
    assert 'href="/backoffice/' in page


def test_the_statement_that_loads_a_staff_member_brings_the_roles_and_provinces(app):
    staff = create_staff(
        app, "secretariat", "technical_committee", provinces=("Guelmim", "Tan-Tan")
    )
    with app.app_context():
        session_id = db.session.get(User, staff.id).get_id()
        db.session.remove()
        with count_queries(app) as queries:
            user = load_session_user(session_id)
            roles, provinces = user.role_names, user.province_ids
    assert queries["n"] == 1
    assert roles == {"secretariat", "technical_committee"} and len(provinces) == 2


def notify(app, user_id: int, key: str) -> None:
    with app.app_context():
        services.notify(
            db.session.get(User, user_id), "password_changed", key, reset_link="http://x/r"
        )
        db.session.commit()


def unread(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).unread_notifications


def test_the_unread_count_follows_notifications_and_the_inbox(app, client):
    user = create_user(app)
    for key in ("a", "b", "b"):  # the same key never makes a second notification
        notify(app, user.id, f"unread:{user.id}:{key}")
    assert unread(app, user.id) == 2
    login(client, user)
    assert "إشعاران غير مقروءين" in client.get("/account/").get_data(as_text=True)
    client.get("/notifications/")
    assert unread(app, user.id) == 0
    notify(app, user.id, f"unread:{user.id}:c")
    assert unread(app, user.id) == 1


def test_a_page_asks_for_the_applicants_membership_once(app):
    from sqlalchemy import event

    from tests.support.agreements import submitted

    application_id, _owner, client = submitted(app, 1)
    client.get(f"/applications/{application_id}")
    seen = []

    def log(_connection, _cursor, statement, *_args, **_kwargs):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", log)
    try:
        assert client.get(f"/applications/{application_id}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", log)
    assert sum("membership" in s.split(" WHERE ")[0] for s in seen) == 1  # joined or its own
    assert sum("FROM organisation" in s for s in seen) <= 1

"""Staff: created by command, second factor with recovery codes, deactivation ends sessions."""

import re

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from tests.support.accounts import (
    PASSWORD,
    create_staff,
    csrf_token,
    login,
    post,
    totp_code,
    unique_email,
)


def test_create_staff_command_sets_roles_provinces_and_emails_a_password_link(app):
    email = unique_email("cli")
    result = app.test_cli_runner().invoke(
        args=[
            "create-staff",
            "--email",
            email,
            "--role",
            "secretariat",
            "--role",
            "technical_committee",
            "--province",
            "Tan-Tan",
            "--province",
            "سيدي إفني",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        assert user.is_staff and user.role_names == {"secretariat", "technical_committee"}
        assert len(user.province_ids) == 2 and user.totp_confirmed_at is None
        assert db.session.scalar(select(Notification).filter_by(user_id=user.id)).event == (
            "password_reset"
        )
    bad = app.test_cli_runner().invoke(args=["create-staff", "--email", email, "--role", "boss"])
    assert bad.exit_code != 0


def test_staff_set_up_the_second_factor_at_first_sign_in(app, client):
    staff = create_staff(app, "secretariat")
    with app.app_context():
        user = db.session.get(User, staff.id)
        user.totp_secret, user.totp_confirmed_at = None, None
        db.session.commit()
    response = post(
        client,
        "/account/login",
        {"email": staff.email, "password": PASSWORD},
        token_from="/account/login",
    )
    assert response.headers["Location"].endswith("/account/two-factor")
    assert client.get("/backoffice/").status_code == 302  # not signed in before the code
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "data:image/svg+xml" in page
    secret = re.search(r'<code dir="ltr">([A-Z2-7]+)</code>', page).group(1)
    wrong = post(client, "/account/two-factor", {"code": "000000"})
    assert "هذا الرمز غير صحيح" in wrong.get_data(as_text=True)
    page = post(client, "/account/two-factor", {"code": totp_code(secret)})
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", page.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/backoffice/").status_code == 200
    # A recovery code signs in once.
    other = app.test_client()
    post(other, "/account/login", {"email": staff.email, "password": PASSWORD})
    assert post(other, "/account/two-factor", {"code": codes[0]}).status_code == 302
    third = app.test_client()
    post(third, "/account/login", {"email": staff.email, "password": PASSWORD})
    assert post(third, "/account/two-factor", {"code": codes[0]}).status_code == 200


def test_an_admin_deactivates_a_staff_account_and_its_sessions_end(app):
    admin, member = create_staff(app, "admin"), create_staff(app, "technical_committee")
    admin_client, member_client = app.test_client(), app.test_client()
    login(admin_client, admin)
    login(member_client, member)
    assert member_client.get("/backoffice/").status_code == 200
    page = admin_client.get("/backoffice/staff/").get_data(as_text=True)
    assert member.email in page
    response = admin_client.post(
        f"/backoffice/staff/{member.id}/active",
        data={"csrf_token": csrf_token(admin_client, "/backoffice/staff/")},
    )
    assert response.headers["Location"].endswith("/backoffice/staff/")
    assert member_client.get("/backoffice/").status_code == 302  # session ended
    refused = app.test_client()
    page = post(refused, "/account/login", {"email": member.email, "password": PASSWORD})
    assert page.status_code == 200  # cannot sign in
    admin_client.post(
        f"/backoffice/staff/{member.id}/active",
        data={"csrf_token": csrf_token(admin_client, "/backoffice/staff/")},
    )
    login(app.test_client(), member)  # reactivated


def test_a_one_time_code_signs_in_once(app):
    """RFC 6238 §5.2: a code seen once is refused the second time, even within its 30 s."""
    staff = create_staff(app, "secretariat")
    code = totp_code(staff.totp_secret)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        post(client, "/account/login", {"email": staff.email, "password": PASSWORD})
    assert post(first, "/account/two-factor", {"code": code}).status_code == 302
    replay = post(second, "/account/two-factor", {"code": code})
    assert replay.status_code == 200 and second.get("/backoffice/").status_code == 302

"""Password reset by email, change of password, consent asked again, personal data."""

import json

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from tests.support.accounts import LINK, PASSWORD, create_user, login, post

NEW_PASSWORD = "a brand new passphrase"


def latest(app, user, event):
    with app.app_context():
        return db.session.scalars(
            select(Notification)
            .filter_by(user_id=user.id, event=event)
            .order_by(Notification.id.desc())
        ).first()


def test_password_reset_by_email_ends_other_sessions_and_works_once(app, client):
    user = create_user(app, locale="fr")
    elsewhere = app.test_client()
    login(elsewhere, user)
    page = post(client, "/account/forgot", {"email": user.email})
    assert "إذا كان هناك حساب بهذا العنوان" in page.get_data(as_text=True)
    notice = latest(app, user, "password_reset")
    assert notice.subject == "Choisir un nouveau mot de passe"  # the user's language
    path = LINK.search(notice.body_text).group(0).split("5000", 1)[1]
    response = post(client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.headers["Location"].endswith("/account/login")
    assert elsewhere.get("/account/").status_code == 302  # the other session is over
    assert client.get(path).status_code == 400  # the link worked once
    login(client, user, NEW_PASSWORD)
    assert latest(app, user, "password_changed") is not None


def test_the_reset_link_carries_nothing_of_the_password_hash(app, client):
    from itsdangerous import URLSafeTimedSerializer

    user = create_user(app)
    post(client, "/account/forgot", {"email": user.email})
    token = LINK.search(latest(app, user, "password_reset").body_text).group(0).rsplit("/", 1)[1]
    carried = json.dumps(URLSafeTimedSerializer("unknown").loads_unsafe(token)[1])
    with app.app_context():
        digest = db.session.get(User, user.id).password_hash.rsplit("$", 1)[1]
    pieces = {digest[i : i + 6] for i in range(len(digest) - 5)}
    assert not any(piece in carried for piece in pieces), carried


def test_reset_for_an_unknown_address_says_the_same(client):
    page = post(client, "/account/forgot", {"email": "nobody@example.ma"})
    assert page.status_code == 200 and "تفقّد بريدك الإلكتروني" in page.get_data(as_text=True)


def test_change_password_keeps_this_session_and_ends_the_others(app, client):
    user = create_user(app)
    elsewhere = app.test_client()
    login(elsewhere, user)
    login(client, user)
    wrong = post(
        client,
        "/account/password",
        {
            "current_password": "not my password",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert "هذه ليست كلمة مرورك الحالية" in wrong.get_data(as_text=True)
    response = post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.headers["Location"].endswith("/account/")
    assert client.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302


def test_consent_is_asked_again_when_the_notice_changes(app, make_app):
    user = create_user(app)
    client = make_app(CONSENT_VERSION="2099-01").test_client()
    login(client, user)
    assert client.get("/account/").headers["Location"].endswith("/account/consent")
    assert client.get("/privacy").status_code == 200  # the notice itself stays readable
    refused = post(client, "/account/consent", {})
    assert "يجب أن توافق" in refused.get_data(as_text=True)
    post(client, "/account/consent", {"consent": "y"})
    assert client.get("/account/").status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).consent_version == "2099-01"


def test_download_my_data_and_close_my_account(app, client):
    user = create_user(app, full_name="Brahim Ait Lahcen")
    login(client, user)
    response = client.get("/account/data")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == user.email and data["account"]["full_name"] == user.full_name
    refused = post(client, "/account/close", {"password": PASSWORD})  # box not ticked
    assert refused.status_code == 200
    response = post(client, "/account/close", {"password": PASSWORD, "confirm": "y"})
    assert response.headers["Location"].endswith("/")
    with app.app_context():
        closed = db.session.get(User, user.id)
        assert closed.closed_at and closed.full_name == "" and user.email not in closed.email
    page = post(client, "/account/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 200  # cannot sign in any more

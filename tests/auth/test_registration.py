"""Registration, email verification, sign-in and sign-out of applicants."""

from datetime import timedelta

from sqlalchemy import select

from portal.auth import services
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from tests.support.accounts import (
    LINK,
    PASSWORD,
    create_user,
    login,
    post,
    unique_email,
)


def form(**overrides):
    data = {
        "full_name": "جمعية الأمل",
        "email": unique_email(),
        "phone": "06 12 34 56 78",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "consent": "y",
    }
    data.update(overrides)
    return data


def last_notification(app, email):
    with app.app_context():
        return db.session.scalars(
            select(Notification).filter_by(email=email).order_by(Notification.id.desc())
        ).first()


def test_register_verify_and_sign_in(app, client):
    data = form()
    response = post(client, "/account/register", data)
    assert response.headers["Location"].endswith("/account/check-email")
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=data["email"]))
        assert user.phone == "+212612345678" and user.email_verified_at is None
        assert user.password_hash.startswith("$argon2id$")
        assert user.consent_version == app.config["CONSENT_VERSION"] and user.locale == "ar"
    notice = last_notification(app, data["email"])
    assert notice.subject == "أكّد عنوان بريدك الإلكتروني" and notice.status == "sent"
    # Not verified yet: signing in sends a new link instead.
    page = post(client, "/account/login", {"email": data["email"], "password": PASSWORD})
    assert "لم يتم تأكيد عنوان بريدك الإلكتروني بعد" in page.get_data(as_text=True)
    link = LINK.search(last_notification(app, data["email"]).body_text).group(0)
    response = client.get(link.split("5000", 1)[1])
    assert response.headers["Location"].endswith("/account/login")
    response = post(
        client, "/account/login", {"email": data["email"].upper(), "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/account/")
    page = client.get("/account/").get_data(as_text=True)
    assert "جمعية الأمل" in page and "+212612345678" in page


def test_errors_are_shown_beside_fields_and_nothing_typed_is_lost(client):
    client.set_cookie("lang", "fr")
    data = form(
        full_name="Association Al Amal",
        phone="12345",
        password="short",
        password_confirm="other",
        consent="",
    )
    page = post(client, "/account/register", data).get_data(as_text=True)
    assert "Saisissez un numéro de téléphone marocain" in page
    assert "entre 12 et 128 caractères" in page
    assert "Vous devez accepter la notice" in page
    assert 'aria-invalid="true"' in page and "Il y a un problème" in page
    assert 'value="Association Al Amal"' in page and f'value="{data["email"]}"' in page


def test_a_registered_address_gets_a_note_and_the_page_reveals_nothing(app, client):
    user = create_user(app)
    response = post(client, "/account/register", form(email=user.email))
    assert response.headers["Location"].endswith("/account/check-email")
    assert last_notification(app, user.email).event == "account_exists"


def test_bad_and_expired_links_are_explained(app, client, monkeypatch):
    assert "لا يعمل" in client.get("/account/verify/nonsense").get_data(as_text=True)
    data = form()
    post(client, "/account/register", data)
    link = LINK.search(last_notification(app, data["email"]).body_text).group(0)
    monkeypatch.setattr(services, "VERIFY_MAX_AGE", timedelta(seconds=-1))
    response = client.get(link.split("5000", 1)[1])
    assert response.status_code == 400 and "انتهت صلاحية الرابط" in response.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(app, client):
    user = create_user(app)
    for email, password in ((user.email, "wrong password!!"), (unique_email(), PASSWORD)):
        page = post(client, "/account/login", {"email": email, "password": password})
        assert page.status_code == 200
        assert "عنوان البريد الإلكتروني أو كلمة المرور غير صحيح" in page.get_data(as_text=True)


def test_sign_in_renews_the_session_and_sign_out_needs_the_token(app, client):
    user = create_user(app)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"].startswith(f"{user.id}.")
        assert session.permanent
    assert client.post("/account/logout").status_code == 400  # no CSRF token
    response = post(client, "/account/logout", token_from="/account/")
    assert response.headers["Location"].endswith("/")
    assert client.get("/account/").status_code == 302


def test_the_language_choice_is_stored_on_the_user(app, client):
    user = create_user(app)
    login(client, user)
    client.get("/language/fr")
    with app.app_context():
        assert db.session.get(User, user.id).locale == "fr"
    other = app.test_client()  # a new browser, no cookie
    login(other, user)
    assert '<html lang="fr" dir="ltr">' in other.get("/account/").get_data(as_text=True)


def test_the_idle_timeout_is_at_least_an_hour_and_the_page_warns(app, client):
    assert app.config["PERMANENT_SESSION_LIFETIME"] >= timedelta(minutes=60)
    login(client, create_user(app))
    page = client.get("/account/").get_data(as_text=True)
    assert 'data-idle-seconds="3600"' in page and "js/session.js" in page
    assert client.get("/account/keepalive").status_code == 204


def test_a_language_chosen_before_signing_in_is_kept_on_the_account(app, client):
    user = create_user(app, locale="ar")
    client.get("/language/fr")
    login(client, user)
    assert '<html lang="fr" dir="ltr">' in client.get("/account/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).locale == "fr"


def test_a_registered_address_costs_the_same_password_hash_as_a_new_one(app, client, monkeypatch):
    """The answer's time must not tell a registered address: both paths hash the password."""

    class CountingHasher(type(services.hasher)):
        calls = 0

        def hash(self, *args, **kwargs):
            CountingHasher.calls += 1
            return super().hash(*args, **kwargs)

    known = create_user(app).email
    monkeypatch.setattr(services, "hasher", CountingHasher())
    post(client, "/account/register", form())
    new_address = CountingHasher.calls
    CountingHasher.calls = 0
    post(client, "/account/register", form(email=known))
    assert new_address >= 1 and CountingHasher.calls == new_address

"""Sessions end on the server: a cookie copied before sign-out, a password change, closing the
account or deactivation opens nothing afterwards."""

from tests.support.accounts import (
    PASSWORD,
    copy_of_session,
    create_staff,
    create_user,
    csrf_token,
    login,
    post,
)

NEW_PASSWORD = "another long passphrase"


def signed_out(response) -> bool:
    return response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, client):
    login(client, create_user(app))
    copied = copy_of_session(app, client)
    assert copied.get("/account/").status_code == 200  # the copy works while signed in
    post(client, "/account/logout", token_from="/account/")
    assert signed_out(copied.get("/account/"))
    assert signed_out(copied.get("/organisations/"))


def test_a_staff_cookie_copied_before_sign_out_opens_no_back_office_page(app, client):
    login(client, create_staff(app, "admin"))
    copied = copy_of_session(app, client)
    assert copied.get("/backoffice/staff/").status_code == 200
    post(client, "/account/logout", token_from="/backoffice/")
    for path in ("/backoffice/", "/backoffice/staff/", "/account/"):
        assert signed_out(copied.get(path)), path


def test_a_password_change_keeps_the_new_session_and_ends_the_copied_one(app, client):
    login(client, create_user(app))
    copied = copy_of_session(app, client)
    post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert client.get("/account/").status_code == 200  # the person who changed it stays in
    assert signed_out(copied.get("/account/"))


def test_closing_the_account_ends_a_copied_session(app, client):
    login(client, create_user(app))
    copied = copy_of_session(app, client)
    post(client, "/account/close", {"password": PASSWORD, "confirm": "y"})
    assert signed_out(copied.get("/account/"))


def test_deactivation_ends_a_copied_staff_session(app):
    admin, member = app.test_client(), app.test_client()
    login(admin, create_staff(app, "admin"))
    staff = create_staff(app, "secretariat")
    login(member, staff)
    copied = copy_of_session(app, member)
    admin.post(
        f"/backoffice/staff/{staff.id}/active",
        data={"csrf_token": csrf_token(admin, "/backoffice/staff/")},
    )
    assert signed_out(copied.get("/backoffice/"))

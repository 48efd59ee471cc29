"""Limits on the second factor: per pending sign-in and per account, not only per address."""

import pytest

from tests.support.accounts import (
    PASSWORD,
    copy_of_session,
    create_staff,
    login,
    post,
    totp_code,
    wrong_totp_code,
)


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def give_password(client, staff):
    response = post(client, "/account/login", {"email": staff.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/account/two-factor")


def guess(client, staff, address: str):
    return post(
        from_address(client, address),
        "/account/two-factor",
        {"code": wrong_totp_code(staff.totp_secret)},
    )


def test_a_pending_sign_in_ends_after_five_wrong_codes_from_any_address(app, limited):
    staff = create_staff(app, "secretariat")
    attacker = limited.test_client()
    give_password(attacker, staff)
    for n in range(5):
        assert guess(attacker, staff, f"10.1.0.{n}").status_code == 200
    replayed = copy_of_session(limited, attacker)
    right = totp_code(staff.totp_secret)
    refused = post(from_address(attacker, "10.1.0.99"), "/account/two-factor", {"code": right})
    assert refused.status_code == 429
    assert "كلمة المرور" in refused.get_data(as_text=True)  # told to give the password again
    assert attacker.get("/backoffice/").status_code == 302
    assert attacker.get("/account/two-factor").headers["Location"].endswith("/account/login")
    # The pending sign-in is over for a copy of its cookie too, right code or not.
    again = post(from_address(replayed, "10.1.0.98"), "/account/two-factor", {"code": right})
    assert again.status_code == 429 and replayed.get("/backoffice/").status_code == 302
    # The owner, giving the password again, signs in.
    login(from_address(limited.test_client(), "10.1.0.200"), staff)


def test_wrong_codes_are_limited_per_account_across_sign_ins_and_addresses(app, limited):
    staff, colleague = create_staff(app, "secretariat"), create_staff(app, "secretariat")
    for attempt in range(2):
        attacker = limited.test_client()
        give_password(from_address(attacker, f"10.2.{attempt}.1"), staff)
        for n in range(5):
            assert guess(attacker, staff, f"10.2.{attempt}.{n}").status_code == 200
    owner = from_address(limited.test_client(), "10.2.9.9")
    give_password(owner, staff)
    refused = post(owner, "/account/two-factor", {"code": totp_code(staff.totp_secret)})
    assert refused.status_code == 429 and owner.get("/backoffice/").status_code == 302
    login(from_address(limited.test_client(), "10.2.0.1"), colleague)  # only that account


def test_staff_behind_one_address_do_not_share_one_small_limit(app, limited):
    office = [create_staff(app, "technical_committee") for _ in range(4)]
    for staff in office:  # twelve tries from one address in all
        client = from_address(limited.test_client(), "10.3.0.1")
        give_password(client, staff)
        for _typo in range(2):
            assert guess(client, staff, "10.3.0.1").status_code == 200
        login_code = totp_code(staff.totp_secret)
        response = post(client, "/account/two-factor", {"code": login_code})
        assert response.status_code == 302, staff.email


def test_a_pending_sign_in_lasts_ten_minutes(app, client):
    staff = create_staff(app, "secretariat")
    give_password(client, staff)
    with client.session_transaction() as session:
        session["pending_since"] -= 11 * 60
    code = totp_code(staff.totp_secret)
    response = post(client, "/account/two-factor", {"code": code}, token_from="/account/login")
    assert response.headers["Location"].endswith("/account/login")
    assert client.get("/backoffice/").status_code == 302

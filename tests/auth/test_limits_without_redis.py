"""The rate limits keep their counters in Redis; when Redis is down, signing in still works
(the limits go on in memory) and the logs say so."""

import logging

import redis

from tests.support.accounts import PASSWORD, create_staff, create_user, login, post, unique_email
from tests.support.processes import free_port, start_redis, stop


def test_signing_in_registering_and_resetting_work_while_the_limits_redis_is_down(
    app, make_app, tmp_path, caplog
):
    user, staff = create_user(app), create_staff(app, "secretariat")
    port = free_port()
    process, url = start_redis(tmp_path, port), f"redis://127.0.0.1:{port}/0"
    try:
        limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url)
        client = limited.test_client()
        wrong = post(client, "/account/login", {"email": user.email, "password": "not the one!"})
        assert wrong.status_code == 200
        assert redis.Redis.from_url(url).keys()  # the limits count in that Redis
    finally:
        stop(process)
    with caplog.at_level(logging.INFO):
        login(client, user)
        login(limited.test_client(), staff)  # the second factor too
        other = limited.test_client()
        registered = post(
            other,
            "/account/register",
            {
                "full_name": "Said",
                "email": unique_email(),
                "phone": "0612345678",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
                "consent": "y",
            },
        )
        assert registered.status_code == 302
        assert post(other, "/account/forgot", {"email": user.email}).status_code == 200
    assert "falling back to in-memory storage" in caplog.text

"""A real worker on Redis delivers the verification email to a real SMTP server."""

import pytest

from tests.support.accounts import LINK, PASSWORD, login, post, unique_email
from tests.support.processes import start_worker, stop, wait_for

pytestmark = pytest.mark.integration


def test_the_worker_delivers_the_verification_email_and_its_link_verifies(
    make_app, worker_env, smtp_sink, tmp_path
):
    app = make_app(celery={"task_always_eager": False}, **smtp_sink.settings())
    env = {**worker_env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_sink.port)}
    worker = start_worker(env, log_path=tmp_path / "worker.log")
    try:
        client = app.test_client()
        client.set_cookie("lang", "fr")
        email = unique_email()
        response = post(
            client,
            "/account/register",
            {
                "full_name": "Coopérative Tighmert",
                "email": email,
                "phone": "0528123456",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
                "consent": "y",
            },
        )
        assert response.headers["Location"].endswith("/account/check-email")
        assert smtp_sink.received.wait(60), (tmp_path / "worker.log").read_text()[-3000:]
        # Ours, whatever the worker delivers first (an email an earlier test left queued).
        message = wait_for(
            lambda: next((m for m in list(smtp_sink.messages) if m["To"] == email), None),
            60,
            what="the verification email",
        )
    finally:
        stop(worker)
    assert message["To"] == email and message["Subject"] == "Confirmez votre adresse e-mail"
    assert message["Message-ID"].endswith("@awrach.portal>")
    link = LINK.search(smtp_sink.text(message)).group(0)
    assert link.startswith(app.config["PUBLIC_BASE_URL"])
    response = client.get(link.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert response.headers["Location"].endswith("/account/login")

    class Account:  # what login() needs
        is_staff = False

    Account.email = email
    login(client, Account)

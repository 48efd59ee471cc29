"""Delivery to a real SMTP server: once however often it runs, 4xx retried, 5xx final, sweep."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.notifications import services
from portal.notifications.models import DeliveryStatus, Notification
from portal.timeutil import utcnow
from tests.support.accounts import create_staff, create_user, csrf_token, login
from tests.support.delivery import deliver, messages_lost


@pytest.fixture
def mail_app(make_app, smtp_sink):
    return make_app(**smtp_sink.settings(), MAIL_RETRY_BASE_SECONDS=0)


def make_notification(app, **overrides) -> int:
    user = create_user(app, full_name="Aicha")
    with app.app_context(), messages_lost():  # a row the tests deliver by hand
        from portal.auth.models import User

        notice = services.notify(
            db.session.get(User, user.id),
            "password_changed",
            f"test:{user.id}",
            reset_link="http://x/reset",
        )
        for key, value in overrides.items():
            setattr(notice, key, value)
        db.session.commit()
        return notice.id


def row(app, notification_id) -> Notification:
    with app.app_context():
        notice = db.session.get(Notification, notification_id)
        db.session.expunge(notice)
        return notice


def test_delivered_once_however_often_the_task_runs(mail_app, smtp_sink):
    notification_id = make_notification(mail_app)
    with mail_app.app_context():
        assert deliver(notification_id) == ("sent", 0)
        assert deliver(notification_id) == ("skipped", 0)
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["Subject"] == "تم تغيير كلمة مرورك"
    assert message["Message-ID"] == row(mail_app, notification_id).message_id
    assert "مرحبا Aicha" in smtp_sink.text(message)
    assert message.get_body(preferencelist=("html",)) is not None


def test_a_451_reply_is_retried_then_delivered(mail_app, smtp_sink):
    notification_id = make_notification(mail_app)
    smtp_sink.replies = ["451 4.3.0 try again later"]
    with mail_app.app_context():
        outcome, _delay = deliver(notification_id)
        assert outcome == "retry"
        assert row(mail_app, notification_id).status == DeliveryStatus.PENDING
        assert "451" in row(mail_app, notification_id).last_error
        assert deliver(notification_id) == ("sent", 0)
    assert len(smtp_sink.messages) == 1 and row(mail_app, notification_id).attempts == 2


def test_a_550_reply_is_final_and_shown_to_admins_who_can_resend(mail_app, smtp_sink):
    notification_id = make_notification(mail_app)
    smtp_sink.replies = ["550 5.1.1 no such mailbox"]
    with mail_app.app_context():
        assert deliver(notification_id) == ("failed", 0)
        assert deliver(notification_id) == ("skipped", 0)
    failed = row(mail_app, notification_id)
    assert failed.status == DeliveryStatus.FAILED and failed.last_error.startswith("550")
    assert smtp_sink.messages == []
    admin = mail_app.test_client()
    login(admin, create_staff(mail_app, "admin"))
    page = admin.get("/backoffice/emails/failed").get_data(as_text=True)
    assert failed.email in page and "550" in page
    admin.post(
        f"/backoffice/emails/{notification_id}/resend",
        data={"csrf_token": csrf_token(admin, "/backoffice/emails/failed")},
    )
    assert row(mail_app, notification_id).status == DeliveryStatus.SENT  # eager: sent at once
    assert len(smtp_sink.messages) == 1


def test_connection_errors_are_retried_and_give_up_after_the_last_attempt(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_MAX_ATTEMPTS=2)
    notification_id = make_notification(app)
    with app.app_context():
        assert deliver(notification_id)[0] == "retry"
        db.session.execute(  # its retry time has come
            update(Notification).filter_by(id=notification_id).values(next_attempt_at=utcnow())
        )
        db.session.commit()
        assert deliver(notification_id)[0] == "failed"


def test_a_copy_queued_twice_waits_for_the_retry_time(make_app, smtp_sink):
    app = make_app(**smtp_sink.settings(), MAIL_RETRY_BASE_SECONDS=600)
    notification_id = make_notification(app)
    smtp_sink.replies = ["451 4.3.0 try again later"]
    with app.app_context():
        assert deliver(notification_id) == ("retry", 600)
        # A duplicate message of the task (a redelivery, the sweep's copy) runs at once.
        assert deliver(notification_id) == ("skipped", 0)
        assert smtp_sink.messages == []
        assert row(app, notification_id).attempts == 1
        db.session.execute(  # ten minutes later
            update(Notification)
            .filter_by(id=notification_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        assert deliver(notification_id) == ("sent", 0)
    assert len(smtp_sink.messages) == 1 and row(app, notification_id).attempts == 2


def test_the_sweep_requeues_pending_rows_and_reclaims_stuck_ones(mail_app, smtp_sink):
    long_ago = utcnow() - timedelta(hours=1)
    pending = make_notification(mail_app, next_attempt_at=long_ago)
    stuck = make_notification(mail_app, status=DeliveryStatus.SENDING, claimed_at=long_ago)
    recent = make_notification(mail_app, status=DeliveryStatus.SENDING, claimed_at=utcnow())
    with mail_app.app_context():
        services.sweep()
        db.session.commit()  # eager: the re-queued deliveries run after the commit
    assert row(mail_app, pending).status == DeliveryStatus.SENT
    assert row(mail_app, stuck).status == DeliveryStatus.SENT
    assert row(mail_app, recent).status == DeliveryStatus.SENDING  # its worker may be alive
    assert len(smtp_sink.messages) == 2


def test_in_app_list_with_unread_count(app, client):
    user = create_user(app)
    with app.app_context():
        from portal.auth.models import User

        services.notify(
            db.session.get(User, user.id),
            "password_changed",
            f"inbox:{user.id}",
            reset_link="http://x/reset",
        )
        db.session.commit()
    login(client, user)
    page = client.get("/account/").get_data(as_text=True)
    assert "إشعار واحد غير مقروء" in page
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "تم تغيير كلمة مرورك" in inbox and "جديد" in inbox
    assert "غير مقروء" not in client.get("/account/").get_data(as_text=True)


def test_the_inbox_shows_the_portals_links_as_links_and_no_one_elses(app, client):
    user = create_user(app, full_name="Aicha")
    base = app.config["PUBLIC_BASE_URL"]
    with app.app_context():
        from portal.auth.models import User

        notice = services.notify(
            db.session.get(User, user.id),
            "password_changed",
            f"links:{user.id}",
            reset_link=f"{base}/account/reset/abc?x=1&y=2",
        )
        notice.body_text += "\nhttps://evil.example/phish <b>"
        db.session.commit()
    login(client, user)
    page = client.get("/notifications/").get_data(as_text=True)
    assert f'<a href="{base}/account/reset/abc?x=1&amp;y=2" dir="ltr">' in page
    assert 'href="https://evil.example' not in page and "&lt;b&gt;" in page

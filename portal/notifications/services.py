"""Notifications: written with the event that causes them, delivered by the worker, swept.

An email template `templates/emails/<event>.txt` starts with the subject on its first line;
`<event>.html` is the same message in HTML. Both are rendered at event time, in the
recipient's language, and stored on the row: delivery only sends what is stored.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select, update

from portal.core.uow import after_commit
from portal.extensions import db
from portal.notifications.models import DeliveryStatus, Notification
from portal.timeutil import utcnow

log = logging.getLogger(__name__)
DELIVER_TASK = "deliver_notification"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails and documents, built from PUBLIC_BASE_URL, never a request."""
    path = current_app.url_map.bind("portal").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


@dataclass(frozen=True)
class Recipient:
    """Someone without an account yet (an invitation): reached by email only."""

    email: str
    locale: str
    full_name: str = ""


def notify(user, event: str, key: str, **context) -> Notification:
    """Write the notification of `event` for `user`; it is delivered once the unit of work
    commits. `key` identifies the event: the same key never makes a second notification.
    """
    existing = db.session.scalar(select(Notification).filter_by(event_key=key))
    if existing is not None:
        return existing
    with force_locale(user.locale):
        text = render_template(f"emails/{event}.txt", user=user, **context)
        html = render_template(f"emails/{event}.html", user=user, **context)
    subject, _, body = text.strip().partition("\n")
    notification = Notification(
        event_key=key,
        event=event,
        user=None if isinstance(user, Recipient) else user,  # a Recipient has no account yet
        email=user.email,
        locale=user.locale,
        subject=subject.strip(),
        body_text=body.strip() + "\n",
        body_html=html,
        status=DeliveryStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    db.session.add(notification)
    if notification.user is not None:
        # In SQL (count = count + 1), so two notifications written at once both count.
        user.unread_notifications = type(user).unread_notifications + 1
    db.session.flush()
    after_commit(DELIVER_TASK, notification.id)
    return notification


def retry_delay(attempts: int) -> int:
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def claim(notification_id: int) -> Notification | None:
    """Take a notification for sending, or None when there is nothing to send.

    Only a pending row whose retry time has come is claimed: a second queued copy of the task
    arriving early finds nothing to do (the retry, or the sweep, sends it when it is due). The
    claim is committed before sending (`tasks.notifications`), so two workers never both send.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == DeliveryStatus.PENDING,
            Notification.next_attempt_at <= now,
        )
        .values(status=DeliveryStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
    ).rowcount
    if not claimed:  # sent, being sent, failed or not yet due: running twice sends once
        return None
    return db.session.get(Notification, notification_id)


def send(notification: Notification) -> tuple[str, int]:
    """Send a claimed notification by email; ('sent' | 'failed' | 'retry', delay)."""
    try:
        send_email(notification)
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = min(error.recipients.values())
        return _after_reply(notification, code, reply)
    except smtplib.SMTPResponseException as error:
        return _after_reply(notification, error.smtp_code, error.smtp_error)
    except (OSError, smtplib.SMTPException) as error:  # connection refused, timeout, dropped
        return _retry_later(notification, f"connection: {error}")
    notification.status = DeliveryStatus.SENT
    notification.sent_at = utcnow()
    notification.last_error = None
    return "sent", 0


def _after_reply(notification: Notification, code: int, reply) -> tuple[str, int]:
    reply = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    if 400 <= code < 500:
        return _retry_later(notification, f"{code} {reply}")
    notification.status = DeliveryStatus.FAILED
    notification.last_error = f"{code} {reply}"[:500]
    log.warning("notification %s refused for good: %s %s", notification.id, code, reply)
    return "failed", 0


def _retry_later(notification: Notification, error: str) -> tuple[str, int]:
    notification.last_error = error[:500]
    if notification.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        notification.status = DeliveryStatus.FAILED
        return "failed", 0
    delay = retry_delay(notification.attempts)
    notification.status = DeliveryStatus.PENDING
    notification.next_attempt_at = utcnow() + timedelta(seconds=delay)
    return "retry", delay


def send_email(notification: Notification) -> None:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = notification.email
    message["Message-ID"] = notification.message_id
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Content-Language"] = notification.locale
    message.set_content(notification.body_text)
    message.add_alternative(notification.body_html, subtype="html")
    if not config["MAIL_SERVER"]:
        # The embedded default: the stored row is the message, read on the dev mailbox page.
        log.info("dev mailbox: %s to %s", notification.subject, notification.email)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def sweep() -> int:
    """Re-queue notifications left pending and reclaim those stuck in 'sending'."""
    config = current_app.config
    now = utcnow()
    stuck_before = now - timedelta(seconds=config["SWEEP_SENDING_AFTER_SECONDS"])
    stuck = db.session.scalars(
        select(Notification.id).where(
            Notification.status == DeliveryStatus.SENDING, Notification.claimed_at < stuck_before
        )
    ).all()
    if stuck:  # claimed longer ago than the task's hard time limit: its worker is gone
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(stuck), Notification.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.PENDING, next_attempt_at=now)
        )
    due_before = now - timedelta(seconds=config["SWEEP_PENDING_AFTER_SECONDS"])
    due = db.session.scalars(
        select(Notification.id)
        .where(
            Notification.status == DeliveryStatus.PENDING,
            Notification.next_attempt_at <= due_before,
        )
        .order_by(Notification.id)
        .limit(1000)
    ).all()
    ids = sorted(set(stuck) | set(due))
    for notification_id in ids:
        after_commit(DELIVER_TASK, notification_id)
    return len(ids)


def resend(notification: Notification) -> None:
    """Put a failed email back in the queue (an admin's decision)."""
    notification.status = DeliveryStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    after_commit(DELIVER_TASK, notification.id)


def inbox(user, limit: int = 50) -> list[Notification]:
    return db.session.scalars(
        select(Notification)
        .filter_by(user_id=user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()


def mark_read(user) -> None:
    """The account's count first: its row lock waits for a notification being written, which
    the update below then sees."""
    user.unread_notifications = 0
    db.session.flush()
    db.session.execute(
        update(Notification).filter_by(user_id=user.id, read_at=None).values(read_at=utcnow())
    )


def failed_emails(limit: int = 200) -> list[Notification]:
    return db.session.scalars(
        select(Notification)
        .filter_by(status=DeliveryStatus.FAILED)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()


def recent_emails(limit: int = 50) -> list[Notification]:
    return db.session.scalars(
        select(Notification).order_by(Notification.id.desc()).limit(limit)
    ).all()

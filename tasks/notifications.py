"""Delivering notifications by email."""

from celery import shared_task

from portal.extensions import db
from portal.notifications import services


@shared_task(name="deliver_notification", bind=True, max_retries=None, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    """Send one notification; transient failures come back after a growing delay."""
    notification = services.claim(notification_id)
    if notification is None:
        return "skipped"
    db.session.commit()  # claimed for all to see before the message leaves
    outcome, delay = services.send(notification)
    if outcome == "retry":
        raise self.retry(countdown=delay)
    return outcome

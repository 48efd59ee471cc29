"""Delivering notifications by email."""

from celery import shared_task

from portal.notifications import services


@shared_task(name="deliver_notification", bind=True, max_retries=None, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    """Send one notification; transient failures come back after a growing delay."""
    outcome, delay = services.deliver(notification_id)
    if outcome == "retry":
        raise self.retry(countdown=delay)
    return outcome

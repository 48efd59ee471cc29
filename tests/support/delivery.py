"""Email delivery as the task runs it, without the broker: claim, commit, send, commit."""

from contextlib import contextmanager
from unittest import mock

from portal.extensions import db
from portal.notifications import services


def deliver(notification_id: int) -> tuple[str, int]:
    """What `tasks.notifications.deliver_notification` does, its outcome and retry delay."""
    notification = services.claim(notification_id)
    if notification is None:
        return "skipped", 0
    db.session.commit()
    outcome = services.send(notification)
    db.session.commit()
    return outcome


@contextmanager
def messages_lost():
    """The commits inside send no task, as when the broker is down: only the rows remain."""
    with mock.patch("portal.core.uow.enqueue", return_value=False):
        yield

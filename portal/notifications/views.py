from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.access import dev_only, login_required
from portal.notifications import bp, services
from portal.notifications.models import DeliveryStatus


@bp.get("/")
@login_required
def inbox():
    notifications = services.inbox(current_user)
    unread = {n.id for n in notifications if n.read_at is None}
    services.mark_read(current_user)
    return render_template("notifications/inbox.html", notifications=notifications, unread=unread)


STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("waiting"),
    DeliveryStatus.SENDING: _l("sending"),
    DeliveryStatus.SENT: _l("sent"),
    DeliveryStatus.FAILED: _l("not delivered"),
}


@bp.app_template_global("status_label")
def status_label(status: str) -> str:
    return STATUS_LABELS[DeliveryStatus(status)]


@bp.get("/dev-mailbox")
@dev_only
def dev_mailbox():
    return render_template("notifications/dev_mailbox.html", emails=services.recent_emails())

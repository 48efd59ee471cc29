"""Back office: the admin sees emails that could not be delivered and sends them again."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.access import Role, staff_required
from portal.extensions import db
from portal.forms import ActionForm
from portal.notifications import services, staff_bp
from portal.notifications.models import DeliveryStatus, Notification


@staff_bp.get("/failed")
@staff_required(Role.ADMIN)
def failed():
    return render_template(
        "notifications/failed.html", emails=services.failed_emails(), form=ActionForm()
    )


@staff_bp.post("/<int:notification_id>/resend")
@staff_required(Role.ADMIN)
def resend(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.status != DeliveryStatus.FAILED:
        abort(404)
    if ActionForm().validate_on_submit():
        services.resend(notification)
        flash(_("The email to %(email)s is queued again.", email=notification.email), "success")
    return redirect(url_for("emails.failed"))

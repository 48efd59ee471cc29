import re

from flask import current_app, render_template
from flask_login import current_user
from markupsafe import Markup, escape

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


@bp.app_template_global("status_label")
def status_label(status: str) -> str:
    return DeliveryStatus(status).label


@bp.app_template_filter("portal_links")
def portal_links(text: str) -> Markup:
    """A message's text, escaped, with the portal's own addresses made links (and no one
    else's: a name typed by a user never becomes a link)."""
    base = re.escape(current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    pattern = re.compile(rf"{base}(?:/[^\s<>\"']*)?(?![^\s/])")
    html, last = [], 0
    for match in pattern.finditer(text):
        url = match.group(0)
        html += [
            escape(text[last : match.start()]),
            Markup('<a href="{0}" dir="ltr">{0}</a>').format(url),
        ]
        last = match.end()
    html.append(escape(text[last:]))
    return Markup("").join(html)


# An email's HTML is a whole document; the mailbox page shows what its <body> holds.
EMAIL_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)


def email_body(html: str | None) -> str:
    """The content of an email's <body> (a document inside the page would be invalid HTML)."""
    match = EMAIL_BODY.search(html or "")
    return match.group(1) if match else html or ""


@bp.get("/dev-mailbox")
@dev_only
def dev_mailbox():
    return render_template(
        "notifications/dev_mailbox.html", emails=services.recent_emails(), email_body=email_body
    )

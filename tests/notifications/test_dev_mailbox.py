"""The development mailbox: each email kept shows its HTML body inside the page."""

import re

from portal.auth.models import User
from portal.extensions import db
from portal.notifications import services
from tests.support.accounts import create_user


def test_the_mailbox_shows_the_body_of_each_email_not_a_document_in_the_page(
    app, client, html_pages
):
    user = create_user(app, full_name="Aicha <b>Ait</b>")
    with app.app_context():
        services.notify(
            db.session.get(User, user.id),
            "password_changed",
            f"mailbox:{user.id}",
            reset_link="http://127.0.0.1/account/reset/abc",
        )
        db.session.commit()
    page = client.get("/notifications/dev-mailbox").get_data(as_text=True)
    assert re.findall(r"<(!doctype|html|head|title|body)[\s>]", page) == [
        "!doctype",
        "html",
        "head",
        "title",
        "body",
    ]
    assert '<a href="http://127.0.0.1/account/reset/abc">' in page
    assert "Aicha &lt;b&gt;Ait&lt;/b&gt;" in page and "<b>Ait</b>" not in page
    html_pages.save("dev-mailbox", page)

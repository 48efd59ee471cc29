"""In Arabic pages and emails, numbers, identifiers, dates and amounts are left-to-right isolates.

Without one, the Arabic around "+212612345678" moves its plus sign to the far end, and
"01/12/2026 10:30" shows its time first. Each value must sit in an element whose direction is
left to right (the nearest element with a `dir` attribute says `ltr`: an isolate), or, where no
tag may go (a page's title, a text email and its subject), between LRI and PDI.
"""

import random
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.extensions import db
from portal.i18n import show_date, show_datetime
from portal.notifications.models import Notification
from portal.organisations.models import Organisation
from tests.support.accounts import create_user, login
from tests.support.agreements import approve_in_session, signed_in_staff, submitted

LRI, PDI = "\u2066", "\u2069"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class TextDirections(HTMLParser):
    """Each text of a page with the `dir` of the nearest element that has one."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None, str]] = []  # (text, dir, innermost tag)

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append((tag, dict(attrs).get("dir")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if data.strip():
            direction = next((d for _, d in reversed(self.open) if d is not None), None)
            self.texts.append((data, direction, self.open[-1][0] if self.open else ""))


def not_isolated(html: str, value: str) -> list[str]:
    """Where `value` shows on the page outside a left-to-right isolate (its title included)."""
    parser = TextDirections()
    parser.feed(html)
    found, problems = 0, []
    for text, direction, tag in parser.texts:
        if value not in text:
            continue
        found += 1
        if f"{LRI}{value}{PDI}" in text:  # a title, or a message written in Python
            continue
        if tag == "title" or direction != "ltr" or text.strip() != value:
            problems.append(f"{tag} (dir={direction}): {text!r}")
    assert found, f"{value!r} is not on the page"
    return problems


def _rib() -> str:
    return f"{random.randrange(10**23):024d}"


@pytest.fixture(scope="module")
def approved(app):
    """A company's application approved in a closed session: its agreement is issued."""
    application_id, owner, client = submitted(app, 2, rib=_rib())
    session_id, staff = approve_in_session(app, [application_id])
    return application_id, owner, client, session_id, staff


def _values(app, application_id: int) -> dict:
    with app.app_context(), app.test_request_context(), force_locale("ar"):
        application = db.session.get(Application, application_id)
        organisation = db.session.get(Organisation, application.organisation_id)
        agreement = db.session.query(Agreement).filter_by(application_id=application_id).one()
        return {
            "number": application.number,
            "agreement": agreement.number,
            "submitted": show_datetime(application.first_submitted_at),
            "updated": show_datetime(application.updated_at),
            "organisation_id": organisation.id,
            "created_on": show_date(organisation.created_on),
            "ice": organisation.ice,
            "rib": organisation.rib,
            "cnss": organisation.cnss_affiliation,
        }


def test_applicant_pages_isolate_numbers_dates_and_identifiers(app, approved):
    application_id, _, client, _, _ = approved
    values = _values(app, application_id)
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in page
    for key in ("number", "agreement", "submitted"):
        assert not_isolated(page, values[key]) == [], key
    # The grant: the figures isolated, the currency outside them, after them.
    assert '<bdi dir="ltr">27.000,00</bdi> درهم' in page
    profile = client.get(f"/organisations/{values['organisation_id']}").get_data(as_text=True)
    for key in ("created_on", "ice", "rib", "cnss"):
        assert not_isolated(profile, values[key]) == [], key


def test_account_page_isolates_the_phone_number(app):
    user = create_user(app, phone="+212612345678")
    client = app.test_client()
    login(client, user)
    page = client.get("/account/").get_data(as_text=True)
    assert not_isolated(page, "+212612345678") == []
    assert not_isolated(page, user.email) == []


def test_staff_pages_isolate_numbers_and_dates(app, approved):
    application_id, _, _, session_id, staff = approved
    values = _values(app, application_id)
    client = signed_in_staff(app, staff)
    queue = client.get("/backoffice/applications/").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in queue
    assert not_isolated(queue, values["number"]) == []
    assert not_isolated(queue, values["updated"]) == []
    page = client.get(f"/backoffice/applications/{application_id}").get_data(as_text=True)
    for key in ("number", "agreement", "submitted"):  # the number in the title too
        assert not_isolated(page, values[key]) == [], key
    session = client.get(f"/backoffice/sessions/{session_id}").get_data(as_text=True)
    for key in ("number", "agreement"):
        assert not_isolated(session, values[key]) == [], key


def test_arabic_text_email_isolates_the_number_and_the_date(app, approved):
    application_id, owner, _, _, _ = approved
    values = _values(app, application_id)
    with app.app_context():
        received, decision = (
            db.session.query(Notification).filter_by(user_id=owner.id, event=event).one()
            for event in ("application_received", "committee_decision")
        )
    assert received.locale == "ar"
    assert f"{LRI}{values['number']}{PDI}" in received.subject
    assert f"{LRI}{values['number']}{PDI}" in received.body_text
    assert f"{LRI}{values['submitted']}{PDI}" in received.body_text
    assert received.body_text.count(LRI) == received.body_text.count(PDI)
    # The link stays bare, so that mail programs find where it ends.
    assert all(LRI not in line for line in received.body_text.splitlines() if "://" in line)
    # The same message in HTML isolates with markup, not with control characters.
    assert not_isolated(decision.body_html, values["number"]) == []
    assert LRI not in decision.body_html

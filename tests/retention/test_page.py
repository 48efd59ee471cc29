"""The admin's retention page: counts and dates, no person on it; admins only; the button
asks for a purge after a confirmation; its statements do not grow with the agreements."""

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.beneficiaries.models import Person
from portal.extensions import db
from tests.support.accounts import create_staff, create_user
from tests.support.beneficiaries import send, signed_in
from tests.support.queries import page_statements
from tests.support.retention import closed_agreement

PAGE = "/backoffice/retention/"


def runs() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).filter_by(action="retention.purged")
    )


def test_the_admin_sees_when_each_category_goes_and_no_person(app):
    side = closed_agreement(app, months_ago=30)
    admin = signed_in(app, create_staff(app, "admin"), "fr")
    page = admin.get(PAGE).get_data(as_text=True)
    assert side.number in page
    assert "Identité des travailleurs" in page
    for cin in side.cins:
        assert cin not in page and cin[-4:] not in page
    assert "Saïd" not in page and "0612345678" not in page


def test_staff_and_applicants_are_refused(app):
    for client in (
        signed_in(app, create_staff(app, "secretariat")),
        signed_in(app, create_user(app)),
    ):
        assert client.get(PAGE).status_code == 403
        assert send(client, "/backoffice/retention/purge", {"confirm": "y"}).status_code in (403,)


def test_the_button_purges_only_once_confirmed(app):
    side = closed_agreement(app, months_ago=30)
    admin = signed_in(app, create_staff(app, "admin"))
    with app.app_context():
        before = runs()
    assert send(admin, "/backoffice/retention/purge", {}).status_code == 400
    with app.app_context():
        assert runs() == before
        assert db.session.get(Person, side.person_ids[0]).purged_at is None
    response = send(admin, "/backoffice/retention/purge", {"confirm": "y"})
    assert response.status_code == 302
    with app.app_context():  # the (eager) worker ran it after the request's commit
        assert runs() == before + 1
        assert db.session.get(Person, side.person_ids[0]).purged_at is not None


def test_the_page_costs_the_same_statements_for_one_agreement_or_three(app):
    admin = signed_in(app, create_staff(app, "admin"))
    closed_agreement(app, months_ago=30)
    one = page_statements(app, admin, PAGE)
    closed_agreement(app, months_ago=10)
    closed_agreement(app, months_ago=2, province="Tan-Tan")
    assert page_statements(app, admin, PAGE) == one

"""Pages run a number of SQL statements that does not grow with the data: each is counted with
10 and with 1,000 applications in the database (each at most its figure here)."""

from portal.applications.models import Application
from portal.extensions import db
from portal.organisations.models import Organisation
from tests.support.accounts import create_staff, login
from tests.support.agreements import submitted
from tests.support.applications import bulk_applications
from tests.support.queries import count_queries


def statements(app, client, path: str) -> int:
    client.get(path)
    with count_queries(app) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return queries["n"]


def test_pages_run_the_same_statements_with_10_and_1000_applications(app):
    application_id, owner, applicant = submitted(app, 1)
    with app.app_context():
        application = db.session.get(Application, application_id)
        organisation = db.session.get(Organisation, application.organisation_id)
        province_id = application.province_id
        db.session.expunge(organisation)
    staff = app.test_client()
    login(staff, create_staff(app, "secretariat", provinces=("Sidi Ifni",)))
    pages = {
        "applicant's application": (applicant, f"/applications/{application_id}", 8),
        "applicant's list": (applicant, "/applications/", 3),
        "applicant's page waiting for the check": (
            applicant,
            f"/applications/{application_id}/check",
            3,
        ),
        "staff application": (staff, f"/backoffice/applications/{application_id}", 15),
        "staff queue": (staff, "/backoffice/applications/", 7),
        "staff queue of a province and status": (
            staff,
            f"/backoffice/applications/?province={province_id}&status=eligible&sort=number",
            7,
        ),
        "staff queue searched": (staff, "/backoffice/applications/?q=BULK&flagged=1", 7),
        "dashboard": (staff, "/backoffice/reports/dashboard", 5),
    }
    counts = {}
    for total, more in ((10, 9), (1000, 990)):  # the submitted one, then bulk rows
        bulk_applications(app, organisation, owner, more)
        counts[total] = {label: statements(app, c, path) for label, (c, path, _) in pages.items()}
    assert counts[10] == counts[1000]
    for label, (_c, _path, most) in pages.items():
        assert counts[10][label] <= most, (label, counts[10][label])

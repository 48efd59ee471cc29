"""Pages run a number of SQL statements that does not grow with the data: each is counted with
10 and with 1,000 applications in the database (each at most its figure here)."""

from portal.applications.models import Application
from portal.extensions import db
from portal.organisations.models import Organisation
from tests.support.accounts import create_staff, login
from tests.support.agreements import submitted
from tests.support.applications import bulk_applications
from tests.support.queries import page_statements as statements


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


def test_money_pages_run_the_same_statements_with_10_and_1000_ledger_entries(app):
    """The ledger's page and the money part of a signed agreement's page read sums, whatever
    the number of entries they sum."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import insert

    from portal.payroll.models import LedgerEntry
    from tests.support.beneficiaries import signed_agreement

    side = signed_agreement(app)
    owner, staff = app.test_client(), app.test_client()
    login(owner, side.owner)
    login(staff, side.staff)
    pages = {
        # 13, and the close-out's checklist: the final report's status with the statements
        # still open (one statement), the workers without a certificate (one).
        "partner's signed application": (owner, f"/applications/{side.application_id}", 15),
        "staff ledger": (staff, "/backoffice/payroll/ledger", 6),
    }
    counts, written = {}, 0
    for total in (10, 1000):
        rows = [
            {
                "kind": ("wage_due", "wage_paid")[n % 2],
                "amount": Decimal("3266.10"),
                "application_id": side.application_id,
                "province_id": side.province_id,
                "period": date(2027, 1 + n % 12, 1),
                "source": f"bulk:{n}",
            }
            for n in range(written, total)
        ]
        with app.app_context():
            db.session.execute(insert(LedgerEntry), rows)
            db.session.commit()
        written = total
        counts[total] = {label: statements(app, c, path) for label, (c, path, _) in pages.items()}
    assert counts[10] == counts[1000]
    for label, (_c, _path, most) in pages.items():
        assert counts[10][label] <= most, (label, counts[10][label])

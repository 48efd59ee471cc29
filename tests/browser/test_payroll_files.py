"""The payroll files' pages in a real browser, in both languages, on a desk and on a phone:
axe clean, nothing wider than the page; the file's page polls until the worker built it."""

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.geo.models import Province
from portal.payroll import files
from portal.payroll.models import MonthlyStatement
from tests.support.accounts import create_staff
from tests.support.beneficiaries import signed_agreement
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.payroll_files import MARCH, enrolled_statement, new_cnss_number

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reconciled(app):
    """A month's file of three workers built, its returns imported with one line rejected."""
    side = signed_agreement(app, jobs=3)
    statement_id = enrolled_statement(
        app,
        side,
        [
            {"cnss_number": new_cnss_number()},
            {"days": 13, "situation": "IL", "first_name_fr": "Zoé", "last_name_fr": "Benâli"},
            {"first_name_ar": "عبد الرحيم", "last_name_ar": "أيت بها"},
        ],
    )
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        province = db.session.get(Province, side.province_id)
        file_id = files.request_file(province, MARCH, by=staff).id
        db.session.commit()  # built by the (eager) worker
        payroll_file = db.session.get(files.PayrollFile, file_id)
        first, second, third = db.session.get(MonthlyStatement, statement_id).lines
        returns = (
            "line_reference,outcome,amount_paid,reject_code,reject_reason\n"
            f"L{first.id},paid,{first.wage_due},,\n"
            f"L{second.id},paid,{second.wage_due},,\n"
            f"L{third.id},rejected,,R12,Numéro CIN inconnu de la CNSS\n"
        )
        imported = files.import_returns(payroll_file, returns.encode(), "r.csv", by=staff)
        assert not imported.errors
        db.session.commit()
        digest = db.session.get(files.PayrollFile, file_id).sha256
    return side, file_id, digest


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_payroll_pages_on_a_desk_and_a_phone(
    app, browser, live_server, check_page, reconciled, lang
):
    _side, file_id, digest = reconciled
    staff = create_staff(app, "secretariat", provinces=("Sidi Ifni",), locale=lang)
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    staff_sign_in(page, live_server, staff, lang)
    problems = []
    for size in (DESK, PHONE):
        page.set_viewport_size(size)
        for name, path in (
            ("files", "/backoffice/payroll/files?month=2027-03"),
            ("file", f"/backoffice/payroll/files/{file_id}"),
        ):
            page.goto(f"{live_server}{path}")
            shot = f"payroll-{name}-{lang}-{size['width']}"
            problems += check_page(page, shot)
            if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
                problems.append(f"{shot} scrolls sideways: {page.evaluate(OVERFLOWING)}")
        assert page.locator("main code.code").inner_text() == digest
        assert "R12" in page.inner_text("main")
    context.close()
    assert problems == []

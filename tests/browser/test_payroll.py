"""The ledger of wages and hiring grant in a real browser, in both languages, on a desk and
on a phone: axe clean, nothing wider than the page, and a month flagged after an early end
recovered from the page itself."""

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.payroll import grants
from portal.payroll.models import GrantInstalment, LineOutcome
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.payroll import APRIL, MARCH, accepted, early_leaver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def money(app):
    """A component-1 worksite with two months accepted, one paid; a hire who left early, two
    months flagged (both in Sidi Ifni, the same secretariat)."""
    leaver = early_leaver(app)
    side = signed_agreement(app)
    with app.app_context():
        worker = enrol(side, new_cin(), wage=Decimal("3500.00")).contract
        line = accepted(worker, MARCH)
        line.outcome, line.amount_paid = LineOutcome.PAID, Decimal("3500.00")
        grants.settle(line)
        accepted(worker, APRIL, 13, "IL")
        db.session.commit()
    return leaver


@pytest.fixture(scope="module")
def signed_in(browser, live_server, money):
    """The staff member's signed-in browser state in a language, signed in once: each sign-in
    takes a fresh one-time code, and a third within a minute waits for the next time step."""
    states = {}

    def state(lang: str) -> dict:
        if lang not in states:
            context = browser.new_context()
            staff_sign_in(context.new_page(), live_server, money.staff, lang)
            states[lang] = context.storage_state()
            context.close()
        return states[lang]

    return state


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_ledger_on_a_desk_and_a_phone(browser, live_server, check_page, signed_in, lang):
    problems = []
    for size in (DESK, PHONE):
        context = browser.new_context(viewport=size, storage_state=signed_in(lang))
        page = context.new_page()
        page.goto(f"{live_server}/backoffice/payroll/ledger")
        name = f"payroll-ledger-{lang}-{size['width']}"
        problems += check_page(page, name)
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            problems.append(f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}")
        context.close()
    assert problems == []


def test_a_flagged_month_is_recovered_from_the_page(app, browser, live_server, money, signed_in):
    context = browser.new_context(viewport=PHONE, storage_state=signed_in("ar"))
    page = context.new_page()
    page.goto(f"{live_server}/backoffice/payroll/ledger")
    first = money.instalments[0]
    form = page.locator(f"form[action$='/instalments/{first}/decide']")
    form.locator("button[type=submit]").click()  # nothing chosen: the page says why
    page.wait_for_selector(".field-error")
    assert page.locator(f"#i{first}-note").count() == 1
    form = page.locator(f"form[action$='/instalments/{first}/decide']")
    form.locator(f"#i{first}-decision-1").check()
    form.locator(f"#i{first}-note").fill("غادر قبل المدة الدنيا")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(f"form[action$='/instalments/{first}/decide']").count() == 0
    context.close()
    with app.app_context():
        assert db.session.get(GrantInstalment, first).status == "recovered"

"""A month's statement in a real browser, in both languages: the editor opens and fills it on a
phone and submits it, the owner certifies it, the secretariat accepts it; axe clean, nothing
wider than a 360 px page, CIN masked."""

import re

import pytest
from sqlalchemy import select, update

from portal.auth.models import User
from portal.extensions import db
from portal.payroll.models import MonthlyStatement
from tests.support.accounts import create_staff
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.statements import NOVEMBER, on_today, workforce

pytestmark = pytest.mark.browser


def in_language(app, side, lang: str) -> None:
    with app.app_context():
        db.session.execute(
            update(User).where(User.id.in_([side.editor.id, side.owner.id])).values(locale=lang)
        )
        db.session.commit()


def overflow(page, name: str, size: dict) -> list[str]:
    if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
        return [f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}"]
    return []


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_fill_submit_certify_accept(
    app, browser, live_server, sign_in, check_page, monkeypatch, lang
):
    on_today(monkeypatch)
    side = workforce(app, jobs=3)
    in_language(app, side, lang)
    problems = []
    listing = f"{live_server}/agreements/{side.agreement_id}/statements"

    # The editor, on a phone: open November's statement, one worker ill for 6 days, submit.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, side.editor)
    page.goto(listing)
    problems += check_page(page, f"payroll-statements-{lang}-360")
    problems += overflow(page, "the statements on a phone", PHONE)
    page.select_option("#period", "2026-11")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/statements/\d+$"))
    statement_path = page.url.removeprefix(live_server)
    problems += check_page(page, f"payroll-statement-fill-{lang}-360")
    problems += overflow(page, "the statement's form on a phone", PHONE)
    page.fill("#lines-1-days_worked", "20")
    with page.expect_navigation():
        page.locator("main form.wide button[type=submit]").click()
    problems += check_page(page, f"payroll-statement-error-{lang}-360")  # no reason given
    assert page.locator("#lines-1-situation-error").count() == 1
    page.select_option("#lines-1-situation", "IL")
    with page.expect_navigation():
        page.locator("main form.wide button[type=submit]").click()
    with page.expect_navigation():
        page.locator(f"form[action$='{statement_path}/submit'] button").click()
    problems += check_page(page, f"payroll-statement-submitted-{lang}-360")
    text = page.inner_text("main")
    with app.app_context():
        statement = db.session.scalar(
            select(MonthlyStatement).filter_by(application_id=side.application_id, period=NOVEMBER)
        )
        cins = [line.contract.person.cin for line in statement.lines]
        assert statement.status == "submitted"
        assert [line.situation for line in statement.lines] == ["", "IL"]
    problems += [f"a whole CIN on the {lang} page" for cin in cins if cin in text]
    context.close()

    # The owner certifies it, on a phone too.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, side.owner)
    page.goto(f"{live_server}{statement_path}")
    problems += check_page(page, f"payroll-statement-certify-{lang}-360")
    problems += overflow(page, "the statement to certify on a phone", PHONE)
    with page.expect_navigation():
        page.locator(f"form[action$='{statement_path}/certify'] button").click()
    page.goto(listing)
    problems += check_page(page, f"payroll-statements-history-{lang}-360")
    context.close()

    # The secretariat of the province accepts it.
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    staff = create_staff(app, "secretariat", provinces=("Sidi Ifni",), locale=lang)
    staff_sign_in(page, live_server, staff, lang)
    page.goto(f"{live_server}/backoffice/payroll/statements")
    problems += check_page(page, f"payroll-staff-statements-{lang}-1280")
    staff_path = f"/backoffice/payroll/statements/{statement.id}"
    page.locator(f"main a[href$='{staff_path}']").click()
    page.wait_for_url(re.compile(re.escape(staff_path) + "$"))
    problems += check_page(page, f"payroll-staff-statement-{lang}-1280")
    with page.expect_navigation():
        page.locator(f"form[action$='{staff_path}/accept'] button").click()
    context.close()
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement.id).status == "accepted"
    assert problems == []

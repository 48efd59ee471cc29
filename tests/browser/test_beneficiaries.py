"""The agreement's workers in a real browser, in both languages, on a desk and on a phone:
axe clean, nothing wider than the page, CIN masked; enrolment, replacement and the ZIP of the
certificates."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.beneficiaries import services
from portal.beneficiaries.models import Contract
from portal.extensions import db
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.browser import DESK, OVERFLOWING, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def workforce(app):
    """A signed agreement of five jobs: one worker waiting, two at work, one who left early."""
    side = signed_agreement(app, jobs=5)
    with app.app_context():
        staff, editor = db.session.get(User, side.staff.id), db.session.get(User, side.editor.id)
        today = date.today()
        waiting = enrol(
            side, new_cin(), start=date(today.year + 1, 3, 1), end=date(today.year + 1, 8, 31)
        )
        working = [
            enrol(
                side,
                new_cin(),
                start=date(today.year, 1, 1),
                end=date(today.year + 1, 6, 30),
                **names,
            )
            for names in (
                {
                    "first_name_ar": "خديجة",
                    "last_name_ar": "البصري",
                    "first_name_fr": "Khadija",
                    "last_name_fr": "Basri",
                },
                {
                    "first_name_ar": "عبد الرحيم",
                    "last_name_ar": "أيت بها",
                    "first_name_fr": "Abderrahim",
                    "last_name_fr": "Ait Baha",
                },
            )
        ]
        left = enrol(
            side, new_cin(), start=date(today.year - 1, 1, 1), end=date(today.year - 1, 12, 31)
        )
        for enrolment in (*working, left):
            services.validate(enrolment.contract, by=staff)
        services.end_contract(left.contract, date(today.year - 1, 5, 31), "resigned", by=editor)
        db.session.commit()
        cins = [
            c.person.cin
            for c in db.session.scalars(
                select(Contract).filter_by(application_id=side.application_id)
            )
        ]
        assert waiting.contract.status == "proposed"
        side.left = left.contract.id
    return side, cins


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_workers_page_on_a_desk_and_a_phone(
    app, browser, live_server, sign_in, check_page, workforce, lang
):
    side, cins = workforce
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for size in (DESK, PHONE):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        page.goto(f"{live_server}/language/{lang}")
        sign_in(page, side.editor)
        page.goto(f"{live_server}/agreements/{side.agreement_id}/workers")
        name = f"beneficiaries-workers-{lang}-{size['width']}"
        problems += check_page(page, name)
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            problems.append(f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}")
        text = page.inner_text("main")
        problems += [f"{name} shows a whole CIN" for cin in cins if cin in text]
        assert page.locator("table:not(.report) tbody tr").count() == 4  # the contracts
        # The one who left early is replaced from there; the certificates come in one ZIP.
        page.goto(f"{live_server}/agreements/{side.agreement_id}/workers/new")
        problems += check_page(page, f"beneficiaries-enrol-{lang}-{size['width']}")
        page.goto(f"{live_server}/agreements/{side.agreement_id}/workers")
        with page.expect_navigation():
            page.click(f"main a[href='/contracts/{side.left}/replace']")
        problems += check_page(page, f"beneficiaries-replace-{lang}-{size['width']}")
        page.goto(f"{live_server}/agreements/{side.agreement_id}/workers")
        with page.expect_navigation():
            page.click("main form[action$='/certificates/archive'] button")
        page.wait_for_selector("main a[href$='/download']")  # built by the (eager) worker
        problems += check_page(page, f"beneficiaries-certificates-zip-{lang}-{size['width']}")
        context.close()
    assert problems == []

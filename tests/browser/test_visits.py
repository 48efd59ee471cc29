"""A field visit in a real browser, in both languages: the province's secretariat plans it at
a desk, records it on a phone at 360 px with a photo carrying a GPS position, and the head
count found flags November's statement, which the secretariat's statement page shows; the
photo shown and downloaded has no GPS; axe clean, nothing wider than the phone's page."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.monitoring.models import MonitoringVisit
from portal.payroll.models import MonthlyStatement
from tests.support.accounts import create_staff
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.statements import NOVEMBER, TODAY, on_today, statement_in, workforce
from tests.support.visits import has_gps, phone_photo

pytestmark = pytest.mark.browser


def overflow(page, name: str) -> list[str]:
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        return [f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}"]
    return []


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_plan_record_on_a_phone_and_flag(app, browser, live_server, check_page, monkeypatch, lang):
    on_today(monkeypatch)
    monkeypatch.setattr("portal.monitoring.services.local_date", lambda: TODAY)
    monkeypatch.setattr("portal.monitoring.staff_views.local_date", lambda: TODAY)
    side = workforce(app, jobs=3)
    november = statement_in(app, side, NOVEMBER, "certified")
    staff = create_staff(app, "secretariat", provinces=("Sidi Ifni",), locale=lang)
    problems = []

    # At a desk: from the application's page to the agreement's visits, plan one.
    desk = browser.new_context(viewport=DESK)
    page = desk.new_page()
    staff_sign_in(page, live_server, staff, lang)
    page.goto(f"{live_server}/backoffice/applications/{side.application_id}")
    page.locator("#visits a").click()
    page.wait_for_url(re.compile(r"/backoffice/visits/agreements/\d+$"))
    problems += check_page(page, f"monitoring-agreement-{lang}-1280")
    page.fill("#planned_on", "2026-11-20")
    page.select_option("#inspector", str(staff.id))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/backoffice/visits/\d+$"))
    visit_path = page.url.removeprefix(live_server)
    problems += check_page(page, f"monitoring-visit-planned-{lang}-1280")
    state = desk.storage_state()

    # On a phone: record it, one worker of the two declared there, a photo from the camera.
    phone = browser.new_context(viewport=PHONE, storage_state=state)
    page = phone.new_page()
    page.goto(f"{live_server}{visit_path}")
    problems += check_page(page, f"monitoring-visit-record-{lang}-360")
    problems += overflow(page, "the visit's form on a phone")
    assert page.input_value("#declared") == "2"
    page.fill("#done_on", "2026-11-20")
    page.locator("#checked-1").check()
    page.locator("#checked-2").check()
    page.fill("#present", "1")
    page.set_input_files(
        "#photos", {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}
    )
    page.fill("#findings", "Un ouvrier absent, la feuille de présence n'est pas à jour.")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    problems += check_page(page, f"monitoring-visit-done-{lang}-360")
    problems += overflow(page, "the visit recorded on a phone")
    assert page.locator("main .photos img").count() == 1
    shown = page.request.get(live_server + page.locator("main .photos img").get_attribute("src"))
    downloaded = page.request.get(
        live_server + page.locator("main .photos a[download]").get_attribute("href")
    )
    assert shown.ok and downloaded.ok
    assert not has_gps(shown.body()) and not has_gps(downloaded.body())
    phone.close()

    # Back at the desk: November's statement is flagged for review before it is accepted.
    with app.app_context():
        visit = db.session.scalar(
            select(MonitoringVisit).filter_by(application_id=side.application_id)
        )
        assert visit.status == "done" and visit.headcount_flagged
        assert db.session.get(MonthlyStatement, november).review_flagged_at is not None
    page = desk.new_page()
    page.goto(f"{live_server}/backoffice/payroll/statements/{november}")
    assert page.locator("#review-flag").count() == 1
    problems += check_page(page, f"monitoring-statement-flagged-{lang}-1280")
    page.goto(f"{live_server}/backoffice/visits/")
    problems += check_page(page, f"monitoring-visits-{lang}-1280")
    desk.close()
    phone = browser.new_context(viewport=PHONE, storage_state=state)
    page = phone.new_page()
    page.goto(f"{live_server}/backoffice/visits/")
    problems += check_page(page, f"monitoring-visits-{lang}-360")
    problems += overflow(page, "the visits on a phone")
    phone.close()
    assert problems == []

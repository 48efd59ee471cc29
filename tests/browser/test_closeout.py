"""The final report and the close-out in a real browser, in both languages: the editor writes
the final report on a phone with a photo and submits it, the owner certifies it, the
secretariat accepts it and closes the agreement; axe clean, nothing wider than a 360 px page."""

import re
from datetime import date

import pytest
from sqlalchemy import update

from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.beneficiaries.models import Contract
from portal.closeout.models import FINAL, WorkReport
from portal.extensions import db
from tests.support.accounts import create_staff
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.closeout import DURING, declared_workforce, on_day, photo_bytes

pytestmark = pytest.mark.browser


def overflow(page, name: str, size: dict) -> list[str]:
    if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
        return [f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}"]
    return []


def ended_worksite(app, lang: str):
    """The workforce with every contract ended on 30 November 2026 (their certificates
    issued), its members reading `lang`."""
    side = declared_workforce(app)
    with app.app_context():
        editor = db.session.get(User, side.editor.id)
        for key in ("full", "late"):
            contract = db.session.get(Contract, side.contracts[key])
            beneficiaries.end_contract(
                contract,
                date(2026, 11, 30),
                "completed",
                by=editor,
            )
        db.session.execute(
            update(User).where(User.id.in_([side.editor.id, side.owner.id])).values(locale=lang)
        )
        db.session.commit()
    return side


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_final_report_then_close_out(
    app, browser, live_server, sign_in, check_page, monkeypatch, tmp_path, lang
):
    on_day(monkeypatch, DURING)
    side = ended_worksite(app, lang)
    problems = []
    listing = f"{live_server}/applications/{side.application_id}/reports"
    photo = tmp_path / "chantier.jpg"
    photo.write_bytes(photo_bytes(size=(640, 480)))

    # The editor, on a phone: open the final report, write it, add a photo, submit it.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, side.editor)
    page.goto(listing)
    problems += check_page(page, f"closeout-reports-{lang}-360")
    problems += overflow(page, "the reports on a phone", PHONE)
    page.select_option("#phase", str(FINAL))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    report_path = page.url.removeprefix(live_server)
    page.fill("#progress", "100")
    page.select_option("#language", lang)
    page.fill(
        "#narrative",
        "أنجزت كل الأشغال: الحفر والتشجير والسياج."
        if lang == "ar"
        else "Tous les travaux sont faits : terrassement, plantation, clôture.",
    )
    with page.expect_navigation():
        page.locator("main form:not([action]) button[type=submit]").first.click()
    page.set_input_files("#photo", str(photo))
    page.fill("#caption", "السياج" if lang == "ar" else "La clôture")
    with page.expect_navigation():
        page.locator(f"form[action$='{report_path}/photos'] button").click()
    problems += check_page(page, f"closeout-report-draft-{lang}-360")
    problems += overflow(page, "the report with its photo on a phone", PHONE)
    assert page.locator("ul.photos img").count() == 1
    with page.expect_navigation():
        page.locator(f"form[action$='{report_path}/submit'] button").click()
    context.close()

    # The owner certifies it, on a phone too.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, side.owner)
    page.goto(f"{live_server}{report_path}")
    problems += check_page(page, f"closeout-report-certify-{lang}-360")
    problems += overflow(page, "the report to certify on a phone", PHONE)
    with page.expect_navigation():
        page.locator(f"form[action$='{report_path}/certify'] button").click()
    context.close()
    report_id = int(report_path.rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(WorkReport, report_id).status == "certified"

    # The secretariat of the province accepts it, then closes the agreement.
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    staff = create_staff(app, "secretariat", provinces=("Sidi Ifni",), locale=lang)
    staff_sign_in(page, live_server, staff, lang)
    page.goto(f"{live_server}/backoffice/closeout/reports")
    problems += check_page(page, f"closeout-staff-reports-{lang}-1280")
    staff_path = f"/backoffice/closeout/reports/{report_id}"
    page.locator(f"main a[href$='{staff_path}']").click()
    page.wait_for_url(re.compile(re.escape(staff_path) + "$"))
    problems += check_page(page, f"closeout-staff-report-{lang}-1280")
    with page.expect_navigation():
        page.locator(f"form[action$='{staff_path}/accept'] button").click()
    application_path = f"/backoffice/applications/{side.application_id}"
    page.goto(f"{live_server}{application_path}")
    problems += check_page(page, f"closeout-staff-application-{lang}-1280")
    close = f"/backoffice/closeout/applications/{side.application_id}/close"
    assert page.locator("ul.closing li.missing").count() == 0
    with page.expect_navigation():
        page.locator(f"form[action$='{close}'] button").click()
    problems += check_page(page, f"closeout-staff-closed-{lang}-1280")
    assert page.locator(f"form[action$='{close}']").count() == 0
    context.close()
    with app.app_context():
        application = db.session.get(Application, side.application_id)
        assert application.status == "closed" and application.closed_at is not None
    assert problems == []

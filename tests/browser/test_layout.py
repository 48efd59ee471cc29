"""The pages with tables and long values on a 360 px phone and a 1280 px desk, in Arabic and
French: no word of a table cell or a value laid out a letter per line, nothing scrolls sideways
but the tables' own frames, and a refused upload shows its error where the eye is."""

import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.extensions import db
from tests.support import files
from tests.support.agreements import approve_in_session, submitted
from tests.support.browser import OVERFLOWING, SCREENSHOTS, SPLIT_WORDS, staff_sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def agreed(app):
    """An application taken to a closed session and its agreement: (paths by page, owner, staff)."""
    application_id, owner, _client = submitted(app, 1)
    session_id, staff = approve_in_session(app, [application_id])
    with app.app_context():
        application = db.session.get(Application, application_id)
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        applicant = {
            "organisation": f"/organisations/{application.organisation_id}",
            "applications": "/applications/",
        }
        anyone = {"verify": f"/verify/{agreement.verification_code}"}
        office = {
            "queue": "/backoffice/applications/",
            "dashboard": f"/backoffice/reports/dashboard?call={application.call_id}",
            "session": f"/backoffice/sessions/{session_id}",
        }
    return {"applicant": applicant, "anyone": anyone, "office": office}, owner, staff


def laid_out(page, name: str) -> list[str]:
    """What is wrong with the page's layout at its width: words split across lines in table
    cells and values, and (on a phone) anything wider than the page outside a scrolling frame."""
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"layout-{name}-{width}.png"), full_page=True)
    problems = [f"{name} at {width}px: split {word}" for word in page.evaluate(SPLIT_WORDS)]
    if page.evaluate("document.documentElement.scrollWidth") > width:
        problems.append(f"{name} at {width}px scrolls sideways: {page.evaluate(OVERFLOWING)}")
    return problems


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_tables_and_values_keep_their_words_whole_on_a_phone(
    app, browser, live_server, sign_in, check_page, agreed, lang
):
    paths, owner, staff = agreed
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for who, pages in paths.items():
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(f"{live_server}/language/{lang}")
        if who == "applicant":
            sign_in(page, owner)
        elif who == "office":
            staff_sign_in(page, live_server, staff, lang)
        for name, path in pages.items():
            page.goto(live_server + path)
            problems += [f"{name}: {p}" for p in check_page(page, f"layout-{name}-{lang}-phone")]
            for size in (PHONE, DESK):
                page.set_viewport_size(size)
                problems += laid_out(page, f"{name}-{lang}")
            page.set_viewport_size(PHONE)
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_refused_upload_takes_the_eye_to_its_error_on_a_phone(
    app, browser, live_server, sign_in, check_page, agreed, tmp_path, lang
):
    paths, owner, _staff = agreed
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/language/{lang}")
    sign_in(page, owner)
    page.goto(live_server + paths["applicant"]["organisation"])
    upload = tmp_path / "statuts.pdf"
    upload.write_bytes(files.javascript_pdf())
    page.locator("#kind").select_option("statutes")
    page.locator("#file").set_input_files(str(upload))
    page.locator("#upload ~ div form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    box = summary.bounding_box()
    assert 0 <= box["y"] < PHONE["height"], box  # scrolled into sight, not left at the page's end
    assert summary.locator("a[href='#file']").count() == 1
    assert check_page(page, f"layout-refused-upload-{lang}") == []
    context.close()

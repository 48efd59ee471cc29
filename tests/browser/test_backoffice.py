"""Back office pages in a real browser, axe-clean in both languages."""

from datetime import date

import pytest

from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    login,
    post,
)
from tests.support.applications import fill_component1, start
from tests.support.browser import staff_sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_application_review_and_session_pages_pass_axe(app, browser, live_server, check_page, lang):
    owner = create_user(app)
    organisation = create_organisation(app, owner, province="Guelmim")
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    application_id, province_id = start(app, client, organisation, 1, province="Guelmim")
    fill_component1(app, client, application_id, province_id)
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    create_staff(app, "technical_committee", provinces=("Guelmim",))
    staff = create_staff(app, "secretariat", "committee_member", provinces=("Guelmim",))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    staff_sign_in(page, live_server, staff, lang)
    page.goto(f"{live_server}/backoffice/applications/{application_id}")
    assert check_page(page, f"backoffice-application-{lang}") == []
    page.locator("form[action$='/assign'] button").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/backoffice/sessions/")
    page.locator("#held_on").fill(date.today().isoformat())
    page.locator("#call_id").select_option(index=1)
    page.locator("#members_present").fill("Secrétaire général\nANAPEC")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert check_page(page, f"backoffice-session-{lang}") == []
    page.goto(f"{live_server}/backoffice/reports/dashboard")
    assert check_page(page, f"backoffice-dashboard-{lang}") == []
    context.close()

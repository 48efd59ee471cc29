"""Back office pages in a real browser, axe-clean in both languages."""

from datetime import date

import pytest

from portal.extensions import db
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    demo_call,
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


def test_a_waiting_export_reloads_itself_when_done_and_offers_a_link_without_script(
    app, browser, live_server, check_page
):
    from portal.reports import exports
    from portal.reports.models import Export

    staff = create_staff(app, "admin")
    call = demo_call(app, 1)

    def waiting() -> int:
        with app.app_context():
            export = Export(call_id=call.id, format="csv", requested_by_id=staff.id)
            db.session.add(export)
            db.session.commit()
            return export.id

    export_id = waiting()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    staff_sign_in(page, live_server, staff, "ar")
    page.goto(f"{live_server}/backoffice/reports/exports/{export_id}")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert page.locator("main progress").count() == 1
    assert check_page(page, "export-waiting-ar") == []
    with app.app_context():
        for _step in exports.build(export_id):  # as the task does, committing each step
            db.session.commit()
        assert _step == "done"
    page.locator("main a[href$='/download']").wait_for(timeout=15_000)  # the script reloaded
    context.close()

    export_id = waiting()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    staff_sign_in(page, live_server, staff, "fr")
    page.goto(f"{live_server}/backoffice/reports/exports/{export_id}")
    refresh = page.get_by_role("link", name="Actualiser la page")
    assert refresh.get_attribute("href") == f"/backoffice/reports/exports/{export_id}"
    context.close()

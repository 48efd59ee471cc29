"""The applicant's journey for both components in a real browser, axe-clean in both languages."""

import pytest

from tests.support import files
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_user,
    demo_call,
    new_cnss,
    new_ice,
)
from tests.support.applications import planned_start

pytestmark = pytest.mark.browser


def begin(app, page, live_server, sign_in, check_page, lang, component, organisation, owner):
    sign_in(page, owner)
    page.goto(f"{live_server}/language/{lang}")
    call = demo_call(app, component)
    page.goto(f"{live_server}/calls/{call.id}")
    assert check_page(page, f"call-c{component}-{lang}") == []
    page.locator("#organisation_id").select_option(str(organisation.id))
    page.locator("#province_id").select_option(index=1)
    page.locator("form[action$='/applications/start'] button").click()
    page.wait_for_load_state()


def upload_and_declare(page, tmp_path, kind):
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(files.plain_pdf())
    page.locator("#kind").select_option(kind)
    page.locator("#file").set_input_files(str(path))
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".status-present").count() == 1
    page.locator(".form-actions a").click()
    page.wait_for_load_state()
    page.locator("#declaration").check()
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def submit_and_read_report(page, check_page, name):
    assert "/preview" in page.url
    assert page.locator(".report tbody tr").count() > 5
    assert check_page(page, f"{name}-preview") == []
    page.locator("form[action$='/submit'] button").click()
    page.wait_for_load_state()
    assert page.locator(".report").is_visible()  # checked at once (tasks run eagerly here)
    assert check_page(page, f"{name}-report") == []
    return page.locator("h1").inner_text()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_component1_journey(app, page, live_server, sign_in, check_page, tmp_path, lang):
    owner = create_user(app, locale=lang)
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner)
    begin(app, page, live_server, sign_in, check_page, lang, 1, organisation, owner)
    assert check_page(page, f"c1-worksite-{lang}") == []
    page.locator("#title").fill("تشجير مدخل المدينة")
    page.locator("#sector").select_option("forests")
    page.locator("#commune_id").select_option(index=2)
    page.locator("#location").fill("الطريق الجهوية 104")
    page.locator("#workers_planned").fill("24")
    page.locator("#supervisors").fill("2")
    page.locator("#duration_months").fill("6")
    page.locator("#planned_start").fill(planned_start())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.locator("#expected_results").fill("غرس 5000 شجرة")
    page.locator("#description").fill("أشغال الحفر والغرس والسقي")
    assert check_page(page, f"c1-description-{lang}") == []
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert check_page(page, f"c1-documents-{lang}") == []
    upload_and_declare(page, tmp_path, "worksite_sheet")
    title = submit_and_read_report(page, check_page, f"c1-{lang}")
    assert "GON-" in title


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_component2_journey(app, page, live_server, sign_in, check_page, tmp_path, lang):
    owner = create_user(app, locale=lang)
    organisation = create_organisation(
        app,
        owner,
        legal_form="company",
        association_receipt_no=None,
        ice=new_ice(),
        rc="4521",
        cnss_affiliation=new_cnss(),
        name_fr="Société Al Waha",
    )
    add_documents(app, organisation, owner)
    begin(app, page, live_server, sign_in, check_page, lang, 2, organisation, owner)
    assert check_page(page, f"c2-posts-{lang}") == []
    page.locator("#posts-0-title").fill("عامل تلفيف")
    page.locator("#posts-0-count").fill("3")
    page.locator("#posts-0-contract_months").fill("24")
    page.locator("#posts-0-monthly_wage").fill("3500")
    page.locator("#posts-0-cat_covid_job_loss").fill("3")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert check_page(page, f"c2-documents-{lang}") == []
    upload_and_declare(page, tmp_path, "posts_description")
    assert "81" in page.locator(".grant").inner_text().replace(" ", "").replace("\u202f", "")
    submit_and_read_report(page, check_page, f"c2-{lang}")

"""Organisation pages in a real browser: axe in both languages, and a file uploaded."""

import pytest

from tests.support import files
from tests.support.accounts import create_organisation, create_user

pytestmark = pytest.mark.browser


def test_create_an_association_in_the_browser(app, page, live_server, sign_in, check_page):
    sign_in(page, create_user(app))
    page.goto(f"{live_server}/organisations/new")
    assert check_page(page, "organisation-new-ar") == []
    page.get_by_label("جمعية").check()
    page.get_by_label("الاسم بالعربية").fill("جمعية تيغمرت للتنمية")
    page.get_by_label("الاسم بالفرنسية").fill("Association Tighmert pour le développement")
    page.get_by_label("تاريخ التأسيس").fill("2012-04-15")
    page.get_by_label("الإقليم").select_option(label="كلميم")
    page.get_by_label("الجماعة").select_option(label="تكانت")
    page.get_by_label("عنوان المقر").fill("دوار تيغمرت")
    page.get_by_label("الممثل القانوني (الاسم الكامل)").fill("Lahcen Ait Baha")
    page.get_by_label("رقم وصل الإيداع النهائي").fill("GL-2012-118")
    page.get_by_role("button", name="حفظ").click()
    assert page.locator("h1").inner_text() == "جمعية تيغمرت للتنمية"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_profile_and_checklist_pass_axe_and_a_file_is_uploaded(
    app, page, live_server, sign_in, check_page, tmp_path, lang
):
    owner = create_user(app, locale=lang)
    organisation = create_organisation(app, owner)
    sign_in(page, owner)
    page.goto(f"{live_server}/organisations/{organisation.id}")
    assert check_page(page, f"organisation-profile-{lang}") == []
    upload = tmp_path / "statuts.pdf"
    upload.write_bytes(files.plain_pdf())
    page.locator("#kind").select_option("statutes")
    page.locator("#file").set_input_files(str(upload))
    page.locator("#upload ~ div form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".status-present").count() == 1
    assert page.get_by_role("link", name="statuts.pdf").is_visible()
    assert check_page(page, f"organisation-checklist-{lang}") == []
    page.goto(f"{live_server}/organisations/{organisation.id}/members")
    assert check_page(page, f"organisation-members-{lang}") == []
    page.goto(f"{live_server}/organisations/{organisation.id}/history")
    assert check_page(page, f"organisation-history-{lang}") == []

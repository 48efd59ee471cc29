"""The public pages in a real browser, in Arabic and French, pass axe."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_home_and_an_error_page_pass_axe(page, live_server, check_page, lang):
    page.goto(f"{live_server}/language/{lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert check_page(page, f"home-{lang}") == []
    page.goto(f"{live_server}/no-such-page")
    assert page.locator("h1").inner_text() in ("الصفحة غير موجودة", "Page introuvable")
    assert check_page(page, f"error-404-{lang}") == []


def test_the_language_switch_is_a_link_that_keeps_the_page(page, live_server):
    page.goto(f"{live_server}/privacy")
    page.get_by_role("link", name="Français").click()
    page.wait_for_url(f"{live_server}/privacy")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_role("link", name="العربية").click()
    page.wait_for_url(f"{live_server}/privacy")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_the_page_never_scrolls_sideways_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for lang in ("ar", "fr"):
        page.goto(f"{live_server}/language/{lang}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
    context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_staff_queue_passes_axe(app, browser, live_server, check_page, lang):
    from tests.support.accounts import create_staff
    from tests.support.browser import staff_sign_in

    staff = create_staff(app, "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    staff_sign_in(page, live_server, staff, lang)
    assert check_page(page, f"backoffice-home-{lang}") == []
    page.goto(f"{live_server}/backoffice/applications/")
    assert check_page(page, f"backoffice-queue-{lang}") == []
    context.close()

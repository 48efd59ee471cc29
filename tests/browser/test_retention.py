"""The admin's retention page in a real browser, in both languages, on a desk and on a phone:
axe and Nu clean, nothing wider than the page."""

import pytest

from tests.support.accounts import create_staff
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.retention import closed_agreement

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(app):
    """An admin, and two closed agreements: one past every period, one of 3 months."""
    closed_agreement(app, months_ago=30)
    closed_agreement(app, months_ago=3, province="Tan-Tan")
    return create_staff(app, "admin")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_retention_page_on_a_desk_and_a_phone(browser, live_server, check_page, admin, lang):
    context = browser.new_context(viewport=DESK)
    staff_sign_in(context.new_page(), live_server, admin, lang)
    state = context.storage_state()
    context.close()
    problems = []
    for size in (DESK, PHONE):
        context = browser.new_context(viewport=size, storage_state=state)
        page = context.new_page()
        page.goto(f"{live_server}/backoffice/retention/")
        name = f"retention-{lang}-{size['width']}"
        problems += check_page(page, name)
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            problems.append(f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}")
        context.close()
    assert problems == []

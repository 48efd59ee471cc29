"""Browser helpers shared by tests/browser and tests/e2e."""

import re

from tests.support.accounts import PASSWORD, totp_code


def staff_sign_in(page, base_url: str, staff, lang: str, check=None) -> None:
    """Password, then the authenticator's code; `check(page, name)` runs on the code's page."""
    page.goto(f"{base_url}/language/{lang}")
    page.goto(f"{base_url}/account/login")
    page.locator("#email").fill(staff.email)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/two-factor$"))
    if check:
        check(page, "two-factor")
    page.locator("#code").fill(totp_code(staff.totp_secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/backoffice/$"))

"""Debian's Chromium driven by Playwright, against the portal served by a thread of the test."""

import threading

import pytest
from werkzeug.serving import make_server

from portal import create_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.support.html import ServedHtml
from tests.support.smtp import free_port


@pytest.fixture(scope="session")
def served_html():
    """The HTML live_server last sent for each address."""
    return ServedHtml()


@pytest.fixture(scope="session")
def live_server(app, settings, served_html):
    """The portal on a free port, its email links pointing at itself."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    served_html.app = create_app({**settings, "PUBLIC_BASE_URL": url})
    server = make_server("127.0.0.1", port, served_html, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_page(axe, served_html, html_pages):
    """Run axe on the page, save a screenshot and the HTML the server sent (checked at the end
    of the session), and return the serious or critical violations."""

    def check(page, name: str) -> list[str]:
        html_pages.save(name, served_html.html(page))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        results = axe.run(page)
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture
def sign_in(live_server):
    """Sign a browser page in through the login form (applicants)."""
    from tests.support.accounts import PASSWORD

    def sign(page, user):
        page.goto(f"{live_server}/account/login")
        page.locator("#email").fill(user.email)
        page.locator("#password").fill(PASSWORD)
        page.locator("form[method=post] button[type=submit]").last.click()
        page.wait_for_load_state()

    return sign

"""What the end-to-end journeys share: reading the pages as a person does, following links
and buttons, downloads, and running a journey on the browser's thread."""

import time
from pathlib import Path

from tests.support.smtp import ISOLATES


def notice(page, kind: str = "success") -> str:
    notices = page.locator(f"main .notice-{kind}")
    assert notices.count() >= 1, (
        f"no {kind} notice on {page.url}: {page.locator('main').inner_text()[:600]}"
    )
    return notices.first.inner_text().strip().translate(ISOLATES)  # as a person reads it


def no_error(page) -> None:
    errors = page.locator("main .notice-error, main .error-summary")
    assert errors.count() == 0, f"{page.url}: {errors.first.inner_text()}"


def cells(row) -> list[str]:
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def wait_for_page(page, ready, timeout: float = 30, what: str = "the page") -> float:
    """Reload the page (as its text asks) until `ready(page)`; the seconds it took."""
    started = time.monotonic()
    while not ready(page):
        assert time.monotonic() - started < timeout, (
            f"{what} not ready after {timeout}s: {page.url}"
        )
        page.wait_for_timeout(100)
        page.reload()
    return time.monotonic() - started


def go(page, selector: str) -> None:
    """Click a link or a submit button and wait for the page it leads to (which may have the
    same address, after a form that redirects back)."""
    with page.expect_navigation():
        page.locator(selector).click()


def download(page, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as event:
        page.locator(selector).click()
    return event.value.suggested_filename, Path(event.value.path()).read_bytes()


def new_context(portal, state, viewport) -> object:
    context = portal.browser.new_context(viewport=viewport, accept_downloads=True)
    state["contexts"].append(context)
    return context


def run(portal, journey, lang: str, state: dict) -> None:
    """The journey on the browser's thread; then the problems the page checks found."""
    problems = []
    try:
        portal.run(journey, portal, lang, state, problems)
    except Exception as error:
        if problems:
            error.add_note("The page checks had found:\n" + "\n".join(problems))
        raise
    assert not problems, "\n".join(problems)

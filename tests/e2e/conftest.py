"""The portal as it runs in production, for the users' journeys end to end.

For the module of the journeys: the portal served by a thread of the test with tasks NOT eager,
a real Celery worker process, PostgreSQL, Redis, an SMTP sink that keeps every email the worker
sends, and one Debian Chromium. Playwright's sync API runs on a thread of its own
(`Portal.run`), so the journeys work whether or not another Playwright already runs on the main
thread (tests/browser keeps one open for the whole session).
"""

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext, ngettext
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import create_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, OVERFLOWING, PHONE, SCREENSHOTS
from tests.support.html import ServedHtml
from tests.support.processes import start_worker, stop, wait_for
from tests.support.services import REDIS_URL, SERVER_DATABASE_URL
from tests.support.smtp import SmtpSink, free_port

# The browser's work for one journey; a hung page fails the journey rather than the session.
JOURNEY_TIMEOUT = 240


class QuietHandler(WSGIRequestHandler):
    """No line per request in the captured log (hundreds per journey)."""

    def log_request(self, *args, **kwargs):
        pass


class BrowserThread:
    """Debian's Chromium through Playwright's sync API, on one thread that does all the browser
    work (the sync API refuses to start on a thread where another Playwright already runs)."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="e2e-browser")
        self.browser = self.run(self._launch)

    def _launch(self):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        return self.playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000
        )

    def run(self, function, *args, **kwargs):
        return self.executor.submit(function, *args, **kwargs).result(timeout=JOURNEY_TIMEOUT)

    def close(self):
        def close():
            self.browser.close()
            self.playwright.stop()

        try:
            self.run(close)
        finally:
            self.executor.shutdown(wait=False)


class Mailbox:
    """What the SMTP sink received, waited for by recipient and subject."""

    LINK = re.compile(r"https?://\S+")

    def __init__(self, sink: SmtpSink, base_url: str, worker_log: Path):
        self.sink, self.base_url, self.worker_log = sink, base_url, worker_log

    def wait(self, to: str, subject: str, timeout: float = 60):
        def find():
            return next(
                (
                    m
                    for m in list(self.sink.messages)
                    if m["To"] == to and SmtpSink.subject(m) == subject
                ),
                None,
            )

        try:
            return wait_for(find, timeout, interval=0.05, what=f"the email {subject!r} to {to}")
        except AssertionError as error:
            received = [(m["To"], SmtpSink.subject(m)) for m in self.sink.messages if m["To"] == to]
            raise AssertionError(
                f"{error}; received for {to}: {received}; worker log:\n{self.tail()}"
            ) from None

    @staticmethod
    def text(message) -> str:
        return SmtpSink.text(message)

    def link(self, message) -> str:
        """The portal link the email gives (the one a person would follow)."""
        links = [url.rstrip(".,)") for url in self.LINK.findall(self.text(message))]
        ours = [url for url in links if url.startswith(self.base_url + "/")]
        assert ours, f"no link to the portal in {message['Subject']!r}: {links}"
        return ours[0]

    def tail(self, size: int = 3000) -> str:
        return (
            self.worker_log.read_text(errors="replace")[-size:] if self.worker_log.exists() else ""
        )


@dataclass
class Portal:
    url: str
    app: object
    mail: Mailbox
    browser_thread: BrowserThread
    axe: object
    served: ServedHtml
    html_pages: object
    checked: set = field(default_factory=set)

    @property
    def browser(self):
        return self.browser_thread.browser

    def run(self, function, *args, **kwargs):
        """Run browser work on the browser's thread; its exceptions come back here."""
        return self.browser_thread.run(function, *args, **kwargs)

    def text(self, lang: str, message: str, **values) -> str:
        """A message of the portal's catalogs as the portal shows it in `lang`."""
        with self.app.test_request_context(), force_locale(lang):
            return gettext(message, **values)

    def ntext(self, lang: str, singular: str, plural: str, n: int, **values) -> str:
        """A message with a plural, in the form `n` takes in `lang`."""
        with self.app.test_request_context(), force_locale(lang):
            return ngettext(singular, plural, n, **values)

    def status(self, lang: str, status: str) -> str:
        """An application's status as the pages show it in `lang`."""
        from portal.applications.presenters import application_status_label

        with self.app.test_request_context(), force_locale(lang):
            return application_status_label(status)

    def mad(self, lang: str, amount) -> str:
        from portal.i18n import show_mad

        with self.app.test_request_context(), force_locale(lang):
            return show_mad(amount)

    def check(self, page, name: str, lang: str) -> list[str]:
        """Once per page and language: the language and direction of the page, axe's serious or
        critical violations, and whether the body scrolls sideways at 360 px. A screenshot goes
        to build/screenshots/e2e-<name>-<lang>.png, the HTML the server sent to the session's
        HTML check. Returns the problems found (empty if none)."""
        key = f"e2e-{name}-{lang}"
        assert key not in self.checked, f"{key} is checked twice"
        self.checked.add(key)
        self.html_pages.save(key, self.served.html(page))
        problems = []
        html = page.locator("html")
        direction = "rtl" if lang == "ar" else "ltr"
        if (html.get_attribute("lang"), html.get_attribute("dir")) != (lang, direction):
            problems.append(
                f"{key}: lang/dir {html.get_attribute('lang')}/{html.get_attribute('dir')}"
            )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{key}.png"), full_page=True)
        results = self.axe.run(page)
        problems += [
            f"{key} ({page.url}): axe {v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        size = page.viewport_size
        if size["width"] != PHONE["width"]:
            page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(
                f"{key} ({page.url}): the body is {width}px wide at {PHONE['width']}px: "
                f"{page.evaluate(OVERFLOWING)}"
            )
        if size != page.viewport_size:
            page.set_viewport_size(size)
        return problems


@pytest.fixture(scope="module")
def portal(app, settings, tmp_path_factory, html_pages):
    """The portal served by a thread (tasks not eager, emails to the sink), its worker, the
    browser: everything the journeys need, started once for the module and stopped after it,
    so that this worker takes no task of the tests that follow (they share Redis's queues)."""
    if not SERVER_DATABASE_URL.startswith("postgresql") or not REDIS_URL:
        pytest.skip("the journeys need PostgreSQL and Redis (DATABASE_URL, REDIS_URL): make test")
    sink = SmtpSink()
    sink.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    overrides = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": sink.port,
        "PUBLIC_BASE_URL": url,
        "DEV_MAILBOX": False,
    }
    live = create_app(
        {**settings, **overrides, "CELERY": {**settings["CELERY"], "task_always_eager": False}}
    )
    served = ServedHtml(live)
    server = make_server("127.0.0.1", port, served, threaded=True, request_handler=QuietHandler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()

    env = dict(os.environ)
    env.update(
        PORTAL_ENV="test",
        SECRET_KEY=settings["SECRET_KEY"],
        DATABASE_URL=settings["SQLALCHEMY_DATABASE_URI"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(sink.port),
        PUBLIC_BASE_URL=url,
        PYTHONUNBUFFERED="1",
    )
    env.pop("CELERY_EAGER", None)
    log = tmp_path_factory.mktemp("e2e") / "worker.log"
    worker = start_worker(env, log_path=log)
    browser_thread = None
    try:
        browser_thread = BrowserThread()
        wait_for(lambda: "ready" in log.read_text(errors="replace"), 60, what="the worker")
        from axe_playwright_python.sync_playwright import Axe

        yield Portal(
            url=url,
            app=live,
            mail=Mailbox(sink, url, log),
            browser_thread=browser_thread,
            axe=Axe(),
            served=served,
            html_pages=html_pages,
        )
    finally:
        if browser_thread is not None:
            browser_thread.close()
        stop(worker)
        server.shutdown()
        sink.stop()

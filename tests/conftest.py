"""Session-wide fixtures: one migrated database per test run, the app, a client.

`make test` gives DATABASE_URL (PostgreSQL) and REDIS_URL; a fresh database is created on
that server for the run and dropped afterwards. `make test-fast` runs on SQLite with eager tasks.
"""

import os
import secrets

import flask_migrate
import pytest
from flask_sqlalchemy.session import Session
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import tasks  # noqa: F401  (registers the task shells, as the worker does)
from portal import create_app
from portal.calls.services import seed_demo_calls
from portal.documents.services import load_kinds
from portal.extensions import db, limiter
from portal.geo.services import load_communes
from tests.support import accounts
from tests.support.services import SERVER_DATABASE_URL

# About 30 examples a test in CI; `HYPOTHESIS_PROFILE=long` for a longer run by hand.
hypothesis_settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("long", max_examples=500, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIGURES: list[str] = []  # what the tests tried, gathered from their reports (Figures)
SECRET_KEY = secrets.token_hex(32)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not SERVER_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
        return
    name = f"awrach_test_{os.getpid()}"
    admin = create_engine(SERVER_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(SERVER_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url):
    """Overrides every test app starts from (the environment gives REDIS_URL and eager mode)."""
    from portal.config import Config

    return {
        "ENV_NAME": "test",
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Unit tests run tasks in the calling process; integration tests start real workers.
        "CELERY": {**Config().CELERY, "task_always_eager": True},
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "DEV_MAILBOX": True,
        "MAIL_SERVER": "",
    }


@pytest.fixture(scope="session")
def app(settings):
    app = create_app({**settings, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        load_communes(app.config["COMMUNES_CSV"], region_code=app.config["REGION_CODE"])
        load_kinds()
        seed_demo_calls()
        db.session.commit()
        db.session.remove()
    accounts.APP = app
    return app


class _TestSession(Session):
    """A session on the test's connection (Flask-SQLAlchemy's picks an engine instead)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


# Tests of these kinds talk to other processes or threads, which read only what is committed:
# they run on the run's database as it is and commit for real (each makes its own data).
COMMITTING = ("integration", "browser", "e2e")


@pytest.fixture(autouse=True)
def rolled_back(request, app):
    """Every other test runs inside one transaction rolled back at its end: its requests,
    services and eager tasks share one connection, each commit of theirs a savepoint in it."""
    if not SERVER_DATABASE_URL.startswith("postgresql") or any(
        request.node.get_closest_marker(kind) for kind in COMMITTING
    ):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    shared = db.session
    db.session = db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _TestSession}
    )
    try:
        yield
    finally:
        db.session = shared  # each app context removed its session when it ended
        outer.rollback()
        connection.close()


@pytest.fixture
def make_app(app, settings):
    """A separate app on the same database, for tests that add routes or change settings."""

    def make(*, celery: dict | None = None, **overrides):
        if celery:
            overrides["CELERY"] = {**settings["CELERY"], **celery}
        return create_app({**settings, **overrides})

    yield make
    # The limiter is one object for every app: a made app with limits on leaves them on for the
    # session's app too, and the tests after it would share its counters.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def worker_env(settings):
    """Environment for a worker or server process started by a test."""
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="test",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=settings["SQLALCHEMY_DATABASE_URI"],
        PYTHONUNBUFFERED="1",
    )
    env.pop("CELERY_EAGER", None)
    return env


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) in a thread; it can be told to answer 451 or 550."""
    from tests.support.smtp import SmtpSink

    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def html_pages():
    """Where tests save the pages they visit; at the end of the session the Nu HTML Checker
    reads them all in one run, and any error fails the session (warnings do not)."""
    from tests.support.html import Pages

    pages = Pages()
    yield pages
    errors = pages.errors()
    if errors:
        pytest.fail(f"HTML errors in {pages.folder}:\n" + "\n".join(errors), pytrace=False)


class Figures:
    """Lines a test adds to say how much it tried, carried in its report (so that a run spread
    over processes shows them too) and shown at the end of the run."""

    def __init__(self, node):
        self.node = node

    def append(self, line: str) -> None:
        self.node.user_properties.append(("figure", line))


@pytest.fixture
def figures(request) -> Figures:
    return Figures(request.node)


def pytest_runtest_logreport(report):
    if report.when == "call":
        lines = [value for name, value in report.user_properties if name == "figure"]
        FIGURES.extend(lines)


def pytest_terminal_summary(terminalreporter, config):
    lines = FIGURES
    if lines:
        terminalreporter.section("what the tests tried")
        for line in lines:
            terminalreporter.write_line(line)

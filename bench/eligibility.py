"""Submit → eligibility report visible through HTTP, against a baseline, in the same run.

Run by hand, never in CI:  make bench-eligibility  [BENCH_ROUNDS=60]
It needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the throwaway ones of
scripts/with-test-services.sh), creates a database of its own, and starts gunicorn (2 workers)
and a Celery worker (2 processes). The baseline is an HTTP POST of a trivial form whose task
writes one row, polled the same way. Prints p50 and p95 of both and their ratios (target ≤ 3×).
"""

import http.cookiejar
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 60))
POLL = 0.01


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A tiny HTTP client with cookies and the CSRF token of the last page."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect,
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""
        except urllib.error.URLError:
            return 0, ""  # not listening yet

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)[1])[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def wait_until(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(POLL)
    raise RuntimeError("timed out")


def main() -> None:
    server_url = os.environ["DATABASE_URL"]
    name = "awrach_bench"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        PORTAL_ENV="test",
        SECRET_KEY=secrets.token_hex(32),
        RATELIMIT_ENABLED="0",
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_EAGER", None)
    subprocess.run(
        [BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    subprocess.run([BIN / "flask", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    create_engine(database_url).connect().execute(
        text("CREATE TABLE bench_row (token text PRIMARY KEY)")
    ).connection.commit()

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from portal import create_app
    from tests.support.accounts import (
        PASSWORD,
        add_documents,
        create_organisation,
        create_user,
        demo_call,
    )

    app = create_app()
    owner = create_user(app)
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner)
    call = demo_call(app, 1)

    port = free_port()
    logs = open(ROOT / "build" / "bench-eligibility.log", "wb")  # noqa: SIM115
    web = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "bench.app:app"],
        cwd=ROOT,
        env=env,
        stdout=logs,
        stderr=logs,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [
            BIN / "celery",
            "-A",
            "bench.app:celery_app",
            "worker",
            "--include",
            "bench.tasks",
            "-Q",
            "default,mail,pdf",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=logs,
        stderr=logs,
        start_new_session=True,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_until(lambda: browser.get("/healthz")[0] == 200, 60)
        browser.post(
            "/account/login",
            {
                "email": owner.email,
                "password": PASSWORD,
                "csrf_token": browser.token("/account/login"),
            },
        )
        baseline, submit, requests = [], [], []
        for round_ in range(ROUNDS + 5):
            token = secrets.token_hex(8)
            csrf = browser.token("/bench/form")
            started = time.perf_counter()
            browser.post(f"/bench/ping/{token}", {"csrf_token": csrf})
            wait_until(lambda token=token: browser.get(f"/bench/ping/{token}")[0] == 200)
            elapsed_baseline = time.perf_counter() - started

            application_id = draft(app, organisation, owner, call)
            csrf = browser.token(f"/applications/{application_id}/preview")
            started = time.perf_counter()
            assert (
                browser.post(f"/applications/{application_id}/submit", {"csrf_token": csrf}) == 302
            )
            answered = time.perf_counter()
            # As the page's script does: ask the small address until the report is there,
            # then load the page once.
            wait_until(
                lambda a=application_id: (
                    '"checked":true' in browser.get(f"/applications/{a}/check")[1].replace(" ", "")
                )
            )
            assert 'class="report"' in browser.get(f"/applications/{application_id}")[1]
            elapsed_submit = time.perf_counter() - started
            if round_ >= 5:  # the first rounds warm the processes up
                baseline.append(elapsed_baseline * 1000)
                submit.append(elapsed_submit * 1000)
                requests.append((application_id, (answered - started) * 1000))
    finally:
        for process in (web, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    report(baseline, submit)
    report_parts(app, requests, submit)


def report_parts(app, requests: list[tuple[int, float]], submit: list[float]) -> None:
    """Where the time of submit → report goes: the request, the submission's commit to the
    report's (queue, worker, check), and the rest (polling, the page)."""
    from sqlalchemy import select

    from portal.applications.models import EligibilityReport, Submission
    from portal.extensions import db

    with app.app_context():
        written = dict(
            db.session.execute(
                select(
                    Submission.application_id,
                    EligibilityReport.created_at - Submission.submitted_at,
                )
                .join(EligibilityReport)
                .where(Submission.application_id.in_([a for a, _ in requests]))
            ).all()
        )
    request = [ms for _, ms in requests]
    check = [written[a].total_seconds() * 1000 for a, _ in requests]
    rest = [total - r - c for total, r, c in zip(submit, request, check, strict=True)]
    print("  where it goes:")
    for label, values in (
        ("the submit request", request),
        ("submission stamped → report stamped (queue, check)", check),
        ("the rest (the request's end, polling, the page)", rest),
    ):
        print(
            f"    {label:<50} p50 {statistics.median(values):7.1f}   "
            f"p95 {percentile(values, 95):7.1f}"
        )


def draft(app, organisation, owner, call) -> int:
    """A complete component-1 draft, made directly (outside the timed part)."""
    from portal.applications import services
    from portal.auth.models import User
    from portal.documents.models import DocumentKind
    from portal.documents.services import add_document
    from portal.extensions import db
    from portal.organisations.models import Organisation
    from tests.support.files import plain_pdf

    with app.app_context():
        org = db.session.get(Organisation, organisation.id)
        user = db.session.get(User, owner.id)
        from portal.calls.models import Call

        the_call = db.session.get(Call, call.id)
        province = the_call.provinces[1].province
        application = services.start_application(org, the_call, province.id, by=user)
        services.save_answers(
            application,
            {
                "title": "Bench",
                "sector": "forests",
                "commune_id": str(province.communes[0].id),
                "location": "Site",
                "workers_planned": "3",
                "supervisors": "1",
                "duration_months": "6",
                "planned_start": "2027-03-01",
                "expected_results": "x",
                "description": "y",
            },
        )
        services.accept_declaration(application)
        kind = db.session.query(DocumentKind).filter_by(code="worksite_sheet").one()
        add_document(
            org,
            kind,
            plain_pdf(),
            filename="sheet.pdf",
            valid_until=None,
            by=user,
            application=application,
        )
        db.session.commit()
        return application.id


def report(baseline: list[float], submit: list[float]) -> None:
    rows = [
        ("baseline: form POST → task writes a row → visible", baseline),
        ("submit → eligibility report visible", submit),
    ]
    print(f"\n{len(submit)} rounds (milliseconds)")
    for label, values in rows:
        print(
            f"  {label:<52} p50 {statistics.median(values):7.1f}   "
            f"p95 {percentile(values, 95):7.1f}"
        )
    p50 = statistics.median(submit) / statistics.median(baseline)
    p95 = percentile(submit, 95) / percentile(baseline, 95)
    print(f"  ratio submit / baseline: p50 {p50:.2f}×   p95 {p95:.2f}×   (target ≤ 3×)")


if __name__ == "__main__":
    main()

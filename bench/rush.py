"""The closing-hour rush: N applicants submit at once through HTTP, against a baseline.

Run by hand, never in CI:  make bench-rush  [BENCH_APPLICANTS=500 BENCH_CLIENTS=100]
It needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the local ones), creates a
database of its own and, for each pair (web processes, worker processes) in BENCH_SHAPES
(default 1x1,2x1,1x2,2x2), starts gunicorn with that many sync workers and a Celery worker with
that many processes (queues default, mail, pdf), then:

  - prepares one complete draft for each of the N applicants (outside the timed part; the
    applicants sign in once, before the first shape, and keep their cookies);
  - measures the baseline: the fortunes page (bench/fortunes.py) on a gunicorn with the same
    number of processes, with wrk;
  - lets BENCH_CLIENTS threads submit the N drafts as fast as the server answers (each submit a
    POST with its CSRF token, as the preview page's button sends it);
  - waits until the worker has checked every submission and sent every email, then counts
    applications numbered, eligibility reports and emails sent: nothing may be lost.

Prints per shape: submissions/s against the fortunes req/s of the same processes (target ≥ 0.3×),
the submit latency percentiles, HTTP errors, the counts, and how throughput grows with processes.
Rate limits are off for the run (500 sign-ins come from one address). Logs: build/bench-rush-*.log.
"""

import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import fortunes  # noqa: E402
from bench.pages import (  # noqa: E402
    BIN,
    LOG_DIR,
    REDIS_URL,
    Server,
    Session,
    log,
    own_database,
    run,
    seeding_app,
    wrk,
)

APPLICANTS = int(os.environ.get("BENCH_APPLICANTS", 500))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 100))
SHAPES = [
    tuple(int(n) for n in shape.split("x"))
    for shape in os.environ.get("BENCH_SHAPES", "1x1,2x1,1x2,2x2").split(",")
]
DRAIN_TIMEOUT = 600  # seconds for the worker to check every submission and send every email
TARGET = 0.3  # submissions/s ≥ 0.3× the fortunes req/s of the same web processes
PASSWORD = "rush-Password-2026"


class Worker:
    """A Celery worker with `processes` pool processes on the portal's queues."""

    def __init__(self, env: dict, processes: int):
        self.env, self.processes = env, processes
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        LOG_DIR.mkdir(exist_ok=True)
        with open(LOG_DIR / "bench-rush-worker.log", "ab") as out:
            self.process = subprocess.Popen(
                [
                    BIN / "celery",
                    "-A",
                    "wsgi:celery_app",
                    "worker",
                    "-Q",
                    "default,mail,pdf",
                    "-c",
                    str(self.processes),
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(30)


def create_applicants(app, n: int) -> list[tuple[str, int]]:
    """n applicants, each the owner of an association of the call's province with its
    documents: (email, organisation id)."""
    from portal.auth.models import User
    from portal.auth.services import hasher
    from portal.calls.models import Call
    from portal.documents.models import DocumentKind
    from portal.documents.services import add_document
    from portal.extensions import db
    from portal.organisations.services import create_organisation
    from portal.timeutil import utcnow
    from tests.support.files import plain_pdf

    password_hash = hasher.hash(PASSWORD)  # one hash for all: sign-ins cost the same
    applicants = []
    with app.app_context():
        call = db.session.scalar(select(Call).filter_by(component=1).order_by(Call.id))
        province = call.provinces[0].province
        kinds = db.session.scalars(select(DocumentKind).filter_by(scope="organisation")).all()
        pdf = plain_pdf()
        for i in range(n):
            user = User(
                email=f"rush-{i}@example.ma",
                full_name=f"Rush {i}",
                phone="+212612345678",
                password_hash=password_hash,
                locale="ar" if i % 2 else "fr",
                consent_version=app.config["CONSENT_VERSION"],
                consent_at=utcnow(),
                email_verified_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
            organisation = create_organisation(
                {
                    "legal_form": "association",
                    "name_ar": f"جمعية {i}",
                    "name_fr": f"Association {i}",
                    "created_on": date(2015, 3, 2),
                    "province_id": province.id,
                    "commune_id": province.communes[0].id,
                    "address": "حي السلام",
                    "legal_representative": "Hassan Ouali",
                    "association_receipt_no": f"RD-RUSH-{i}",
                },
                by=user,
            )
            for kind in kinds:
                if organisation.legal_form in kind.legal_forms:
                    until = date.today() + timedelta(days=90) if kind.expires else None
                    add_document(
                        organisation,
                        kind,
                        pdf,
                        filename=f"{kind.code}.pdf",
                        valid_until=until,
                        by=user,
                    )
            applicants.append((user.email, organisation.id))
            if i % 50 == 49:
                db.session.commit()
        db.session.commit()
    return applicants


def prepare_drafts(app, applicants: list[tuple[str, int]]) -> list[int]:
    """One complete component-1 draft per applicant, committed: their ids."""
    from portal.applications import services
    from portal.auth.models import User
    from portal.calls.models import Call
    from portal.documents.models import DocumentKind
    from portal.documents.services import add_document
    from portal.extensions import db
    from portal.organisations.models import Organisation
    from tests.support.files import plain_pdf

    ids = []
    start = (date.today() + timedelta(days=60)).isoformat()
    with app.app_context():
        call = db.session.scalar(select(Call).filter_by(component=1).order_by(Call.id))
        province = call.provinces[0].province
        kind = db.session.scalar(select(DocumentKind).filter_by(code="worksite_sheet"))
        pdf = plain_pdf()
        for email, organisation_id in applicants:
            user = db.session.scalar(select(User).filter_by(email=email))
            organisation = db.session.get(Organisation, organisation_id)
            application = services.start_application(organisation, call, province.id, by=user)
            services.save_answers(
                application,
                {
                    "title": "Entretien des pistes rurales",
                    "sector": "forests",
                    "commune_id": str(province.communes[0].id),
                    "location": "Douar Tiliouine",
                    "workers_planned": "12",
                    "supervisors": "1",
                    "duration_months": "6",
                    "planned_start": start,
                    "expected_results": "Pistes praticables",
                    "description": "Nettoyage et réfection des pistes",
                },
            )
            services.accept_declaration(application)
            add_document(
                organisation,
                kind,
                pdf,
                filename="sheet.pdf",
                valid_until=None,
                by=user,
                application=application,
            )
            db.session.flush()
            ids.append(application.id)
        db.session.commit()
    return ids


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form_token(session: Session, application_id: int) -> str:
    """The submit button's CSRF token, from the preview page (its cookie kept by the session)."""
    _status, page, _location = session._open(f"/applications/{application_id}/preview")
    return TOKEN.search(page)[1]


def submit_once(session: Session, application_id: int, token: str) -> tuple[int, float]:
    """POST the submit form; (status, seconds). 0 for no answer."""
    started = time.perf_counter()
    try:
        status, _page, _location = session._open(
            f"/applications/{application_id}/submit", {"csrf_token": token}
        )
    except OSError:  # no answer, or none in time
        status = 0
    return status, time.perf_counter() - started


def cpu_seconds(picks) -> float:
    """CPU time (user and system) of the live processes `picks(pgrp, cmdline)` chooses."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # from the state on: pgrp, …, utime, stime
        if picks(int(fields[2]), cmdline):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def tiers_cpu(web, worker, database: str) -> dict[str, float]:
    """CPU seconds so far of the web processes, the worker's and the database's backends."""
    name = database.encode()
    return {
        "web": cpu_seconds(lambda pgrp, _c: pgrp == web.process.pid),
        "worker": cpu_seconds(lambda pgrp, _c: pgrp == worker.process.pid),
        "postgres": cpu_seconds(
            lambda _p, cmdline: cmdline.startswith(b"postgres: ") and name in cmdline
        ),
    }


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rush(database_url, env, sessions, applicants, app, web_n, worker_n, baseline_rps):
    from portal.timeutil import utcnow

    ids = prepare_drafts(app, applicants)
    web = Server(f"rush-web{web_n}", "wsgi:app", env, web_n)
    worker = Worker(env, worker_n)
    try:
        web.start("/healthz")
        worker.start()
        for session in sessions:
            session.base = web.url
        tokens = [form_token(sessions[i], application_id) for i, application_id in enumerate(ids)]
        engine = create_engine(database_url)
        since = utcnow()
        gate = threading.Barrier(min(CLIENTS, len(ids)))

        def submit(i: int) -> tuple[int, float]:
            if i < gate.parties:
                gate.wait()  # the first requests leave together
            return submit_once(sessions[i], ids[i], tokens[i])

        database = make_url(database_url).database
        cpu_before = tiers_cpu(web, worker, database)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            answers = list(pool.map(submit, range(len(ids))))
        elapsed = time.perf_counter() - started
        accepted = [i for i, (status, _s) in enumerate(answers) if status == 302]
        drained, tally = drain(engine, ids, since)
        cpu_after = tiers_cpu(web, worker, database)
        engine.dispose()
    finally:
        worker.stop()
        web.stop()
    latencies = [seconds * 1000 for _status, seconds in answers]
    return {
        "web": web_n,
        "workers": worker_n,
        "rate": len(accepted) / elapsed,
        "baseline": baseline_rps,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "errors": len(answers) - len(accepted),
        "statuses": sorted({status for status, _s in answers}),
        "accepted": len(accepted),
        "drained": drained,
        # CPU milliseconds per accepted submission, from its request to its last email.
        "cpu": {
            tier: (cpu_after[tier] - cpu_before[tier]) * 1000 / max(len(accepted), 1)
            for tier in cpu_before
        },
        **tally,
    }


def drain(engine, ids: list[int], since) -> tuple[float, dict]:
    """Wait for the worker: every submitted application checked, its receipts and its result
    written, every email sent. Seconds taken and the counts."""
    started = time.perf_counter()
    query = text(
        """
        SELECT
          (SELECT count(*) FROM application WHERE id = ANY(:ids) AND number IS NOT NULL),
          (SELECT count(DISTINCT s.application_id) FROM submission s
             JOIN eligibility_report r ON r.submission_id = s.id WHERE s.application_id = ANY(:ids)),
          (SELECT count(DISTINCT application_id) FROM submission
             WHERE application_id = ANY(:ids) AND receipts_at IS NOT NULL),
          (SELECT count(DISTINCT s.application_id) FROM submission s
             JOIN eligibility_report r ON r.submission_id = s.id
             WHERE s.application_id = ANY(:ids) AND r.result_sent_at IS NOT NULL),
          (SELECT count(*) FROM notification WHERE created_at >= :since),
          (SELECT count(*) FROM notification WHERE created_at >= :since AND status = 'sent')
        """
    )
    while True:
        with engine.connect() as connection:
            numbered, reported, receipted, told, emails, sent = connection.execute(
                query, {"ids": ids, "since": since}
            ).one()
        # The receipts and the results are written by the worker too, after the commits.
        done = reported >= numbered and min(receipted, told) >= numbered and sent >= emails
        if done or time.perf_counter() - started > DRAIN_TIMEOUT:
            return time.perf_counter() - started, {
                "numbered": numbered,
                "reported": reported,
                "receipted": receipted,
                "told": told,
                "emails": emails,
                "sent": sent,
            }
        time.sleep(0.5)


def main() -> None:
    with own_database("bench_rush") as database_url:
        secret_key = secrets.token_hex(32)
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=REDIS_URL,
            SECRET_KEY=secret_key,
            PORTAL_ENV="test",
            RATELIMIT_ENABLED="0",
            FLASK_APP="wsgi",
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        for variable in ("CELERY_EAGER", "MAIL_SERVER"):
            env.pop(variable, None)
        results, servers = [], []
        try:
            log(f"database {make_url(database_url).database}: migrating and seeding the demo data")
            run([BIN / "flask", "db", "upgrade"], env, "flask db upgrade")
            run([BIN / "flask", "seed-demo"], env, "flask seed-demo")
            fortunes.create_table(database_url)
            os.environ.update(env)
            app = seeding_app(database_url, secret_key)
            log(f"{APPLICANTS} applicants with their organisations and documents")
            applicants = create_applicants(app, APPLICANTS)
            signer = Server("rush-signin", "wsgi:app", env, 2)
            servers.append(signer)
            signer.start("/healthz")
            log("each applicant signs in once")
            sessions = [Session(signer.url) for _ in applicants]
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda s, a: s.sign_in(a[0], PASSWORD), sessions, applicants))
            signer.stop()
            baselines = {}
            for web_n in sorted({web_n for web_n, _w in SHAPES}):
                baseline = Server(
                    f"rush-fortunes{web_n}", "bench.fortunes:create_app()", env, web_n
                )
                servers.append(baseline)
                baseline.start("/fortunes")
                wrk(baseline.url + "/fortunes", seconds=1)
                baselines[web_n] = wrk(baseline.url + "/fortunes", seconds=10).rps
                baseline.stop()
                log(f"baseline with {web_n} web process(es): {baselines[web_n]:.0f} req/s")
            for web_n, worker_n in SHAPES:
                log(f"rush: {web_n} web process(es), {worker_n} worker process(es)")
                result = rush(
                    database_url, env, sessions, applicants, app, web_n, worker_n, baselines[web_n]
                )
                log(
                    f"  {result['rate']:.1f} submissions/s, {result['errors']} errors "
                    f"(answers: {', '.join(map(str, result['statuses']))}), "
                    f"drained in {result['drained']:.0f} s"
                )
                results.append(result)
        finally:
            for server in servers:
                server.stop()
            log("servers stopped")
    report(results)


def report(results: list[dict]) -> None:
    print(
        f"\nThe closing-hour rush: {APPLICANTS} applicants submit, {CLIENTS} at a time, through "
        "HTTP;\ngunicorn sync workers, one Celery worker, PostgreSQL and Redis on this machine. "
        f"Target: submissions/s ≥ {TARGET}× the fortunes req/s of as many web processes, "
        "0 HTTP errors, nothing lost.\n"
    )
    header = (
        f"{'web':>3} {'work':>4}  {'subm/s':>7} {'fortunes':>8} {'ratio':>6}  "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  {'errors':>6}  "
        f"{'numbered':>8} {'reports':>7} {'emails':>6} {'sent':>5} {'drain s':>7}  verdict"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = r["rate"] / r["baseline"]
        lost = r["numbered"] != r["accepted"] or r["reported"] < r["numbered"]
        lost = lost or min(r["receipted"], r["told"]) < r["numbered"]
        lost = lost or r["sent"] < r["emails"]
        verdict = "ok" if ratio >= TARGET and not r["errors"] and not lost else "MISSED"
        print(
            f"{r['web']:>3} {r['workers']:>4}  {r['rate']:7.1f} {r['baseline']:8.0f} "
            f"{ratio:5.2f}×  {r['p50']:7.0f} {r['p95']:7.0f} {r['p99']:7.0f}  {r['errors']:>6}  "
            f"{r['numbered']:>8} {r['reported']:>7} {r['emails']:>6} {r['sent']:>5} "
            f"{r['drained']:7.0f}  {verdict}"
        )
    print(
        "\nCPU per submission, from its request to its last email (ms; the measured cost the "
        "capacity model starts from):"
    )
    for r in results:
        cpu = r["cpu"]
        print(
            f"  {r['web']} web, {r['workers']} worker: web {cpu['web']:5.1f}   worker "
            f"{cpu['worker']:5.1f}   PostgreSQL {cpu['postgres']:5.1f}   total "
            f"{sum(cpu.values()):5.1f}"
        )
    by_shape = {(r["web"], r["workers"]): r["rate"] for r in results}
    if (1, 1) in by_shape:
        print("\nthroughput against 1 web and 1 worker process:")
        for (web_n, worker_n), rate in by_shape.items():
            print(f"  {web_n} web, {worker_n} worker: {rate / max(by_shape[(1, 1)], 1e-9):.2f}×")


if __name__ == "__main__":
    main()

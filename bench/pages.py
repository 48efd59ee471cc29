"""Page throughput, latency and worker memory against a "fortunes" baseline, in the same run.

Run by hand, never in CI:  make bench-pages
(BENCH_SECONDS=10 BENCH_SIZES=1000,100000 BENCH_MEMORY_REQUESTS=1000,20000 by default.)

It creates a database of its own (bench_pages_<pid>) on the PostgreSQL server of DATABASE_URL
(default: 127.0.0.1:5432), migrates it, seeds the demo data, submits one application of each
component through the services, then inserts applications in bulk (organisations, owners,
submissions, eligibility reports, audit events) up to each size of BENCH_SIZES. It serves the
portal (wsgi:app, PORTAL_ENV=production) and the baseline (bench/fortunes.py) with gunicorn, 2
sync workers each, signs in as the demo secretariat (password and authenticator code) and the
demo applicant, and measures with wrk at each size:

  the staff queue              /backoffice/applications/            (50 rows a page)
  a staff application page     /backoffice/applications/<id>
  the dashboard                /backoffice/reports/dashboard
  the outcome dashboard        /backoffice/outcomes/                (as many contracts as
                               applications, refreshed once, timed)
  the applicant's list         /applications/
  the applicant's application  /applications/<id>                   (with its report)
  an empty signed-in page      /account/                            (the cost of being signed in)
  the public results           /results/province/<id>               (no sign-in)
  the open data's CSV          /open-data/v1/worksites.csv          (no sign-in)

The public pages read the release the beat task computes: at each size the seeder gives the
published applications agreements, and as many contracts as applications (people, contracts,
an accepted month for most of them, some completed), then computes the release in this
process and prints how long it took.

and each page once more in this process (SQL statements, time in the database), and at the
smallest size the web workers' memory (VmRSS) after 1,000 and after 20,000 requests to those
pages on a freshly started server (the measurements' requests count). Prints each figure with
its target; the database is dropped at the end, the servers stopped by PID. No Celery worker
is needed: the pages enqueue nothing (the broker is the local Redis, REDIS_URL). Logs of the
servers: build/bench-pages-*.log. About 5 minutes on a quiet 2-core machine.
"""

import copy
import http.cookiejar
import math
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench import fortunes  # noqa: E402

SERVER_DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", 1))
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "1000,100000").split(",")]
MEMORY_CHECKPOINTS = tuple(
    int(n) for n in os.environ.get("BENCH_MEMORY_REQUESTS", "1000,20000").split(",")
)
# At the largest size the slow pages would make 20,000 requests last far too long.
MEMORY_SIZE = int(os.environ.get("BENCH_MEMORY_SIZE", min(SIZES)))  # one of SIZES
STAFF = "secretariat@demo.awrach.ma"  # covers the four provinces
WRK = os.environ.get("WRK", "/usr/bin/wrk")
WRK_OPTIONS = ["-t2", "-c8", "--latency", "--timeout", "10s"]
GUNICORN_OPTIONS = ["--worker-class", "sync", "--timeout", "60"]  # and --workers 2
HTTP_TIMEOUT = 15  # seconds, for every request made from Python
STEP_TIMEOUT = 600  # seconds, for every command run to completion
LUA = ROOT / "bench" / "pages.lua"
LOG_DIR = ROOT / "build"

# The targets: requests/s against the baseline's, per page (the empty signed-in page
# has none: it shows what being signed in costs)
TARGET_RPS = {
    "staff queue": 0.3,
    "staff application": 0.3,
    "dashboard": 0.3,
    "outcomes": 0.3,
    "applicant's list": 0.6,
    "applicant's application": 0.6,
}
TARGET_GROWTH = 1.5  # every page's p99 at the largest size ≤ 1.5× at the smallest
TARGET_APPLICANT_QUERIES = 6  # SQL statements of an applicant's page, whatever the data's size
TARGET_MEMORY = 1.2  # worker memory after 20,000 requests ≤ 1.2× after 1,000

# Statuses of the bulk applications, with weights (drafts are never in the staff queue).
STATUS_WEIGHTS = {
    "draft": 10,
    "submitted": 2,
    "eligible": 18,
    "ineligible": 14,
    "in_review": 14,
    "changes_requested": 3,
    "recommended": 8,
    "not_recommended": 4,
    "approved": 13,
    "rejected": 6,
    "deferred": 1,
    "agreement_issued": 3,
    "agreement_signed": 3,
    "withdrawn": 1,
}
GRANTED = {"approved", "agreement_issued", "agreement_signed"}
LEGAL_FORMS = ("association", "cooperative", "company")
APPLICANT_EXTRA = 8  # bulk applications of the demo applicant's organisations (all sizes)


# Processes and HTTP


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list, env: dict, what: str) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Server:
    """A gunicorn master and its workers, stopped by PID."""

    def __init__(self, name: str, target: str, env: dict, workers: int = 2):
        self.name, self.target, self.env, self.workers = name, target, env, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.started = False

    def start(self, probe: str) -> None:
        LOG_DIR.mkdir(exist_ok=True)
        mode = "ab" if self.started else "wb"  # one log per run, restarts appended
        self.started = True
        log = open(LOG_DIR / f"bench-pages-{self.name}.log", mode)  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                [
                    BIN / "gunicorn",
                    *GUNICORN_OPTIONS,
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    self.target,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()  # the child keeps its own descriptor
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited, see build/bench-pages-*.log")
            if http_status(self.url + probe) == 200 and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: no answer on {probe} after 60 s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def worker_rss_kib(self) -> list[int]:
        sizes = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)[1]))
        return sizes

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(20)
        except ProcessLookupError:
            pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_status(url: str, cookie: str = "") -> int:
    status, _body, _location = fetch(url, cookie)
    return status


def fetch(url: str, cookie: str = "") -> tuple[int, str, str]:
    """One GET, never following redirects: (status, body, Location); 0 when nobody answers."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read().decode(), ""
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers.get("Location", "")
    except (urllib.error.URLError, OSError):
        return 0, "", ""


class Session:
    """Signs in through the portal's forms (CSRF token, password, authenticator code)."""

    TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def _open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            return error.code, "", error.headers.get("Location", "")

    def _form(self, path: str, data: dict) -> str:
        status, page, _ = self._open(path)
        match = self.TOKEN.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"no form with a CSRF token on {path} ({status})")
        status, _page, location = self._open(path, {**data, "csrf_token": match[1]})
        if status != 302:
            raise RuntimeError(f"POST {path} answered {status}, not a redirect")
        return location

    def sign_in(self, email: str, password: str, totp_secret: str | None = None) -> str:
        location = self._form("/account/login", {"email": email, "password": password})
        if location.endswith("/account/two-factor"):
            import pyotp

            code = pyotp.TOTP(totp_secret).now()
            location = self._form("/account/two-factor", {"code": code})
        if "/account/login" in location or "two-factor" in location:
            raise RuntimeError(f"{email}: sign-in refused (sent to {location})")
        return self.cookie()

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# wrk


@dataclass
class Figures:
    rps: float
    p99_ms: float
    requests: int
    non200: int
    errors: str = ""


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(url: str, *, seconds: int, cookie: str = "", extra: list[str] | None = None) -> Figures:
    command = [WRK, *WRK_OPTIONS, f"-d{seconds}s", "-s", str(LUA)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    if extra:
        command += ["--", *extra]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed on {url}:\n{out}\n{done.stderr}")
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    errors = re.search(r"^\s+Socket errors:.*$", out, re.M)
    return Figures(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        p99_ms=float(p99[1]) * UNITS[p99[2]],
        requests=int(re.search(r"(\d+) requests in", out)[1]),
        non200=int(re.search(r"^non200 (\d+)$", out, re.M)[1]),
        errors=errors[0].strip() if errors else "",
    )


# Data


@dataclass
class Templates:
    """What the bulk rows copy from the two applications submitted through the services."""

    details: dict[int, dict] = field(default_factory=dict)
    data: dict[int, dict] = field(default_factory=dict)
    results: dict[int, list] = field(default_factory=dict)
    context: dict[int, dict] = field(default_factory=dict)
    rules_version: dict[int, str] = field(default_factory=dict)


def outcomes_refresh(app) -> float:
    """The outcome dashboard's refresh (what its beat task runs), timed in this process."""
    from portal.extensions import db
    from portal.outcomes import services

    with app.app_context():
        started = time.perf_counter()
        services.refresh()
        db.session.commit()
        return time.perf_counter() - started


class Seeder:
    """The portal's rows, in bulk through SQLAlchemy Core (ids given, sequences set after)."""

    def __init__(self, app):
        from portal.applications.models import (
            Application,
            EligibilityReport,
            Submission,
        )
        from portal.audit.models import AuditEvent
        from portal.auth.models import User
        from portal.organisations.models import Membership, Organisation

        self.app = app
        self.random = random.Random(2026)
        self.tables = {
            "user": User.__table__,
            "organisation": Organisation.__table__,
            "membership": Membership.__table__,
            "application": Application.__table__,
            "submission": Submission.__table__,
            "eligibility_report": EligibilityReport.__table__,
            "audit_event": AuditEvent.__table__,
        }
        self.templates = Templates()
        self.owners: list[tuple[int, int, int]] = []  # (organisation, owner, province)
        self.numbers = {1: 0, 2: 0}
        self.now = datetime.now().replace(microsecond=0)

    # Two real submissions: the templates of the bulk rows, and the staff page measured.

    def submit_real_applications(self) -> int:
        """The demo applicant's association (component 1, Sidi Ifni) and company (component 2,
        Tan-Tan) apply through the services; the check runs in this process. Returns the id of
        the component-1 application."""
        import io

        from pypdf import PdfWriter

        from portal import demo
        from portal.applications import services
        from portal.applications.models import Application
        from portal.auth.models import User
        from portal.calls.models import Call
        from portal.documents.models import DocumentKind
        from portal.documents.services import add_document
        from portal.extensions import db
        from portal.geo.models import Province
        from portal.organisations.models import Organisation

        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        pdf = io.BytesIO()
        writer.write(pdf)
        planned = (date.today() + timedelta(days=60)).isoformat()
        answers = {
            1: {
                "title": "تشجير مدخل المدينة",
                "sector": "forests",
                "location": "الطريق الجهوية 104",
                "workers_planned": "24",
                "supervisors": "2",
                "duration_months": "6",
                "planned_start": planned,
                "expected_results": "غرس 2000 شجرة وصيانتها",
                "description": "تشجير وصيانة المساحات الخضراء عند مدخل المدينة",
            },
            2: {
                "posts": [
                    {
                        "title": "عامل تلفيف",
                        "count": "3",
                        "contract_months": "24",
                        "monthly_wage": "3500",
                        "categories": {"covid_job_loss": "2", "disability": "1"},
                    },
                    {
                        "title": "سائق",
                        "count": "1",
                        "contract_months": "24",
                        "monthly_wage": "3600",
                        "categories": {"difficult_access": "1"},
                    },
                ]
            },
        }
        kinds = {1: "worksite_sheet", 2: "posts_description"}
        ids = {}
        with self.app.app_context():
            user = db.session.scalar(select(User).filter_by(email=demo.APPLICANT))
            for component, data in zip((1, 2), demo.ORGANISATIONS, strict=True):
                organisation = db.session.scalar(
                    select(Organisation).filter_by(name_fr=data["name_fr"])
                )
                province = db.session.scalar(select(Province).filter_by(name_fr=data["province"]))
                call = db.session.scalar(
                    select(Call).filter_by(component=component).order_by(Call.id)
                )
                application = services.start_application(organisation, call, province.id, by=user)
                details = dict(answers[component])
                if component == 1:
                    details["commune_id"] = str(province.communes[1].id)
                services.save_answers(application, details)
                services.accept_declaration(application)
                kind = db.session.scalar(select(DocumentKind).filter_by(code=kinds[component]))
                add_document(
                    organisation,
                    kind,
                    pdf.getvalue(),
                    filename=f"{kind.code}.pdf",
                    valid_until=None,
                    by=user,
                    application=application,
                )
                submission = services.submit(application, by=user)
                db.session.commit()  # eager: the check runs once this commits
                db.session.refresh(application)
                report = submission.reports[-1] if submission.reports else None
                if report is None:
                    raise RuntimeError(f"component {component}: no eligibility report")
                self.templates.details[component] = application.details
                self.templates.data[component] = submission.data
                self.templates.results[component] = report.results
                self.templates.context[component] = report.context
                self.templates.rules_version[component] = report.rules_version
                ids[component] = application.id
                assert db.session.get(Application, application.id).number
            db.session.remove()
        return ids[1]

    # Bulk rows

    def count(self) -> int:
        from portal.extensions import db

        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(self.tables["application"]))

    def grow_to(self, total: int) -> float:
        """Insert applications (and what they need) until there are `total`; seconds taken."""
        from portal.auth.services import hasher
        from portal.extensions import db

        started = time.perf_counter()
        with self.app.app_context():
            engine = db.engine
            with engine.begin() as connection:
                # The snapshots (12 KB of JSON each) compress 4× faster with LZ4 than with the
                # default pglz; reading them back is no slower. This transaction only.
                if connection.scalar(
                    text(
                        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                        "WHERE name = 'default_toast_compression'"
                    )
                ):
                    connection.execute(text("SET LOCAL default_toast_compression = lz4"))
                reference = self._reference(connection)
                if not self.owners:
                    self.password_hash = hasher.hash(secrets.token_urlsafe(16))
                    self._applicant_applications(connection, reference)
                missing = total - connection.scalar(
                    select(func.count()).select_from(self.tables["application"])
                )
                organisations = max(100, total // 10) - len(self.owners)
                if organisations > 0:
                    self._organisations(connection, reference, organisations)
                chunk = 5_000
                while missing > 0:
                    n = min(chunk, missing)
                    self._applications(
                        connection, reference, [self.random.choice(self.owners) for _ in range(n)]
                    )
                    missing -= n
                for table in self.tables:
                    if table != "membership":  # the one table keyed by two columns
                        connection.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                f'(SELECT max(id) FROM "{table}"))'
                            )
                        )
            with self.app.app_context():  # the rows came past the transitions: count them
                from portal.applications.lifecycle import rebuild_counts

                rebuild_counts()
                db.session.commit()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        return time.perf_counter() - started

    def contracts_to(self, total: int) -> float:
        """Agreements for the published applications (issued or signed) that lack one, and
        people with their contracts until there are `total` contracts, most with an accepted
        month of days, a tenth completed; seconds taken."""
        from portal.agreements.models import Agreement
        from portal.beneficiaries.models import Contract, Person
        from portal.extensions import db
        from portal.payroll.models import MonthlyStatement, StatementLine

        started = time.perf_counter()
        with self.app.app_context(), db.engine.begin() as connection:
            template, applicant = connection.execute(
                select(Agreement.content, Agreement.created_by_id).order_by(Agreement.id).limit(1)
            ).one()
            editions = dict(connection.execute(text("SELECT id, edition_id FROM call")).all())
            names = {
                r[0]: r[1:]
                for r in connection.execute(text("SELECT id, name_ar, name_fr FROM province"))
            }
            top = {
                name: connection.scalar(text(f"SELECT coalesce(max(id), 0) FROM {name}"))
                for name in (
                    "agreement",
                    "person",
                    "contract",
                    "monthly_statement",
                    "statement_line",
                )
            }
            published = connection.execute(
                text(
                    "SELECT a.id, a.organisation_id, a.call_id, a.component, a.province_id, "
                    "a.jobs_granted, o.name_ar, o.name_fr, o.legal_form FROM application a "
                    "JOIN organisation o ON o.id = a.organisation_id LEFT JOIN agreement g "
                    "ON g.application_id = a.id WHERE a.status IN ('agreement_issued', "
                    "'agreement_signed') AND g.id IS NULL ORDER BY a.id"
                )
            ).all()
            agreements = []
            for row in published:
                top["agreement"] += 1
                content = {
                    **template,
                    "number": f"CP-BENCH-{row.id:07d}",
                    "component": row.component,
                    "jobs": row.jobs_granted or 5,
                    "partner": {
                        **template["partner"],
                        "name_ar": row.name_ar,
                        "name_fr": row.name_fr,
                        "legal_form": row.legal_form,
                    },
                    "province_ar": names[row.province_id][0],
                    "province_fr": names[row.province_id][1],
                }
                if row.component == 2:
                    content.pop("worksite", None)
                    content["grant"] = {"total": 1500 * 18 * content["jobs"]}
                agreements.append(
                    {
                        "id": top["agreement"],
                        "application_id": row.id,
                        "number": content["number"],
                        "status": "signed",
                        "verification_code": f"BENCH{row.id:012d}",
                        "content": content,
                        "created_by_id": applicant,
                    }
                )
            if agreements:
                connection.execute(Agreement.__table__.insert(), agreements)
            holders = connection.execute(
                text(
                    "SELECT g.id, a.id, a.organisation_id, a.call_id, a.component, a.province_id "
                    "FROM agreement g JOIN application a ON a.id = g.application_id "
                    "WHERE g.status IN ('issued', 'signed') ORDER BY g.id"
                )
            ).all()
            missing = total - connection.scalar(text("SELECT count(*) FROM contract"))
            commune = connection.scalar(text("SELECT min(id) FROM commune"))
            start, end, period = date(2026, 9, 1), date(2027, 2, 28), date(2026, 10, 1)
            statements = {  # the month's statement of each application, once (earlier sizes')
                application_id: {"id": statement_id, "written": True}
                for application_id, statement_id in connection.execute(
                    text("SELECT application_id, id FROM monthly_statement WHERE period = :p"),
                    {"p": period},
                )
            }
            while missing > 0:
                people, contracts, lines = [], [], []
                for _ in range(min(missing, 10_000)):
                    top["person"] += 1
                    top["contract"] += 1
                    n = top["contract"]
                    agreement_id, application_id, organisation_id, call_id, component, province = (
                        holders[n % len(holders)]
                    )
                    people.append(
                        {
                            "id": top["person"],
                            "cin": f"BN{top['person']:07d}",
                            "last_name_ar": "العامل",
                            "first_name_ar": "محمد",
                            "last_name_fr": "Travailleur",
                            "first_name_fr": f"Numéro {top['person']}",
                            "birth_date": date(1990, 1, 1) + timedelta(days=n % 5000),
                            "sex": ("female", "male")[n % 2],
                            "commune_id": commune,
                            "education_level": "secondary",
                            "created_by_id": applicant,
                        }
                    )
                    done = n % 10 == 0
                    contracts.append(
                        {
                            "id": n,
                            "person_id": top["person"],
                            "agreement_id": agreement_id,
                            "application_id": application_id,
                            "organisation_id": organisation_id,
                            "component": component,
                            "edition_id": editions[call_id],
                            "kind": "cdd",
                            "role": "عامل",
                            "post_index": 0 if component == 2 else None,
                            "start_date": start,
                            "planned_end": end,
                            "actual_end": end if done else None,
                            "end_reason": "completed" if done else None,
                            "monthly_wage": 3266.10,
                            "status": "ended" if done else "validated",
                            "created_by_id": applicant,
                        }
                    )
                    if n % 5 == 0:
                        continue  # a fifth not yet declared
                    if application_id not in statements:
                        top["monthly_statement"] += 1
                        statements[application_id] = {
                            "id": top["monthly_statement"],
                            "application_id": application_id,
                            "agreement_id": agreement_id,
                            "province_id": province,
                            "period": period,
                            "status": "accepted",
                            "due_on": date(2026, 11, 10),
                        }
                    top["statement_line"] += 1
                    lines.append(
                        {
                            "id": top["statement_line"],
                            "statement_id": statements[application_id]["id"],
                            "contract_id": n,
                            "max_days": 26,
                            "days_worked": 26,
                            "situation": "",
                            "monthly_wage": 3266.10,
                            "wage_floor": 3266.10,
                            "wage_due": 3266.10,
                        }
                    )
                connection.execute(Person.__table__.insert(), people)
                connection.execute(Contract.__table__.insert(), contracts)
                new = [s for s in statements.values() if not s.get("written")]
                if new:
                    connection.execute(
                        MonthlyStatement.__table__.insert(),
                        [{k: v for k, v in s.items() if k != "written"} for s in new],
                    )
                    for statement in new:
                        statement["written"] = True
                if lines:
                    connection.execute(StatementLine.__table__.insert(), lines)
                missing -= len(contracts)
            for table in top:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT greatest(max(id), 1) FROM {table}))"
                    )
                )
        return time.perf_counter() - started

    def refresh_public(self) -> tuple[float, int, int]:
        """The beat task's work, in this process: (seconds, worksites published, the province
        with the most of them)."""
        from portal.extensions import db
        from portal.opendata import services

        started = time.perf_counter()
        with self.app.app_context():
            release = services.refresh()
            db.session.commit()
            province = max(release.totals["provinces"], key=lambda p: p["worksites"])["id"]
            worksites = release.worksites
            db.session.remove()
        return time.perf_counter() - started, worksites, province

    def _reference(self, connection) -> dict:
        from portal import demo

        calls = connection.execute(text("SELECT id, component FROM call ORDER BY id")).all()
        provinces = [r[0] for r in connection.execute(text("SELECT id FROM province ORDER BY id"))]
        communes = {}
        for commune_id, province_id in connection.execute(
            text("SELECT id, province_id FROM commune ORDER BY id")
        ):
            communes.setdefault(province_id, []).append(commune_id)
        applicant = connection.execute(
            text('SELECT id FROM "user" WHERE email = :e'), {"e": demo.APPLICANT}
        ).scalar_one()
        demo_organisations = connection.execute(
            text(
                "SELECT o.id, o.province_id FROM organisation o JOIN membership m "
                "ON m.organisation_id = o.id WHERE m.user_id = :u ORDER BY o.id"
            ),
            {"u": applicant},
        ).all()
        return {
            "calls": {component: call_id for call_id, component in calls},
            "provinces": provinces,
            "communes": communes,
            "applicant": applicant,
            "demo_organisations": demo_organisations,
            "max": {
                name: connection.scalar(text(f'SELECT coalesce(max(id), 0) FROM "{name}"'))
                for name in (
                    "user",
                    "organisation",
                    "application",
                    "submission",
                    "eligibility_report",
                    "audit_event",
                )
            },
        }

    def _applicant_applications(self, connection, reference) -> None:
        """A few more applications of the demo applicant's organisations, the same at every
        size: the applicant's list measures the lookup, not a longer list."""
        owners = [
            (organisation_id, reference["applicant"], province_id)
            for organisation_id, province_id in reference["demo_organisations"]
        ]
        self._applications(
            connection, reference, [owners[i % len(owners)] for i in range(APPLICANT_EXTRA)]
        )

    def _organisations(self, connection, reference, n: int) -> None:
        first_user = reference["max"]["user"] + 1
        first_org = reference["max"]["organisation"] + 1
        users, organisations, memberships = [], [], []
        for i in range(n):
            user_id, org_id = first_user + i, first_org + i
            province = self.random.choice(reference["provinces"])
            form = LEGAL_FORMS[org_id % 3]
            users.append(
                {
                    "id": user_id,
                    "email": f"owner{user_id}@bench.awrach.invalid",
                    "email_verified_at": self.now,
                    "password_hash": self.password_hash,
                    "full_name": f"Porteur {user_id}",
                    "phone": f"+2126{user_id:08d}"[:13],
                    "locale": "ar" if i % 2 else "fr",
                    "consent_version": self.app.config["CONSENT_VERSION"],
                    "consent_at": self.now,
                    "is_staff": False,
                    "active": True,
                    "recovery_codes": [],
                }
            )
            organisations.append(
                {
                    "id": org_id,
                    "legal_form": form,
                    "name_ar": f"{('جمعية', 'تعاونية', 'شركة')[org_id % 3]} النموذج {org_id}",
                    "name_fr": f"{('Association', 'Coopérative', 'Société')[org_id % 3]} "
                    f"Modèle {org_id}",
                    "created_on": date(2012, 1, 1) + timedelta(days=org_id % 3000),
                    "province_id": province,
                    "commune_id": self.random.choice(reference["communes"][province]),
                    "address": f"{org_id} شارع الحسن الثاني",
                    "legal_representative": f"Représentant {org_id}",
                    "association_receipt_no": f"BENCH-{org_id:07d}"
                    if form == "association"
                    else None,
                    "cooperative_register_no": f"BENCH-{org_id:07d}"
                    if form == "cooperative"
                    else None,
                    "ice": f"9{org_id:014d}" if form == "company" else None,
                    "rc": str(org_id) if form == "company" else None,
                    "cnss_affiliation": f"8{org_id:06d}" if form == "company" else None,
                    "rib": None,
                }
            )
            memberships.append({"organisation_id": org_id, "user_id": user_id, "role": "owner"})
            self.owners.append((org_id, user_id, province))
        connection.execute(self.tables["user"].insert(), users)
        connection.execute(self.tables["organisation"].insert(), organisations)
        connection.execute(self.tables["membership"].insert(), memberships)
        reference["max"]["user"] += n
        reference["max"]["organisation"] += n

    def _applications(self, connection, reference, owners: list[tuple[int, int, int]]) -> None:
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        applications, submissions, reports, events = [], [], [], []
        for organisation_id, owner_id, province in owners:
            reference["max"]["application"] += 1
            application_id = reference["max"]["application"]
            component = 1 if self.random.random() < 0.7 else 2
            status = self.random.choices(statuses, weights)[0]
            created = self.now - timedelta(seconds=self.random.randint(3_600, 200 * 86_400))
            submitted = created + timedelta(seconds=self.random.randint(600, 5 * 86_400))
            updated = min(
                self.now, submitted + timedelta(seconds=self.random.randint(60, 30 * 86_400))
            )
            jobs = self.random.randint(5, 60) if component == 1 else self.random.randint(1, 20)
            row = {
                "id": application_id,
                "organisation_id": organisation_id,
                "call_id": reference["calls"][component],
                "component": component,
                "province_id": province,
                "status": status,
                "number": None,
                "details": self.templates.details[component],
                "declaration_at": None,
                "created_by_id": owner_id,
                "created_at": created,
                "updated_at": created if status == "draft" else updated,
                "first_submitted_at": None,
                "withdrawn_reason": "Projet reporté" if status == "withdrawn" else None,
                "change_request": "Compléter la fiche" if status == "changes_requested" else None,
                "change_deadline": (self.now + timedelta(days=10)).date()
                if status == "changes_requested"
                else None,
                "jobs_granted": jobs if status in GRANTED else None,
                "jobs_requested": None,
                "flag": "Vérifier le RIB" if application_id % 97 == 0 else None,
                "eligibility_outcome": None,
            }
            events.append(
                self._event(
                    reference, owner_id, "application.started", application_id, organisation_id,
                    created, {"call": row["call_id"], "province": province},
                )
            )  # fmt: skip
            if status != "draft":
                self.numbers[component] += 1
                number = f"GON-2025-C{component}-{self.numbers[component]:05d}"
                outcome = {"submitted": None, "ineligible": "fail"}.get(
                    status, "needs_review" if application_id % 5 == 0 else "pass"
                )
                row |= {
                    "number": number,
                    "declaration_at": submitted,
                    "first_submitted_at": submitted,
                    "jobs_requested": jobs,
                    "eligibility_outcome": outcome,
                }
                reference["max"]["submission"] += 1
                submission_id = reference["max"]["submission"]
                submissions.append(
                    {
                        "id": submission_id,
                        "application_id": application_id,
                        "sequence": 1,
                        "submitted_at": submitted,
                        "submitted_by_id": owner_id,
                        "data": self._snapshot(component, row, submitted),
                        "check_enqueued_at": submitted,
                    }
                )
                events.append(
                    self._event(
                        reference, owner_id, "application.submitted", application_id,
                        organisation_id, submitted, {"number": number, "submission": 1},
                    )
                )  # fmt: skip
                if outcome is not None:
                    reference["max"]["eligibility_report"] += 1
                    reports.append(
                        {
                            "id": reference["max"]["eligibility_report"],
                            "submission_id": submission_id,
                            "rules_version": self.templates.rules_version[component],
                            "outcome": outcome,
                            "results": self.templates.results[component],
                            "context": self.templates.context[component],
                            "overrides": {},
                            "created_at": submitted + timedelta(seconds=2),
                        }
                    )
                    events.append(
                        self._event(
                            reference, None, "application.checked", application_id,
                            organisation_id, submitted + timedelta(seconds=2),
                            {"outcome": outcome, "status": status},
                        )
                    )  # fmt: skip
            applications.append(row)
        connection.execute(self.tables["application"].insert(), applications)
        if submissions:
            connection.execute(self.tables["submission"].insert(), submissions)
        if reports:
            connection.execute(self.tables["eligibility_report"].insert(), reports)
        connection.execute(self.tables["audit_event"].insert(), events)

    def _snapshot(self, component: int, row: dict, submitted: datetime) -> dict:
        data = copy.copy(self.templates.data[component])
        data["application"] = {
            **data["application"],
            "id": row["id"],
            "number": row["number"],
            "province_id": row["province_id"],
            "jobs_requested": row["jobs_requested"],
            "submitted_at": submitted.isoformat(),
            "first_submitted_at": submitted.isoformat(),
        }
        data["organisation"] = {**data["organisation"], "id": row["organisation_id"]}
        return data

    @staticmethod
    def _event(reference, actor, action, object_id, organisation_id, at, after) -> dict:
        reference["max"]["audit_event"] += 1
        return {
            "id": reference["max"]["audit_event"],
            "actor_id": actor,
            "action": action,
            "object_type": "application",
            "object_id": object_id,
            "organisation_id": organisation_id,
            "before": None,
            "after": after,
            "ip": None,
            "created_at": at,
        }


# The run


@contextmanager
def own_database(prefix: str):
    """A new database `<prefix>_<pid>` on the server of DATABASE_URL, dropped at the end; its URL."""
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(SERVER_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(SERVER_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        log(f"database {name} dropped")


def main() -> None:
    servers: list[Server] = []
    with own_database("bench_pages") as database_url:
        try:
            results = bench(database_url, servers)
        finally:
            for server in servers:
                server.stop()
            log("servers stopped")
    report(results)


def bench(database_url: str, servers: list) -> dict:
    started = time.monotonic()
    secret_key = secrets.token_hex(32)
    base_env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secret_key,
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    for variable in ("CELERY_EAGER", "RATELIMIT_STORAGE_URI", "MAIL_SERVER", "DEV_MAILBOX"):
        base_env.pop(variable, None)
    seed_env = dict(base_env, PORTAL_ENV="test")  # demo calls and accounts are not for production
    web_env = dict(base_env, PORTAL_ENV="production", PUBLIC_BASE_URL="http://127.0.0.1")

    log(f"database {make_url(database_url).database}: migrating and seeding the demo data")
    run([BIN / "flask", "db", "upgrade"], seed_env, "flask db upgrade")
    run([BIN / "flask", "seed-demo"], seed_env, "flask seed-demo")
    fortunes.create_table(database_url)

    app = seeding_app(database_url, secret_key)
    seeder = Seeder(app)
    try:
        staff_page = seeder.submit_real_applications()
        portal = Server("portal", "wsgi:app", web_env)
        baseline = Server("fortunes", "bench.fortunes:create_app()", web_env)
        servers += [portal, baseline]
        results = {"sizes": {}, "in_process": {}, "load": [os.getloadavg()[0]]}
        cookies = None
        for size in SIZES:
            seconds = seeder.grow_to(size)
            log(f"{seeder.count():,} applications ({seconds:.1f} s to insert, then VACUUM ANALYZE)")
            seconds = seeder.contracts_to(size)
            refresh, worksites, public_province = seeder.refresh_public()
            results.setdefault("refresh", {})[size] = (refresh, worksites)
            results.setdefault("outcomes_refresh", {})[size] = outcomes_refresh(app)
            log(
                f"{size:,} contracts ({seconds:.1f} s to insert); the public results computed in "
                f"{refresh:.1f} s ({worksites:,} worksites)"
            )
            if portal.process is None:
                portal.start("/healthz")
                baseline.start("/fortunes")
            if cookies is None:
                cookies = sign_in(portal)
            paths = page_paths(staff_page, public_province)
            pages = [(label, path, cookies[who]) for label, path, who in paths]
            check_pages(portal, pages)
            meter = None
            if size == MEMORY_SIZE:
                log(f"memory at {size:,} applications: a fresh server, the pages in turn")
                portal.stop()
                portal.start("/healthz")
                meter = Meter(portal, pages)
                meter.reach(MEMORY_CHECKPOINTS[0])
            results["sizes"][size] = measure(portal, baseline, pages, meter)
            if meter is not None:
                for checkpoint in MEMORY_CHECKPOINTS[1:]:
                    meter.reach(checkpoint)
                results["memory"] = (size, meter.readings)
            results["in_process"][size] = in_process(app, staff_page, public_province)
            results["load"].append(os.getloadavg()[0])
        results["rss_end"] = portal.worker_rss_kib()
        results["minutes"] = (time.monotonic() - started) / 60
        return results
    finally:
        from portal.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def seeding_app(database_url: str, secret_key: str):
    """The portal in this process, on the benchmark's database, with tasks run eagerly."""
    import logging

    import tasks  # noqa: F401  (registers the task shells, so that enqueue runs them here)
    from portal import create_app
    from portal.config import Config

    os.environ["REDIS_URL"] = REDIS_URL
    app = create_app(
        {
            "ENV_NAME": "test",
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CELERY": {**Config().CELERY, "task_always_eager": True},
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": "",
            "DEV_MAILBOX": False,
        }
    )
    logging.getLogger().setLevel(logging.WARNING)
    return app


def sign_in(portal: Server) -> dict:
    from portal import demo

    staff = Session(portal.url).sign_in(STAFF, demo.PASSWORD, demo.TOTP_SECRET)
    applicant = Session(portal.url).sign_in(demo.APPLICANT, demo.PASSWORD, demo.TOTP_SECRET)
    return {"staff": staff, "applicant": applicant, "visitor": ""}


def page_paths(staff_page: int, public_province: int) -> list[tuple[str, str, str]]:
    """(label, path, who) of each page measured."""
    return [
        ("staff queue", "/backoffice/applications/", "staff"),
        ("staff application", f"/backoffice/applications/{staff_page}", "staff"),
        ("dashboard", "/backoffice/reports/dashboard", "staff"),
        ("outcomes", "/backoffice/outcomes/", "staff"),
        ("applicant's list", "/applications/", "applicant"),
        ("applicant's application", f"/applications/{staff_page}", "applicant"),
        ("signed-in page", "/account/", "applicant"),
        ("public results", f"/results/province/{public_province}", "visitor"),
        ("open data CSV", "/open-data/v1/worksites.csv", "visitor"),
    ]


def in_process(app, staff_page: int, public_province: int) -> dict:
    """Each page through the test client of this process: SQL statements, time in the
    database and in all (median of 5), to tell the database from Python when a page is slow."""
    from sqlalchemy import event

    from portal import demo
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
        ids = {
            who: db.session.scalar(select(User).filter_by(email=email)).get_id()
            for who, email in (("staff", STAFF), ("applicant", demo.APPLICANT))
        }
        db.session.remove()
    clock = {"sql": 0.0, "queries": 0, "started": 0.0}

    def before(*_args):
        clock["started"] = time.perf_counter()

    def after(*_args):
        clock["sql"] += time.perf_counter() - clock["started"]
        clock["queries"] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    figures = {}
    try:
        for label, path, who in page_paths(staff_page, public_province):
            client = app.test_client()
            if who != "visitor":
                with client.session_transaction() as session:
                    session["_user_id"] = ids[who]
                    session["_fresh"] = True
                    session["second_factor"] = who == "staff"
            runs = []
            for _ in range(6):
                clock.update(sql=0.0, queries=0)
                started = time.perf_counter()
                status = client.get(path).status_code
                if status != 200:
                    raise RuntimeError(f"{label}: {path} answered {status} in process")
                runs.append((time.perf_counter() - started, clock["sql"], clock["queries"]))
            runs = sorted(runs[1:])  # the first one warms the caches
            total, sql, queries = runs[len(runs) // 2]
            figures[label] = (queries, sql * 1000, total * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return figures


def check_pages(portal: Server, pages) -> None:
    """Each page answers 200 with its content, signed in (not a redirect to the login)."""
    expected = {
        "staff queue": lambda body: body.count('href="/backoffice/applications/') >= 50,
        "staff application": lambda body: 'class="timeline"' in body,
        "dashboard": lambda body: 'class="dashboard"' in body,
        "outcomes": lambda body: 'class="figures"' in body and "<svg" in body,
        "applicant's list": lambda body: body.count('href="/applications/') >= 2 + APPLICANT_EXTRA,
        "applicant's application": lambda body: 'class="report"' in body,
        "signed-in page": lambda body: 'href="/account/password"' in body,
        "public results": lambda body: body.count('class="card"') >= 2,
        "open data CSV": lambda body: body.startswith("\ufeffidentifier,"),
    }
    for label, path, cookie in pages:
        status, body, location = fetch(portal.url + path, cookie)
        if status != 200:
            raise RuntimeError(f"{label}: {path} answered {status} {location}, not 200")
        if not expected[label](body):
            raise RuntimeError(f"{label}: {path} answered 200 without the expected content")


def measure(portal: Server, baseline: Server, pages, meter: "Meter | None") -> dict:
    figures = {}
    for label, url, cookie in [
        ("baseline (fortunes)", baseline.url + "/fortunes", ""),
        *[(label, portal.url + path, cookie) for label, path, cookie in pages],
    ]:
        warmup = wrk(url, seconds=WARMUP_SECONDS, cookie=cookie)
        result = wrk(url, seconds=SECONDS, cookie=cookie)
        if result.non200 or warmup.non200:
            raise RuntimeError(f"{label}: answers other than 200 under load")
        if meter is not None and url.startswith(portal.url):
            meter.answered += warmup.requests + result.requests
        figures[label] = result
        log(f"  {label:<22} {result.rps:8.1f} req/s   p99 {result.p99_ms:8.1f} ms")
    return figures


class Meter:
    """The web workers' VmRSS after a number of requests to the pages, from a fresh server.

    The requests of the throughput measurements count too; wrk tops the number up with the
    pages in turn. wrk stops each thread at a number of answers (bench/pages.lua) but still
    waits for the end of its duration: runs of at most 30 s, sized from the last run's rate.
    """

    def __init__(self, portal: Server, pages):
        self.portal = portal
        self.args = []
        for _label, path, cookie in pages:
            self.args += [path, cookie]
        self.answered = 0
        self.rate = 0.0  # requests/s of the last run, the pages in turn
        self.readings: dict[int, tuple[int, list[int]]] = {}

    def reach(self, checkpoint: int) -> None:
        while self.answered < checkpoint:
            remaining = checkpoint - self.answered
            seconds = (
                min(30, max(5, math.ceil(remaining / self.rate * 1.1) + 1)) if self.rate else 10
            )
            per_thread = max(1, math.ceil(remaining / 2))  # wrk -t2
            result = wrk(
                self.portal.url + "/healthz", seconds=seconds, extra=[str(per_thread), *self.args]
            )
            if result.non200:
                raise RuntimeError(f"memory: {result.non200} answers other than 200")
            self.answered += result.requests
            if result.requests < remaining:  # the run lasted its whole duration: a fair rate
                self.rate = max(self.rate, result.requests / seconds)
            log(f"    {result.requests:,} requests in a {seconds} s run ({self.answered:,} in all)")
        self.readings[checkpoint] = (self.answered, self.portal.worker_rss_kib())
        log(
            f"  after {self.answered:,} requests: workers' VmRSS {self.readings[checkpoint][1]} KiB"
        )


STARTED = time.monotonic()


def log(message: str) -> None:
    elapsed = int(time.monotonic() - STARTED)
    print(f"[{elapsed // 60:2d}:{elapsed % 60:02d}] {message}", flush=True)


def report(results: dict) -> None:
    sizes = results["sizes"]
    print(
        f"\nPages against the fortunes baseline: wrk {' '.join(WRK_OPTIONS)} -d{SECONDS}s per "
        f"page after a {WARMUP_SECONDS} s warm-up;\ngunicorn --workers 2 {' '.join(GUNICORN_OPTIONS)} for both; "
        "PostgreSQL on the same machine. Targets: req/s against the baseline's, per page.\n"
        "Last columns: the same page in this process (test client), "
        "median of 5: SQL statements, time in the database, time in all.\n"
    )
    header = (
        f"{'applications':>12}  {'page':<20} {'req/s':>7} {'p99 ms':>8} {'req/s ×':>8} "
        f"{'p99 ×':>7}  {'target':<12} {'queries':>7} {'SQL ms':>7} {'all ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for size, figures in sizes.items():
        base = figures["baseline (fortunes)"]
        for label, result in figures.items():
            line = f"{size:>12,}  {label:<20} {result.rps:7.1f} {result.p99_ms:8.1f} "
            if result is base:
                print(line)
                continue
            rps_ratio = result.rps / base.rps
            p99_ratio = result.p99_ms / base.p99_ms
            target = TARGET_RPS.get(label)
            verdict = "" if target is None else "ok" if rps_ratio >= target else "MISSED"
            verdict = f"≥ {target}× {verdict}" if target else "(no target)"
            queries, sql_ms, all_ms = results["in_process"][size][label]
            print(
                f"{line}{rps_ratio:7.2f}× {p99_ratio:6.2f}×  {verdict:<12} "
                f"{queries:>7} {sql_ms:7.1f} {all_ms:7.1f}"
            )
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        print(
            f"\nevery page: p99 at {large:,} / at {small:,} applications (target ≤ "
            f"{TARGET_GROWTH}×), and its SQL statements at both sizes (target: the same; ≤ "
            f"{TARGET_APPLICANT_QUERIES} for an applicant's page):"
        )
        for label in sizes[small]:
            if label == "baseline (fortunes)":
                continue
            growth = sizes[large][label].p99_ms / sizes[small][label].p99_ms
            counts = [results["in_process"][size][label][0] for size in (small, large)]
            most = TARGET_APPLICANT_QUERIES if label.startswith("applicant") else max(counts)
            verdict = "ok" if growth <= TARGET_GROWTH else "MISSED"
            queries = "ok" if counts[0] == counts[1] and counts[1] <= most else "MISSED"
            print(
                f"  {label:<24} p99 {growth:5.2f}× {verdict:<7} statements "
                f"{counts[0]} → {counts[1]} {queries}"
            )
    for size, seconds in results.get("outcomes_refresh", {}).items():
        print(f"the outcomes' refresh (the beat task) at {size:,} contracts: {seconds:.1f} s")
    memory_size, readings = results["memory"]
    first, last = (readings[c] for c in MEMORY_CHECKPOINTS)
    ratio = sum(last[1]) / sum(first[1])
    print(
        f"\nweb workers' VmRSS, the 2 gunicorn workers of a fresh portal server at "
        f"{memory_size:,} applications\n(requests: the pages in turn, and the throughput "
        "measurements of the pages at that size):"
    )
    for answered, kib in (first, last):
        print(
            f"  after {answered:>6,} requests: {sum(kib) / 1024:7.1f} MiB "
            f"(workers {', '.join(f'{k / 1024:.1f}' for k in kib)} MiB)"
        )
    verdict = "ok" if ratio <= TARGET_MEMORY else "MISSED"
    print(f"  ratio: {ratio:.2f}×   (target ≤ {TARGET_MEMORY}×)  {verdict}")
    end = results["rss_end"]
    print(
        f"  (at the end of the run, after the {max(sizes):,} measurements: "
        f"{sum(end) / 1024:.1f} MiB, workers {', '.join(f'{k / 1024:.1f}' for k in end)} MiB)"
    )
    print("\nthe public results computed by the beat task's service, in this process:")
    for size, (seconds, worksites) in results.get("refresh", {}).items():
        print(f"  {size:>9,} contracts: {seconds:6.1f} s ({worksites:,} worksites published)")
    load = ", ".join(f"{value:.2f}" for value in results["load"])
    print(
        f"\n1-minute load average at the start and after each size: {load} ({os.cpu_count()} cores)"
    )
    if results["load"][0] > 1.0:
        print("  other processes were busy when the run started: the figures are noisy")
    print(f"whole run: {results['minutes']:.1f} minutes")


if __name__ == "__main__":
    main()

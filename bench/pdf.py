"""Documents of record: the agreement's render time against a one-paragraph page with the same
fonts, one worker process's memory after 100 and 500 renders, and 1,000 agreements through one
and then two worker processes.

Run by hand, never in CI:  make bench-pdf  [BENCH_AGREEMENTS=1000]
It needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the throwaway ones of
scripts/with-test-services.sh), creates a database of its own and uses, then empties, Redis
database 14 of REDIS_URL's server (BENCH_REDIS_URL names another).
The page and the agreement are rendered in turn, so that a loaded machine slows both alike; each
is timed by the clock and by the process's CPU time (what the render itself costs).
Targets: agreement median ≤ 3× the one-paragraph page; memory after 500 ≤ 1.2× after 100;
two processes ≥ 0.7 parallel efficiency. The worker's own memory (resident, and the peak that
`worker_max_memory_per_child` is compared with) is read after 100 renders and at the end.
"""

import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AGREEMENTS = int(os.environ.get("BENCH_AGREEMENTS", 1000))
PARAGRAPH = """<p lang="ar">تحدد هذه الاتفاقية شروط إنجاز الورش.</p>
<p lang="fr">La présente convention fixe les conditions du chantier.</p>"""


def memory_mb(pid="self", field="VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak (VmHWM), in MB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(renders: dict, rounds: int) -> dict:
    """Each render `rounds` times, in turn: {name: ([clock ms], [CPU ms])}."""
    times = {name: ([], []) for name in renders}
    for _ in range(rounds):
        for name, render in renders.items():
            clock, cpu = time.perf_counter(), time.process_time()
            render()
            times[name][0].append((time.perf_counter() - clock) * 1000)
            times[name][1].append((time.process_time() - cpu) * 1000)
    return times


def main() -> None:
    server_url = os.environ["DATABASE_URL"]
    name = "awrach_bench_pdf"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    redis_url = (
        os.environ.get("BENCH_REDIS_URL") or os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"
    )
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PORTAL_ENV="test",
        SECRET_KEY=secrets.token_hex(32),
        RATELIMIT_ENABLED="0",
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_EAGER", None)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True}
    subprocess.run([BIN / "flask", "db", "upgrade"], **run)
    subprocess.run([BIN / "flask", "seed-demo"], **run)
    os.environ.update(env, CELERY_EAGER="1")  # the setup renders in this process
    sys.path.insert(0, str(ROOT))
    import tasks  # noqa: F401  (registered here, the setup's tasks run in this process)

    try:
        in_one_process()
        through_workers(env)
    finally:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def worker_children(pid: int) -> list[int]:
    """The pool processes of the Celery worker `pid`."""
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def one_agreement(app):
    from sqlalchemy import select

    from portal.agreements.models import Agreement
    from portal.extensions import db
    from tests.support.agreements import approve_in_session, submitted

    application_id, _, _ = submitted(app, 1)
    approve_in_session(app, [application_id])
    with app.app_context():
        return db.session.scalar(select(Agreement.id).filter_by(application_id=application_id))


def in_one_process() -> None:
    import io

    import pikepdf
    from flask import render_template_string

    from portal import create_app
    from portal.agreements.models import Agreement
    from portal.agreements.services import agreement_pdf
    from portal.documents import rendering
    from portal.extensions import db

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
    agreement_id = one_agreement(app)
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        original = rendering.render_template
        # The same renderer and stylesheet, with one paragraph per language as the document.
        paragraph = {"pdf/paragraph.html": PARAGRAPH}

        def render_template(name, **context):
            if name in paragraph:
                return render_template_string(paragraph[name], **context)
            return original(name, **context)

        rendering.render_template = render_template

        def page():
            return rendering.render_pdf("pdf/paragraph.html", {}, title="bench")

        def document():
            return agreement_pdf(agreement)

        renders = {"page": page, "agreement": document}
        timed(renders, 5)  # warm up: imports, fonts, caches
        times = timed(renders, 40)
        memory = {}
        for count in range(1, 501):
            document()
            if count in (100, 500):
                memory[count] = memory_mb()
        pdf = document()
        size, pages = len(pdf) // 1024, len(pikepdf.open(io.BytesIO(pdf)).pages)
        rendering.render_template = original
    print("\nIn one process (milliseconds, median of 40 after warm-up, in turn)")
    print("                                                  clock      CPU")
    medians = {name: [statistics.median(t) for t in pair] for name, pair in times.items()}
    page_clock, page_cpu = medians["page"]
    print(f"  one-paragraph page, same renderer and fonts  {page_clock:7.1f}  {page_cpu:7.1f}")
    print(
        f"  agreement (component 1, {pages} pages, {size} KB)     "
        f"{medians['agreement'][0]:7.1f}  {medians['agreement'][1]:7.1f}"
    )
    clock, cpu = (medians["agreement"][i] / medians["page"][i] for i in (0, 1))
    print(f"  ratio agreement / page: {clock:.2f}× by the clock, {cpu:.2f}× in CPU   (target ≤ 3×)")
    growth = memory[500] / memory[100]
    print(
        f"  memory after 100 renders {memory[100]:.0f} MB, after 500 {memory[500]:.0f} MB:"
        f" {growth:.2f}×   (target ≤ 1.2×)"
    )


def through_workers(env: dict) -> None:
    """AGREEMENTS rows rendered by real workers from Redis: one process, then two."""
    from sqlalchemy import func, insert, select

    from portal import create_app
    from portal.agreements.models import Agreement
    from portal.agreements.services import new_code
    from portal.extensions import db

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
    rates, memory, children = {}, {}, set()
    model_id = one_agreement(app)
    with app.app_context():
        model = db.session.get(Agreement, model_id)
        for processes in (1, 2):
            ids = db.session.scalars(
                insert(Agreement).returning(Agreement.id),
                [
                    {
                        "application_id": model.application_id,
                        "number": f"BENCH-{processes}-{n:05d}",
                        "verification_code": new_code(),
                        "content": {**model.content, "number": f"BENCH-{processes}-{n:05d}"},
                        "created_by_id": model.created_by_id,
                    }
                    for n in range(AGREEMENTS)
                ],
            ).all()
            db.session.commit()
            celery = app.extensions["celery"]
            for agreement_id in ids:  # queued before the workers start: a full queue
                celery.send_task("render_agreement", args=(agreement_id,), queue="pdf")
            log = open(ROOT / "build" / f"bench-pdf-worker{processes}.log", "wb")  # noqa: SIM115
            worker = subprocess.Popen(
                [
                    BIN / "celery",
                    "-A",
                    "wsgi:celery_app",
                    "worker",
                    "-Q",
                    "pdf",
                    "-c",
                    str(processes),
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            try:
                first, started = None, time.monotonic()
                while True:
                    done = db.session.scalar(
                        select(func.count())
                        .select_from(Agreement)
                        .where(Agreement.id.in_(ids), Agreement.pdf_sha256.is_not(None))
                    )
                    db.session.rollback()
                    if done and first is None:
                        first = (time.monotonic(), done)  # timing starts once warm
                    if processes == 1:  # the one pool process: resident and peak memory
                        pids = worker_children(worker.pid)
                        children.update(pids)
                        if (done >= 100 and not memory) or done == len(ids):
                            memory[done] = [
                                sum(memory_mb(pid, field) for pid in pids)
                                for field in ("VmRSS", "VmHWM")
                            ]
                    if done == len(ids):
                        break
                    if time.monotonic() - started > 3600:
                        raise RuntimeError("the workers stopped rendering")
                    time.sleep(0.5)
                elapsed = time.monotonic() - first[0]
                rates[processes] = (len(ids) - first[1]) / elapsed
            finally:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(60)
    efficiency = rates[2] / (2 * rates[1])
    print(f"\n{AGREEMENTS} agreements through Celery workers (queue pdf), renders per second")
    print(f"  one process   {rates[1]:6.2f}")
    (after, (rss, peak)), (last, (last_rss, last_peak)) = min(memory.items()), max(memory.items())
    print(
        f"    its pool process: {rss:.0f} MB resident (peak {peak:.0f}) after {after} renders,"
        f" {last_rss:.0f} MB (peak {last_peak:.0f}) after {last};"
        f" {len(children) - 1} recycled   (worker_max_memory_per_child"
        f" {celery.conf.worker_max_memory_per_child} KB)"
    )
    print(f"  two processes {rates[2]:6.2f}")
    print(f"  parallel efficiency {efficiency:.2f}   (target ≥ 0.7)")


if __name__ == "__main__":
    main()

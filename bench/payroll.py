"""A region's month of payroll: building the payroll files of 3,800 workers in the worker,
against a baseline of writing the same number of rows with COPY, in the same run.

Run by hand, never in CI:  make bench-payroll  [BENCH_WORKERS=3800 BENCH_ROUNDS=3]
It needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the local ones). It creates a
database of its own (bench_payroll_<pid>), migrates it, seeds the demo data (`flask seed-demo`:
its signed agreement in Sidi Ifni), then inserts in bulk, outside the timed part, BENCH_WORKERS
workers (a person and a validated component-1 contract each) on agreements of 100 workers
spread over the region's provinces, and each agreement's accepted statement of March 2027 with
a line per contract (one in ten short, with a situation).

Timed, for each adapter (the monthly statement as XLSX and CSV, the BDS-shaped file): the
province's secretariat asks for each province's file (the request's transaction), then the
worker's task builds each one (`build_payroll_file`, run in this process as the worker runs
it: read the statements' lines, what each pays, the adapter's bytes, the blob, the row). The
statements are put back in between, so each round builds the same month. The baseline: the
same number of rows, with the same columns, written to a table with COPY in one transaction.

Prints, per adapter, the best round: the seconds for the region (target: a few seconds, ≤ 5),
the SQL statements the builds ran, the bytes, and the ratio to the baseline. The database is
dropped at the end.
"""

import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.pages import BIN, REDIS_URL, log, own_database, run, seeding_app  # noqa: E402

WORKERS = int(os.environ.get("BENCH_WORKERS", 3800))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
PER_AGREEMENT = 100
PERIOD = date(2027, 3, 1)
TARGET_SECONDS = 5.0
ADAPTERS = ("statement_xlsx", "statement_csv", "cnss_bds")
STAFF = "secretariat@demo.awrach.ma"  # covers the four provinces


def main() -> None:
    with own_database("bench_payroll") as database_url:
        results = bench(database_url)
    report(results)


def bench(database_url: str) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        PORTAL_ENV="test",
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_EAGER", None)
    log(f"database {make_url(database_url).database}: migrating and seeding the demo data")
    run([BIN / "flask", "db", "upgrade"], env, "flask db upgrade")
    run([BIN / "flask", "seed-demo"], env, "flask seed-demo")
    app = seeding_app(database_url, "bench-payroll-" + "x" * 32)
    from portal.extensions import db

    try:
        with app.app_context():
            started = time.monotonic()
            lines = seed(db)
            log(f"{lines:,} statement lines seeded in {time.monotonic() - started:.1f} s")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            results = {"lines": lines, "adapters": {}}
            results["baseline"] = min(copy_rows(db, lines) for _ in range(ROUNDS))
            for adapter in ADAPTERS:
                app.config["PAYROLL_ADAPTER"] = adapter
                rounds = [build_month(db) for _ in range(ROUNDS)]
                results["adapters"][adapter] = min(rounds, key=lambda r: r["seconds"])
                log(f"{adapter}: {[round(r['seconds'], 2) for r in rounds]} s")
            if os.environ.get("BENCH_PROFILE"):  # where a round's time goes, by function
                import cProfile
                import pstats

                profile = cProfile.Profile()
                profile.runcall(build_month, db)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        return results
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# Seeding, in bulk


def _copy_of(db, table, row_id: int) -> dict:
    row = dict(db.session.execute(select(table).where(table.c.id == row_id)).mappings().one())
    row.pop("id")
    return row


def seed(db) -> int:
    """BENCH_WORKERS workers on agreements of PER_AGREEMENT, over the region's provinces, and
    each agreement's accepted statement of PERIOD; the number of lines."""
    from portal.agreements.models import Agreement
    from portal.applications.models import Application
    from portal.beneficiaries.models import Contract, Person
    from portal.geo.models import Province
    from portal.payroll import rules
    from portal.payroll.models import MonthlyStatement, StatementLine

    template = db.session.scalar(
        select(Agreement).where(Agreement.status == "signed").order_by(Agreement.id)
    )
    contract = db.session.scalar(select(Contract).filter_by(agreement_id=template.id))
    provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
    application_row = _copy_of(db, Application.__table__, template.application_id)
    agreement_row = _copy_of(db, Agreement.__table__, template.id)
    person_row = _copy_of(db, Person.__table__, contract.person_id)
    contract_row = _copy_of(db, Contract.__table__, contract.id)
    floor = rules.wage_floor(PERIOD)
    wage = max(Decimal(contract.monthly_wage), floor)
    agreements = (WORKERS + PER_AGREEMENT - 1) // PER_AGREEMENT
    made = 0
    for number in range(agreements):
        province = provinces[number % len(provinces)]
        commune_id = province.communes[0].id
        application_id = db.session.execute(
            insert(Application.__table__).returning(Application.__table__.c.id),
            [application_row | {"number": f"BENCH-{number:04d}", "province_id": province.id}],
        ).scalar_one()
        agreement_id = db.session.execute(
            insert(Agreement.__table__).returning(Agreement.__table__.c.id),
            [
                agreement_row
                | {
                    "application_id": application_id,
                    "number": f"CP-BENCH-{number:04d}",
                    "verification_code": f"BENCH{number:019d}",
                }
            ],
        ).scalar_one()
        size = min(PER_AGREEMENT, WORKERS - made)
        people = [
            person_row
            | {
                "cin": f"BP{made + i:06d}",
                "cnss_number": f"{made + i + 1:09d}" if (made + i) % 3 else None,
                "last_name_fr": f"Alaoui {made + i}",
                "commune_id": commune_id,
            }
            for i in range(size)
        ]
        person_ids = db.session.execute(
            insert(Person.__table__).returning(Person.__table__.c.id, sort_by_parameter_order=True),
            people,
        ).scalars()
        contract_ids = db.session.execute(
            insert(Contract.__table__).returning(
                Contract.__table__.c.id, sort_by_parameter_order=True
            ),
            [
                contract_row
                | {
                    "person_id": person_id,
                    "agreement_id": agreement_id,
                    "application_id": application_id,
                    "component": 1,
                    "status": "validated",
                    "monthly_wage": wage,
                    "start_date": PERIOD - timedelta(days=31),
                    "planned_end": PERIOD + timedelta(days=150),
                    "actual_end": None,
                    "end_reason": None,
                    "end_note": None,
                }
                for person_id in person_ids
            ],
        ).scalars()
        statement_id = db.session.execute(
            insert(MonthlyStatement.__table__).returning(MonthlyStatement.__table__.c.id),
            [
                {
                    "application_id": application_id,
                    "agreement_id": agreement_id,
                    "province_id": province.id,
                    "period": PERIOD,
                    "status": "accepted",
                    "due_on": rules.due_on(PERIOD, 10),
                    "created_at": template.created_at,
                }
            ],
        ).scalar_one()
        lines = []
        for i, contract_id in enumerate(contract_ids):
            days, situation = (13, "IL") if i % 10 == 0 else (26, "")
            lines.append(
                {
                    "statement_id": statement_id,
                    "contract_id": contract_id,
                    "max_days": 26,
                    "days_worked": days,
                    "situation": situation,
                    "monthly_wage": wage,
                    "wage_floor": floor,
                    "wage_due": rules.wage_due(wage, days, floor),
                }
            )
        db.session.execute(insert(StatementLine.__table__), lines)
        made += size
    db.session.commit()
    return made


# The baseline: the same rows written with COPY


def copy_rows(db, count: int) -> float:
    """Seconds to write `count` rows of the file's columns to a table with COPY, committed."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_copy (reference text, agreement text, name text,"
            " cin text, cnss text, days int, situation text, amount numeric(12, 2))"
        )
        cursor.execute("TRUNCATE bench_copy")
        connection.commit()
        amount = Decimal("3266.10")
        rows = [
            (
                f"L{i}",
                f"CP-BENCH-{i // 100:04d}",
                f"ALAOUI {i} SAID",
                f"BP{i:06d}",
                "",
                26,
                "",
                amount,
            )
            for i in range(count)
        ]
        started = time.monotonic()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.monotonic() - started
    finally:
        connection.close()


# The timed part


def build_month(db) -> dict:
    """Each province's file of PERIOD, asked for and built by the worker's task; the seconds,
    the SQL statements of the builds, the files' bytes and lines."""
    from portal.auth.models import User
    from portal.geo.models import Province
    from portal.payroll import files
    from portal.payroll.models import MonthlyStatement, PayrollFile
    from portal.storage import get
    from tasks.payroll_files import build_payroll_file

    # Put the month back: the statements accepted again, the earlier files gone.
    db.session.execute(update(MonthlyStatement).values(status="accepted", payroll_file_id=None))
    db.session.execute(PayrollFile.__table__.delete())
    db.session.commit()
    staff = db.session.scalar(select(User).filter_by(email=STAFF))
    provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
    statements = []
    counter = event.listens_for(db.engine, "before_cursor_execute")(
        lambda *args: statements.append(1)
    )
    try:
        started = time.monotonic()
        ids = []
        for province in provinces:
            try:
                ids.append(files.request_file(province, PERIOD, by=staff).id)
            except files.FileRefused:
                continue
            # The message to the worker left aside: the build runs below, timed on its own.
            db.session.info.pop("portal.after_commit", None)
            db.session.commit()
        asked = time.monotonic() - started
        queries_before = len(statements)
        for file_id in ids:
            build_payroll_file.run(file_id)  # the task's body, as the worker runs it
            db.session.commit()
            db.session.expire_all()
        seconds = time.monotonic() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    built = db.session.scalars(select(PayrollFile).where(PayrollFile.id.in_(ids))).all()
    assert all(f.status == "ready" for f in built), [f.status for f in built]
    return {
        "seconds": seconds,
        "asked": asked,
        "files": len(built),
        "lines": sum(f.lines for f in built),
        "bytes": sum(len(get(f.sha256)) for f in built),
        "statements": len(statements) - queries_before,
    }


def report(results: dict) -> None:
    baseline = results["baseline"]
    print()
    print(f"A region's month: {results['lines']:,} workers, best of {ROUNDS} rounds")
    print(f"  baseline: COPY of {results['lines']:,} rows, committed   {baseline:7.3f} s")
    for adapter, figures in results["adapters"].items():
        ratio = figures["seconds"] / baseline if baseline else float("inf")
        verdict = "ok" if figures["seconds"] <= TARGET_SECONDS else "SLOW"
        print(
            f"  {adapter:15} {figures['files']} files, {figures['lines']:,} lines,"
            f" {figures['bytes'] / 1024:,.0f} KiB: {figures['seconds']:6.2f} s"
            f" (asking {figures['asked']:.2f} s; {figures['statements']} SQL statements to build)"
            f" = {ratio:,.0f}× the baseline; target ≤ {TARGET_SECONDS:.0f} s: {verdict}"
        )


if __name__ == "__main__":
    main()

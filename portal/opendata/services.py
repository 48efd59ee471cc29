"""Computing the public figures (the beat task) and reading them (the pages and files).

`refresh()` reads the published agreements and what their contracts and statements became,
applies the threshold (portal/opendata/rules.py) and writes one release: its worksite rows, its
totals and its files. Pages and files read the latest release only: a few rows whatever the
number of contracts."""

import csv
import hashlib
import io
import json
from collections import defaultdict
from datetime import date, datetime

from flask import current_app
from sqlalchemy import delete, func, select

from portal.agreements.models import Agreement, AgreementStatus
from portal.agreements.services import amount_of, dates_of
from portal.applications.models import Application, Status
from portal.beneficiaries.models import Contract, ContractStatus, EndReason
from portal.core.spreadsheets import csv_value
from portal.extensions import db
from portal.opendata import rules, schema
from portal.opendata.models import OpenDataRelease, PublicWorksite
from portal.opendata.progress import REPORTS, TIME_ELAPSED, reported_progress
from portal.payroll.models import LineOutcome, MonthlyStatement, StatementLine, StatementStatus
from portal.timeutil import local_date, utcnow

PAGE_SIZE = 20  # cards a page: their rendering, not the SQL, is what a page costs (bench-pages)
KEEP_RELEASES = 2  # the latest, and the one before for requests that began on it
# Applications whose agreement is public: issued (the committee's decision is), signed, closed.
PUBLISHED = (Status.AGREEMENT_ISSUED, Status.AGREEMENT_SIGNED, Status.CLOSED)
# The statements whose lines count a post as created (§5.2: accepted or paid).
COUNTED = (StatementStatus.ACCEPTED, StatementStatus.SENT, StatementStatus.PAID)


# Computing (beat)


def refresh(today: date | None = None) -> OpenDataRelease:
    """Compute and store a new release of the public figures; the older ones but the previous
    are deleted. Safe to run twice (each run writes a whole release)."""
    k_min = current_app.config["OPEN_DATA_K_MIN"]
    now = utcnow().replace(microsecond=0)
    today = today or local_date(now)
    rows = _worksites(k_min, today)
    release = OpenDataRelease(
        computed_at=now,
        k_min=k_min,
        worksites=len(rows),
        totals=_totals(rows),
        csv_sha256="",
        json_sha256="",
    )
    release.csv_data = csv_file(rows, now)
    release.json_data = json_file(rows, release.totals, now, k_min)
    release.csv_sha256 = hashlib.sha256(release.csv_data).hexdigest()
    release.json_sha256 = hashlib.sha256(release.json_data).hexdigest()
    db.session.add(release)
    db.session.flush()
    if rows:
        db.session.execute(
            PublicWorksite.__table__.insert(), [{**row, "release_id": release.id} for row in rows]
        )
    kept = select(OpenDataRelease.id).order_by(OpenDataRelease.id.desc()).limit(KEEP_RELEASES)
    old = db.session.scalars(select(OpenDataRelease.id).where(OpenDataRelease.id.not_in(kept)))
    old = list(old)
    if old:
        db.session.execute(delete(PublicWorksite).where(PublicWorksite.release_id.in_(old)))
        db.session.execute(delete(OpenDataRelease).where(OpenDataRelease.id.in_(old)))
    return release


def _worksites(k_min: int, today: date) -> list[dict]:
    """The published rows, ordered (province, sector, partner, identifier) and positioned."""
    agreements = db.session.execute(
        select(Agreement, Application.province_id, Application.details)
        .join(Application, Agreement.application_id == Application.id)
        .where(
            Application.status.in_(PUBLISHED),
            Agreement.status.in_((AgreementStatus.ISSUED, AgreementStatus.SIGNED)),
        )
    ).all()
    ids = [agreement.application_id for agreement, *_ in agreements]
    created = created_posts()
    completed = completed_contracts()
    spans = contract_spans()
    reported = reported_progress(ids)
    rows = []
    for agreement, province_id, details in agreements:
        application_id = agreement.application_id
        content = agreement.content
        worksite = content.get("worksite") or {}
        planned = dates_of(content)
        start, end = spans.get(application_id, (planned["planned_start"], planned["planned_end"]))
        sector = (details or {}).get("sector", "") if content["component"] == 1 else ""
        commune = str((details or {}).get("commune_id") or "")
        if application_id in reported:
            progress, basis = reported[application_id], REPORTS
        else:
            progress, basis = rules.time_elapsed(start, end, today), TIME_ELAPSED
        amount = amount_of(content)
        rows.append(
            {
                "identifier": content["number"],
                "title": worksite.get("title", "")[:300],
                "component": content["component"],
                "edition_ar": content.get("edition_ar", ""),
                "edition_fr": content.get("edition_fr", ""),
                "partner_name_ar": content["partner"]["name_ar"],
                "partner_name_fr": content["partner"]["name_fr"],
                "partner_legal_form": content["partner"]["legal_form"],
                "province_id": province_id,
                "province_ar": content["province_ar"],
                "province_fr": content["province_fr"],
                "commune_id": int(commune)
                if commune.isdigit() and worksite.get("commune_fr")
                else None,
                "commune_ar": worksite.get("commune_ar", ""),
                "commune_fr": worksite.get("commune_fr", ""),
                "sector_code": sector,
                "sector_ar": worksite.get("sector_ar", "") if sector else "",
                "sector_fr": worksite.get("sector_fr", "") if sector else "",
                "amount_awarded": amount,
                "award_date": planned["held_on"] or planned["issued_on"],
                "start_date": start,
                "end_date": end,
                "jobs_approved": rules.shown(content["jobs"], k_min),
                "jobs_created": rules.shown(created.get(application_id, 0), k_min),
                "jobs_completed": rules.shown(completed.get(application_id, 0), k_min),
                "progress_percent": progress,
                "progress_basis": basis if progress is not None else "",
            }
        )
    rows.sort(
        key=lambda r: (r["province_id"], r["sector_code"], r["partner_name_fr"], r["identifier"])
    )
    for position, row in enumerate(rows, start=1):
        row["position"] = position
    return rows


def created_posts() -> dict[int, int]:
    """{application id: jobs created}: distinct posts with at least one line of days worked in
    an accepted, sent or paid statement, the paying body's rejections aside. A replacement holds
    the post of the contract it replaces (B1-REPLACEMENT): a post counts once."""
    worked = db.session.execute(
        select(Contract.id, Contract.application_id)
        .join(StatementLine, StatementLine.contract_id == Contract.id)
        .join(MonthlyStatement, StatementLine.statement_id == MonthlyStatement.id)
        .where(
            MonthlyStatement.status.in_(COUNTED),
            StatementLine.days_worked > 0,
            func.coalesce(StatementLine.outcome, "") != LineOutcome.REJECTED,
        )
        .distinct()
    ).all()
    replaced = dict(
        db.session.execute(
            select(Contract.id, Contract.replaced_contract_id).where(
                Contract.replaced_contract_id.is_not(None)
            )
        ).all()
    )

    def post(contract_id: int) -> int:
        seen = set()
        while contract_id in replaced and contract_id not in seen:
            seen.add(contract_id)
            contract_id = replaced[contract_id]
        return contract_id

    posts = defaultdict(set)
    for contract_id, application_id in worked:
        posts[application_id].add(post(contract_id))
    return {application_id: len(ids) for application_id, ids in posts.items()}


def completed_contracts() -> dict[int, int]:
    """{application id: contracts ended as completed}."""
    return dict(
        db.session.execute(
            select(Contract.application_id, func.count())
            .where(
                Contract.status == ContractStatus.ENDED,
                Contract.end_reason == EndReason.COMPLETED,
            )
            .group_by(Contract.application_id)
        ).all()
    )


def contract_spans() -> dict[int, tuple[date, date]]:
    """{application id: (first contract's start, last contract's end)}, refused ones aside."""
    end = func.coalesce(Contract.actual_end, Contract.planned_end)
    return {
        application_id: (start, last)
        for application_id, start, last in db.session.execute(
            select(Contract.application_id, func.min(Contract.start_date), func.max(end))
            .where(Contract.status != ContractStatus.REFUSED)
            .group_by(Contract.application_id)
        )
    }


def _totals(rows: list[dict]) -> dict:
    """The region's, each province's, each commune's and each sector's totals, with their names
    (the pages read them from here, not from the rows)."""
    provinces, sectors, communes = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in rows:
        provinces[row["province_id"]].append(row)
        if row["sector_code"]:
            sectors[row["sector_code"]].append(row)
        if row["commune_id"]:
            communes[row["commune_id"]].append(row)
    return {
        "region": rules.totals(rows),
        "components": {
            str(c): rules.totals([r for r in rows if r["component"] == c]) for c in (1, 2)
        },
        "provinces": [
            {
                "id": province_id,
                "name_ar": group[0]["province_ar"],
                "name_fr": group[0]["province_fr"],
                **rules.totals(group),
            }
            for province_id, group in sorted(provinces.items())
        ],
        "communes": [
            {
                "id": commune_id,
                "province_id": group[0]["province_id"],
                "name_ar": group[0]["commune_ar"],
                "name_fr": group[0]["commune_fr"],
                **rules.totals(group),
            }
            for commune_id, group in sorted(
                communes.items(), key=lambda item: item[1][0]["commune_fr"]
            )
        ],
        "sectors": [
            {
                "code": code,
                "name_ar": group[0]["sector_ar"],
                "name_fr": group[0]["sector_fr"],
                **rules.totals(group),
            }
            for code, group in sorted(sectors.items(), key=lambda item: item[1][0]["sector_fr"])
        ],
    }


# The files


def _record(row: dict, computed_at: datetime) -> dict:
    """A row as the schema's fields, in their order."""
    record = {name: row.get(name) for name in schema.NAMES}
    record["currency"] = "MAD"
    for measure in rules.MEASURES:
        record[f"{measure}_below_threshold"] = row[measure] is None
    record["last_modified"] = computed_at.isoformat() + "Z"
    return record


def csv_file(rows: list[dict], computed_at: datetime) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets then read Arabic), the schema's columns in its
    order, ISO dates, no value a spreadsheet would take for a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(schema.NAMES)
    for row in rows:
        record = _record(row, computed_at)
        writer.writerow(
            [
                ("true" if value else "false")
                if isinstance(value, bool)
                else ("" if value is None else csv_value(value))
                for value in record.values()
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def json_file(rows: list[dict], totals: dict, computed_at: datetime, k_min: int) -> bytes:
    config = current_app.config
    document = {
        "schema": f"{config['PUBLIC_BASE_URL']}/open-data/",
        "version": schema.VERSION,
        "publisher": config["OPEN_DATA_PUBLISHER"],
        "licence": {"name": config["OPEN_DATA_LICENCE"], "url": config["OPEN_DATA_LICENCE_URL"]},
        "computed_at": computed_at.isoformat() + "Z",
        "threshold": k_min,
        "totals": totals,
        "worksites": [_record(row, computed_at) for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, default=_json_value, indent=1).encode()


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return float(value)  # Decimal amounts


# Reading (pages)


def latest_release() -> OpenDataRelease | None:
    return db.session.scalar(select(OpenDataRelease).order_by(OpenDataRelease.id.desc()).limit(1))


def file_data(release: OpenDataRelease, kind: str) -> bytes:
    """The release's `kind` file ("csv" or "json"), read only when the client lacks it."""
    column = OpenDataRelease.csv_data if kind == "csv" else OpenDataRelease.json_data
    return db.session.scalar(select(column).where(OpenDataRelease.id == release.id))


def worksites_page(release: OpenDataRelease, *, after: int = 0, **where) -> list[PublicWorksite]:
    """A page of the release's rows of a province (`province_id=`), commune (`commune_id=`) or
    sector (`sector_code=`),
    after the position `after`; one more than a page tells there is a next one."""
    return db.session.scalars(
        select(PublicWorksite)
        .filter_by(release_id=release.id, **where)
        .where(PublicWorksite.position > after)
        .order_by(PublicWorksite.position)
        .limit(PAGE_SIZE + 1)
    ).all()


def group_of(release: OpenDataRelease, kind: str, key) -> dict | None:
    """The totals of one province (`kind` = "provinces", key its id), commune ("communes", its
    id) or sector ("sectors", its code) in the release, None if it has no published worksite."""
    field = "code" if kind == "sectors" else "id"
    return next((g for g in release.totals.get(kind, []) if g[field] == key), None)

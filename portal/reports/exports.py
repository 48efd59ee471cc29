"""Exports of a call's applications to XLSX and CSV, built by the worker with progress."""

import csv
import io
from datetime import timedelta

from flask import current_app
from openpyxl import Workbook
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from portal import storage
from portal.applications.models import Application, Status
from portal.applications.queue import scope
from portal.audit.services import mask, record
from portal.auth.models import Role, User
from portal.calls.models import Call
from portal.committees.models import Decision
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.queue import enqueue
from portal.reports.models import Export, ExportStatus
from portal.review.models import Review
from portal.timeutil import utcnow

TASK = "build_export"
BATCH = 200
HEADERS = [
    "number",
    "organisation_ar",
    "organisation_fr",
    "legal_form",
    "province",
    "component",
    "status",
    "eligibility",
    "jobs_requested",
    "jobs_granted",
    "review_total",
    "recommendation",
    "decision",
    "ice",
    "rc",
    "cnss_affiliation",
]
IDENTIFIERS = ("ice", "rc", "cnss_affiliation")


def request_export(call: Call, fmt: str, *, by: User) -> Export:
    export = Export(call_id=call.id, format=fmt, requested_by_id=by.id)
    db.session.add(export)
    db.session.flush()
    record("report.export_requested", actor=by, obj=export, after={"call": call.id, "format": fmt})
    db.session.commit()
    enqueue(TASK, export.id)
    return export


def sees_identifiers(user: User) -> bool:
    """The secretariat and admins need registration numbers in full; others see them masked."""
    return user.has_role(Role.SECRETARIAT, Role.ADMIN)


def build(export_id: int) -> str:
    """Claim the export and write its file; safe to run twice (a claimed export is skipped)."""
    claimed = db.session.execute(
        update(Export)
        .where(Export.id == export_id, Export.status == ExportStatus.PENDING)
        .values(status=ExportStatus.RUNNING, claimed_at=utcnow(), progress=0)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    export = db.session.get(Export, export_id)
    user = db.session.get(User, export.requested_by_id)
    call = db.session.get(Call, export.call_id)
    ids = db.session.scalars(
        select(Application.id)
        .where(Application.call_id == call.id, scope(user))
        .order_by(Application.number)
    ).all()
    rows = []
    for start in range(0, len(ids), BATCH):  # a batch at a time, committing the progress
        rows += _rows(call, user, ids[start : start + BATCH])
        export.progress = min(99, int(len(rows) * 100 / max(len(ids), 1)))
        db.session.commit()
    data = _xlsx(rows) if export.format == "xlsx" else _csv(rows)
    export.sha256 = storage.put(data)
    export.rows = len(rows)
    export.filename = f"applications-call-{call.id}.{export.format}"
    export.progress, export.status, export.finished_at = 100, ExportStatus.DONE, utcnow()
    db.session.commit()
    return "done"


def _rows(call: Call, user: User, ids: list[int]) -> list[list]:
    full = sees_identifiers(user)
    reviews = {
        r.application_id: r
        for r in db.session.scalars(
            select(Review).where(Review.application_id.in_(ids), Review.active.is_(True))
        )
    }
    decisions = {
        d.application_id: d
        for d in db.session.scalars(
            select(Decision).where(Decision.application_id.in_(ids)).order_by(Decision.id)
        )
    }
    query = (
        select(Application)
        .join(Application.organisation)
        .join(Application.province)
        .options(contains_eager(Application.organisation), contains_eager(Application.province))
        .where(Application.id.in_(ids))
        .order_by(Application.number)
    )
    rows = []
    for application in db.session.scalars(query):
        organisation: Organisation = application.organisation
        review, decision = reviews.get(application.id), decisions.get(application.id)
        identifiers = {name: getattr(organisation, name) for name in IDENTIFIERS}
        if not full:
            identifiers = {name: mask(value) for name, value in identifiers.items()}
        rows.append(
            [
                application.number,
                organisation.name_ar,
                organisation.name_fr,
                organisation.legal_form,
                application.province.name_fr,
                application.component,
                Status(application.status).value,
                application.eligibility_outcome,
                application.jobs_requested,
                application.jobs_granted,
                review.total if review else None,
                review.recommendation if review else None,
                decision.outcome if decision else None,
                *identifiers.values(),
            ]
        )
    return rows


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("applications")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheets read Arabic


def sweep() -> int:
    """Re-queue exports left pending, and reclaim those whose worker died while building."""
    now = utcnow()
    config = current_app.config
    stuck = now - timedelta(seconds=config["SWEEP_SENDING_AFTER_SECONDS"])
    db.session.execute(
        update(Export)
        .where(Export.status == ExportStatus.RUNNING, Export.claimed_at < stuck)
        .values(status=ExportStatus.PENDING)
    )
    due = now - timedelta(seconds=config["SWEEP_PENDING_AFTER_SECONDS"])
    ids = db.session.scalars(
        select(Export.id).where(Export.status == ExportStatus.PENDING, Export.created_at <= due)
    ).all()
    db.session.commit()
    for export_id in ids:
        enqueue(TASK, export_id)
    return len(ids)

"""Exports of a call's applications to XLSX and CSV, built by the worker with progress.

Staff read the file in their own language: headers, statuses, outcomes, components, provinces,
legal forms, recommendations and decisions named as the pages name them, dates as dates. The
machine codes stay beside them for those who filter and script: a "codes" sheet in the XLSX
(the same rows, machine headers), extra columns at the end of the CSV.

Names come from applicants, so no value may become a formula in a spreadsheet: every string
is a string cell in the XLSX, and in the CSV a value starting with = + - @ tab or carriage
return gets a leading single quote (portal.core.spreadsheets).
"""

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext, to_user_timezone
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from portal import storage
from portal.access import Role
from portal.applications.models import Application
from portal.applications.presenters import (
    application_status_label,
    component_label,
    decision_label,
    outcome_label,
    recommendation_label,
)
from portal.applications.queue import scope
from portal.audit.services import mask, record
from portal.auth.models import User
from portal.calls.models import Call
from portal.committees.models import CommitteeSession, Decision
from portal.core import jobs
from portal.core.spreadsheets import cells, csv_value
from portal.core.uow import after_commit
from portal.extensions import db
from portal.i18n import localized, text_direction
from portal.organisations.forms import legal_form_label
from portal.organisations.models import Organisation
from portal.reports.models import Export, ExportStatus
from portal.review.models import Review
from portal.timeutil import utcnow

TASK = "build_export"
BATCH = 200
# Each column's machine name (the "codes" sheet's header) and the header staff read.
COLUMNS = {
    "number": _l("Number"),
    "organisation_ar": _l("Name in Arabic"),
    "organisation_fr": _l("Name in French"),
    "legal_form": _l("Legal form"),
    "province": _l("Province"),
    "component": _l("Component"),
    "status": _l("Status"),
    "eligibility": _l("Eligibility"),
    "submitted_on": _l("First submitted"),
    "jobs_requested": _l("Jobs requested"),
    "jobs_granted": _l("Jobs granted"),
    "review_total": _l("Review total"),
    "recommendation": _l("Recommendation"),
    "decision": _l("Decision"),
    "decided_on": _l("Decision date"),
    "ice": _l("ICE"),
    "rc": _l("Trade register number (RC)"),
    "cnss_affiliation": _l("CNSS affiliation number"),
}
# The coded columns' labels, from where the pages take theirs (a province shows its name).
LABELS = {
    "legal_form": legal_form_label,
    "component": component_label,
    "status": application_status_label,
    "eligibility": outcome_label,
    "recommendation": recommendation_label,
    "decision": decision_label,
}
# The columns whose label is not their code: the CSV repeats their codes at its end.
CODED = [key for key in COLUMNS if key in LABELS or key == "province"]
IDENTIFIERS = ("ice", "rc", "cnss_affiliation")


def request_export(call: Call, fmt: str, *, by: User) -> Export:
    export = Export(call_id=call.id, format=fmt, requested_by_id=by.id)
    db.session.add(export)
    db.session.flush()
    record("report.export_requested", actor=by, obj=export, after={"call": call.id, "format": fmt})
    after_commit(TASK, export.id)
    return export


def sees_identifiers(user: User) -> bool:
    """The secretariat and admins need registration numbers in full; others see them masked."""
    return user.has_role(Role.SECRETARIAT, Role.ADMIN)


def build(export_id: int) -> Iterator[str]:
    """Claim the export and write its file, a step at a time: the task commits after each one
    (the claim, each batch's progress, the file), so the page shows the progress. Yields
    'running' per step, then 'done'; only 'skipped' when the export is claimed already, so
    running twice writes once."""
    if not jobs.claim(Export, export_id):
        yield "skipped"
        return
    yield "running"
    export = db.session.get(Export, export_id)
    user = db.session.get(User, export.requested_by_id)
    call = db.session.get(Call, export.call_id)
    ids = db.session.scalars(
        select(Application.id)
        .where(Application.call_id == call.id, scope(user))
        .order_by(Application.number)
    ).all()
    rows = []
    with force_locale(user.locale):  # the file speaks the language of the one who asked
        for start in range(0, len(ids), BATCH):  # a batch at a time, committing the progress
            rows += _rows(user, ids[start : start + BATCH])
            export.progress = min(99, int(len(rows) * 100 / max(len(ids), 1)))
            yield "running"
        data = _xlsx(rows) if export.format == "xlsx" else _csv(rows)
    export.sha256 = storage.put(data)
    export.rows = len(rows)
    export.filename = f"applications-call-{call.id}.{export.format}"
    export.progress, export.status, export.finished_at = 100, ExportStatus.DONE, utcnow()
    yield "done"


def _rows(user: User, ids: list[int]) -> list[tuple[dict, dict]]:
    """Each application as its codes and, for the coded columns, the labels the pages show."""
    full = sees_identifiers(user)
    reviews = {
        r.application_id: r
        for r in db.session.scalars(
            select(Review).where(Review.application_id.in_(ids), Review.active.is_(True))
        )
    }
    decisions = {
        decision.application_id: (decision, held_on)
        for decision, held_on in db.session.execute(
            select(Decision, CommitteeSession.held_on)
            .join(Decision.session)
            .where(Decision.application_id.in_(ids))
            .order_by(Decision.id)
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
        review = reviews.get(application.id)
        decision, decided_on = decisions.get(application.id, (None, None))
        identifiers = {name: getattr(organisation, name) for name in IDENTIFIERS}
        if not full:
            identifiers = {name: mask(value) for name, value in identifiers.items()}
        submitted_at = application.first_submitted_at
        codes = {
            "number": application.number,
            "organisation_ar": organisation.name_ar,
            "organisation_fr": organisation.name_fr,
            "legal_form": organisation.legal_form,
            "province": application.province.name_fr,
            "component": application.component,
            "status": application.status,
            "eligibility": application.eligibility_outcome,
            "submitted_on": to_user_timezone(submitted_at).date() if submitted_at else None,
            "jobs_requested": application.jobs_requested,
            "jobs_granted": application.jobs_granted,
            "review_total": review.total if review else None,
            "recommendation": review.recommendation if review else None,
            "decision": decision.outcome if decision else None,
            "decided_on": decided_on,
            **identifiers,
        }
        labels = {key: label(codes[key]) if codes[key] else None for key, label in LABELS.items()}
        labels["province"] = localized(application.province)
        rows.append((codes, labels))
    return rows


def _headers() -> list[str]:
    return [str(title) for title in COLUMNS.values()]


def _shown(codes: dict, labels: dict) -> list:
    return [labels[key] if key in labels else codes[key] for key in COLUMNS]


def _xlsx(rows: list[tuple[dict, dict]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Applications"))
    sheet.sheet_view.rightToLeft = text_direction() == "rtl"
    sheet.freeze_panes = "A2"
    sheet.append(cells(sheet, _headers(), "labels"))
    for codes, labels in rows:
        sheet.append(cells(sheet, _shown(codes, labels), "labels"))
    codes_sheet = workbook.create_sheet("codes")
    codes_sheet.freeze_panes = "A2"
    codes_sheet.append(cells(codes_sheet, list(COLUMNS), "codes"))
    for codes, _labels in rows:
        codes_sheet.append(cells(codes_sheet, [codes[key] for key in COLUMNS], "codes"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[tuple[dict, dict]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(_headers() + list(CODED))
    for codes, labels in rows:
        values = _shown(codes, labels) + [codes[key] for key in CODED]
        writer.writerow([csv_value(value) for value in values])
    return text.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheets read Arabic


def sweep() -> int:
    """Re-queue exports left pending, and reclaim those whose worker died while building."""
    return jobs.sweep(Export, TASK)


def expire(now: datetime | None = None) -> int:
    """Remove the files of exports built `RETENTION_EXPORTS_DAYS` ago or more (law 09-08: a
    working copy of applicants' data kept no longer than needed); their rows stay, expired, so
    the page says what there was. Claimed with a compare-and-set: safe to run twice, or at
    once. How many expired; the caller commits."""
    now = now or utcnow()
    cut = now - timedelta(days=current_app.config["RETENTION_EXPORTS_DAYS"])
    built = dict(
        db.session.execute(
            select(Export.id, Export.sha256).where(
                Export.status == ExportStatus.DONE, Export.finished_at <= cut
            )
        ).all()
    )
    if not built:
        return 0
    claimed = db.session.scalars(
        update(Export)
        .where(Export.id.in_(built), Export.status == ExportStatus.DONE)
        .values(status=ExportStatus.EXPIRED, sha256=None)
        .returning(Export.id)
        .execution_options(synchronize_session=False)
    ).all()
    storage.discard_unreferenced(built[i] for i in claimed if built[i])
    return len(claimed)

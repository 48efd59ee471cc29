"""The visits' pages, for the province's secretariat and technical committee: the list by
province, an agreement's visits (made against required, planning), a visit (recording it on a
phone, its photos, its follow-up)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.access import Role, authorize, can, staff_required
from portal.agreements.models import Agreement
from portal.agreements.services import current_agreement
from portal.applications import pages
from portal.auth.models import User
from portal.core.scope import MANAGERS
from portal.documents.inspection import UploadRefused
from portal.documents.photos import EXTENSIONS
from portal.extensions import db
from portal.forms import ActionForm
from portal.geo.models import Province
from portal.i18n import current_language
from portal.monitoring import services, staff_bp
from portal.monitoring.forms import PhotosForm, PlanForm, RecordForm
from portal.monitoring.models import MonitoringVisit, VisitPhoto, VisitStatus
from portal.storage import send
from portal.timeutil import local_date

SEES = (Role.SECRETARIAT, Role.TECHNICAL_COMMITTEE, Role.ADMIN)

REFUSALS = {
    "not_signed": _l("Visits are planned on a signed agreement."),
    "not_inspector": _l(
        "Choose an inspector of the province's secretariat or technical committee."
    ),
    "not_planned": _l("This visit is already recorded."),
    "not_done": _l("Photos are added to a visit once it is recorded."),
    "future": _l("A visit is recorded once it is done: the day cannot be after today."),
    "no_follow_up": _l("A follow-up needs both what to do and the day it is due by."),
    "follow_up_before": _l("The follow-up is due on or after the day of the visit."),
    "too_many_photos": _l("Too many photos for one visit."),
}
PHOTO_REFUSALS = {
    "too_large": _l("A photo is too large. Take it again at a lower resolution."),
    "empty": _l("A photo is empty."),
    "type": _l("Only JPEG, PNG and WebP photos are accepted."),
    "disguised": _l("A photo also contains web-page code, which the portal refuses."),
    "image_too_large": _l("A photo has too many pixels."),
    "image_unreadable": _l("A photo is damaged. Take it again."),
}


def refusal_message(reason: str) -> str:
    return str(REFUSALS.get(reason, reason))


def _visit(visit_id: int, action: str = "view") -> MonitoringVisit:
    return authorize(action, services.visit_with_photos(visit_id))


def _uploads(field) -> list[bytes]:
    return [f.read() for f in (field.data or []) if getattr(f, "filename", "")]


# The list by province


@staff_bp.get("/")
@staff_required(*SEES)
def visits():
    provinces = [
        p
        for p in db.session.scalars(select(Province).order_by(Province.id))
        if current_user.has_role(Role.ADMIN) or p.id in current_user.province_ids
    ]
    chosen = request.args.get("province", type=int)
    chosen = chosen if any(p.id == chosen for p in provinces) else None
    return render_template(
        "monitoring/visits.html",
        provinces=provinces,
        chosen=chosen,
        lists=services.visit_lists(current_user, chosen),
        today=local_date(),
    )


# An agreement's visits


def _plan_form(agreement: Agreement) -> PlanForm:
    form = PlanForm()
    form.set_inspectors(services.inspectors_for(agreement.application))
    return form


def _agreement_page(agreement: Agreement, form: PlanForm | None = None, status: int = 200):
    visits = services.visits_of(agreement.application_id)
    may_plan = can(current_user, "plan_visit", agreement)
    return render_template(
        "monitoring/agreement_visits.html",
        agreement=agreement,
        application=agreement.application,
        visits=visits,
        count=services.worksite_count(agreement.application, visits),
        per_month=services.monitoring_settings(agreement.application)["visits_per_worksite"],
        form=form or (_plan_form(agreement) if may_plan else None),
        today=local_date(),
    ), status


@staff_bp.get("/agreements/<int:agreement_id>")
@staff_required(*SEES)
def agreement_visits(agreement_id: int):
    return _agreement_page(authorize("visits", db.session.get(Agreement, agreement_id)))


@staff_bp.post("/agreements/<int:agreement_id>")
@staff_required(*MANAGERS)
def plan_visit(agreement_id: int):
    agreement = authorize("plan_visit", db.session.get(Agreement, agreement_id))
    form = _plan_form(agreement)
    if not form.validate_on_submit():
        return _agreement_page(agreement, form, 400)
    inspector = db.session.get(User, form.inspector.data)  # one of the form's choices
    try:
        visit = services.plan_visit(agreement, form.planned_on.data, inspector, by=current_user)
    except services.VisitRefused as refusal:
        form.inspector.errors = [refusal_message(refusal.reason)]
        return _agreement_page(agreement, form, 400)
    flash(_("The visit is planned."), "success")
    return redirect(url_for("monitoring_staff.visit", visit_id=visit.id))


# A visit


def _record_form(visit: MonitoringVisit) -> RecordForm:
    settings = services.monitoring_settings(visit.application)
    if request.method == "POST":
        form = RecordForm()
    else:
        day = min(visit.planned_on, local_date())
        form = RecordForm(
            data={
                "done_on": day,
                "declared": services.declared_headcount(visit.application_id, day),
            }
        )
    form.set_checklist(settings["checklist"], current_language())
    return form


def _visit_page(visit: MonitoringVisit, form=None, photos_form=None, status: int = 200):
    may_record = can(current_user, "record", visit)
    settings = services.monitoring_settings(visit.application)
    return render_template(
        "monitoring/visit.html",
        visit=visit,
        application=visit.application,
        form=form or (_record_form(visit) if may_record else None),
        photos_form=photos_form
        or (PhotosForm() if can(current_user, "add_photos", visit) else None),
        action_form=ActionForm(),
        may_close=can(current_user, "close_follow_up", visit),
        settings=settings,
        today=local_date(),
    ), status


@staff_bp.route("/<int:visit_id>", methods=["GET", "POST"])
@staff_required(*SEES)
def visit(visit_id: int):
    if request.method == "GET":
        return _visit_page(_visit(visit_id))
    visit = _visit(visit_id, "record")
    form = _record_form(visit)
    if not form.validate_on_submit():
        return _visit_page(visit, form, status=400)
    done = services.VisitRecord(
        done_on=form.done_on.data,
        declared=form.declared.data,
        present=form.present.data,
        checked=set(form.checked.data or []),
        findings=form.findings.data or "",
        follow_up=form.follow_up.data or "",
        follow_up_due=form.follow_up_due.data,
        photos=_uploads(form.photos),
    )
    try:
        services.record_visit(visit, done, by=current_user)
    except UploadRefused as refusal:
        form.photos.errors = [str(PHOTO_REFUSALS.get(refusal.reason, refusal.reason))]
        return _visit_page(visit, form, status=400)
    except services.VisitRefused as refusal:
        target = {"future": form.done_on, "too_many_photos": form.photos}.get(
            refusal.reason, form.follow_up_due
        )
        target.errors = [refusal_message(refusal.reason)]
        return _visit_page(visit, form, status=400)
    if visit.headcount_flagged:
        flash(
            _(
                "The visit is recorded. The head count differs from the contracts: the month's "
                "statement is flagged for review."
            ),
            "warning",
        )
    else:
        flash(_("The visit is recorded."), "success")
    return redirect(url_for("monitoring_staff.visit", visit_id=visit.id))


@staff_bp.post("/<int:visit_id>/photos")
@staff_required(*SEES)
def add_photos(visit_id: int):
    visit = _visit(visit_id, "add_photos")
    form = PhotosForm()
    if not form.validate_on_submit():
        return _visit_page(visit, photos_form=form, status=400)
    try:
        services.add_photos(visit, _uploads(form.photos), by=current_user)
    except UploadRefused as refusal:
        form.photos.errors = [str(PHOTO_REFUSALS.get(refusal.reason, refusal.reason))]
        return _visit_page(visit, photos_form=form, status=400)
    except services.VisitRefused as refusal:
        form.photos.errors = [refusal_message(refusal.reason)]
        return _visit_page(visit, photos_form=form, status=400)
    flash(_("The photos are added."), "success")
    return redirect(url_for("monitoring_staff.visit", visit_id=visit.id, _anchor="photos"))


@staff_bp.post("/<int:visit_id>/follow-up")
@staff_required(*SEES)
def close_follow_up(visit_id: int):
    visit = _visit(visit_id, "close_follow_up")
    if not ActionForm().validate_on_submit():
        abort(400)
    services.close_follow_up(visit, by=current_user)
    flash(_("The follow-up is marked as done."), "success")
    return redirect(url_for("monitoring_staff.visit", visit_id=visit.id))


@staff_bp.get("/photos/<int:photo_id>")
@staff_required(*SEES)
def photo(photo_id: int):
    """The copy without metadata: shown in the page, or downloaded."""
    photo = db.session.get(VisitPhoto, photo_id)
    authorize("view", photo.visit if photo else None)
    name = f"visit-{photo.visit_id}-{photo.id}.{EXTENSIONS[photo.content_type]}"
    return send(
        photo.sha256,
        name=name,
        mimetype=photo.content_type,
        inline=request.args.get("download") is None,
    )


# The application's page: a link to the agreement's visits.


@pages.STAFF.part
def visits_part(application) -> dict:
    if application.status not in services.RUNNING:  # no query for the pages before it
        return {"visits_link": None}
    agreement = current_agreement(application)
    if agreement is None or not can(current_user, "visits", agreement):
        return {"visits_link": None}
    return {
        "visits_link": {
            "agreement_id": agreement.id,
            "planned": db.session.scalar(
                select(db.func.count(MonitoringVisit.id)).where(
                    MonitoringVisit.application_id == application.id,
                    MonitoringVisit.status == VisitStatus.PLANNED,
                )
            ),
        }
    }


@staff_bp.app_template_global()
def visit_status_label(status: str) -> str:
    return VisitStatus.label_of(status)

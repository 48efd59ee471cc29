"""The partner's reports: opened per phase and at the end, written, illustrated, submitted and
certified; and the close-out checklist on the application's page."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import authorize, can, login_required
from portal.applications import pages
from portal.applications.models import Application
from portal.closeout import bp, services
from portal.closeout.forms import OpenReportForm, PhotoForm, ReportForm
from portal.closeout.models import FINAL, ReportStatus, WorkReport, WorkReportPhoto
from portal.documents.inspection import UploadRefused
from portal.extensions import db
from portal.forms import ActionForm
from portal.organisations.views import UPLOAD_ERRORS
from portal.storage import send


@bp.app_template_global()
def report_status_label(status: str) -> str:
    return ReportStatus.label_of(status)


@bp.app_template_global()
def report_title(report_or_phase) -> str:
    """ "Progress report of phase 2", or "Final report"."""
    phase = getattr(report_or_phase, "phase", report_or_phase)
    number = phase if isinstance(phase, int) else phase.number
    if number == FINAL:
        return _("Final report")
    return _("Progress report of phase %(num)s", num=number)


def _application(application_id: int, action: str) -> Application:
    return authorize(action, db.session.get(Application, application_id))


def _report(report_id: int, action: str = "view") -> WorkReport:
    return authorize(action, services.with_photos(report_id))


def _open_form(slots) -> OpenReportForm:
    form = OpenReportForm()
    form.set_phases(
        [
            (slot.phase.number if slot.phase else FINAL, report_title(slot.phase or FINAL))
            for slot in slots
            if slot.openable
        ]
    )
    return form


@bp.get("/applications/<int:application_id>/reports")
@login_required
def reports(application_id: int):
    application = _application(application_id, "reports")
    slots = services.slots(application)
    may_open = can(current_user, "open_report", application)
    return render_template(
        "closeout/reports.html",
        application=application,
        slots=slots,
        may_open=may_open and any(slot.openable for slot in slots),
        open_form=_open_form(slots) if may_open else None,
    )


@bp.post("/applications/<int:application_id>/reports")
@login_required
def open_report(application_id: int):
    application = _application(application_id, "open_report")
    form = _open_form(services.slots(application))
    if not form.validate_on_submit():
        flash(services.refusal_message("no_phase"), "error")
        return redirect(url_for("closeout.reports", application_id=application.id))
    try:
        report = services.open_report(application, int(form.phase.data), by=current_user)
    except services.ReportRefused as refusal:
        flash(services.refusal_message(refusal.reason), "error")
        return redirect(url_for("closeout.reports", application_id=application.id))
    flash(_("The report is open. Write it, add photos, then an editor submits it."), "success")
    return redirect(url_for("closeout.report", report_id=report.id))


def _report_page(report: WorkReport, form=None, photo_form=None, status: int = 200):
    may_write = can(current_user, "write", report)
    if form is None and may_write:
        form = ReportForm(
            data={
                "progress": report.progress,
                "narrative": report.narrative,
                "language": report.language,
            }
        )
    return render_template(
        "closeout/report.html",
        report=report,
        application=report.application,
        form=form if may_write else None,
        photo_form=(photo_form or PhotoForm()) if may_write else None,
        action_form=ActionForm(),
        may_write=may_write,
        may_submit=can(current_user, "submit", report),
        may_certify=can(current_user, "certify", report),
        max_photos=services.closeout_settings(report.application)["max_photos"],
    ), status


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def report(report_id: int):
    report = _report(report_id, "write" if request.method == "POST" else "view")
    if request.method == "GET":
        return _report_page(report)
    form = ReportForm()
    if not form.validate_on_submit():
        return _report_page(report, form, status=400)
    try:
        services.write(
            report,
            progress=form.progress.data,
            narrative=form.narrative.data or "",
            language=form.language.data,
            by=current_user,
        )
    except services.ReportRefused as refusal:
        flash(services.refusal_message(refusal.reason), "error")
    else:
        flash(_("The report is saved."), "success")
    return redirect(url_for("closeout.report", report_id=report.id))


@bp.post("/reports/<int:report_id>/photos")
@login_required
def add_photo(report_id: int):
    report = _report(report_id, "write")
    form = PhotoForm()
    if not form.validate_on_submit():
        return _report_page(report, photo_form=form, status=400)
    try:
        services.add_photo(report, form.photo.data.read(), form.caption.data, by=current_user)
    except UploadRefused as refusal:
        message = (
            services.refusal_message("not_a_photo")
            if refusal.reason in ("type", "not_a_photo")
            else UPLOAD_ERRORS[refusal.reason]()
        )
        form.photo.errors = [message]
        return _report_page(report, photo_form=form, status=400)
    except services.ReportRefused as refusal:
        form.photo.errors = [services.refusal_message(refusal.reason)]
        return _report_page(report, photo_form=form, status=400)
    flash(_("The photo is added, without its camera's details."), "success")
    return redirect(url_for("closeout.report", report_id=report.id, _anchor="photos"))


def _photo(report: WorkReport, photo_id: int) -> WorkReportPhoto:
    photo = next((p for p in report.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return photo


@bp.post("/reports/<int:report_id>/photos/<int:photo_id>/remove")
@login_required
def remove_photo(report_id: int, photo_id: int):
    report = _report(report_id, "write")
    photo = _photo(report, photo_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove_photo(report, photo, by=current_user)
    flash(_("The photo is removed."), "success")
    return redirect(url_for("closeout.report", report_id=report.id, _anchor="photos"))


@bp.get("/reports/<int:report_id>/photos/<int:photo_id>")
@login_required
def photo(report_id: int, photo_id: int):
    photo = _photo(_report(report_id), photo_id)
    extension = "png" if photo.content_type == "image/png" else "jpg"
    return send(
        photo.sha256, name=f"photo-{photo.id}.{extension}", mimetype=photo.content_type, inline=True
    )


def _transition(report_id: int, action: str, change, done: str):
    report = _report(report_id, action)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change(report, by=current_user)
    except services.ReportRefused as refusal:
        flash(services.refusal_message(refusal.reason), "error")
    else:
        flash(done, "success")
    return redirect(url_for("closeout.report", report_id=report.id))


@bp.post("/reports/<int:report_id>/submit")
@login_required
def submit(report_id: int):
    return _transition(
        report_id,
        "submit",
        services.submit,
        _("The report is submitted. The owner of the organisation certifies it next."),
    )


@bp.post("/reports/<int:report_id>/certify")
@login_required
def certify(report_id: int):
    return _transition(
        report_id,
        "certify",
        services.certify,
        _("The report is certified and sent to the secretariat."),
    )


# The application's page: the reports and the close-out checklist, once the agreement is signed.


@pages.APPLICANT.part
@pages.STAFF.part
def closeout_part(application) -> dict:
    if application.status not in services.WITH_REPORTS:  # no query for the pages before it
        return {"closeout": None}
    if not can(current_user, "reports", application):
        return {"closeout": None}
    may_close = can(current_user, "close", application)
    return {
        "closeout": {
            "checklist": services.checklist(application),
            "closed": application.closed_at,
            "may_close": may_close and application.status != "closed",
            "close_form": ActionForm() if may_close else None,
        }
    }

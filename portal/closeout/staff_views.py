"""The secretariat's side: the certified reports to accept or return, and the closing."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import authorize, can, staff_required
from portal.applications.models import Application
from portal.closeout import services, staff_bp
from portal.closeout.forms import ReturnReportForm
from portal.closeout.models import WorkReport
from portal.core.scope import MANAGERS
from portal.extensions import db
from portal.forms import ActionForm


def _report(report_id: int, action: str = "view") -> WorkReport:
    return authorize(action, services.with_photos(report_id))


@staff_bp.get("/reports")
@staff_required(*MANAGERS)
def reports_to_accept():
    return render_template("closeout/staff_reports.html", waiting=services.to_accept(current_user))


def _staff_page(report: WorkReport, return_form=None, status: int = 200):
    return render_template(
        "closeout/staff_report.html",
        report=report,
        application=report.application,
        action_form=ActionForm(),
        return_form=return_form or ReturnReportForm(),
        may_decide=can(current_user, "accept", report),
    ), status


@staff_bp.get("/reports/<int:report_id>")
@staff_required()
def report(report_id: int):
    return _staff_page(_report(report_id))


@staff_bp.post("/reports/<int:report_id>/accept")
@staff_required(*MANAGERS)
def accept(report_id: int):
    report = _report(report_id, "accept")
    if not ActionForm().validate_on_submit():
        abort(400)
    services.accept(report, by=current_user)
    flash(_("The report is accepted. The organisation is told."), "success")
    return redirect(url_for("closeout_staff.reports_to_accept"))


@staff_bp.post("/reports/<int:report_id>/return")
@staff_required(*MANAGERS)
def return_report(report_id: int):
    report = _report(report_id, "return")
    form = ReturnReportForm()
    if not form.validate_on_submit():
        return _staff_page(report, form, 400)
    services.return_(report, form.reason.data, by=current_user)
    flash(_("The report is returned to the organisation with your reason."), "success")
    return redirect(url_for("closeout_staff.reports_to_accept"))


@staff_bp.post("/applications/<int:application_id>/close")
@staff_required(*MANAGERS)
def close(application_id: int):
    application = authorize("close", db.session.get(Application, application_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.close(application, by=current_user)
    except services.ReportRefused as refusal:
        flash(services.refusal_message(refusal.reason), "error")
        for problem in refusal.problems:
            flash(problem, "error")
    else:
        flash(_("The agreement is closed. The organisation is told."), "success")
    return redirect(url_for("applications_staff.show", application_id=application.id))

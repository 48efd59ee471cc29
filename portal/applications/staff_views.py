"""Back office: the queue of applications and the staff's view of one application."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import Role, authorize, can, staff_required
from portal.applications import pages, queue, services, staff_bp
from portal.applications.dossier import dossier_response
from portal.applications.forms import ChangeRequestForm
from portal.applications.lifecycle import TransitionRefused
from portal.applications.models import Application
from portal.applications.presenters import present_report
from portal.core.integers import db_int, page_arg
from portal.extensions import db


def _filters() -> queue.Filters:
    args = request.args
    status = args.get("status") if args.get("status") in queue.STATUSES else None
    outcome = (
        args.get("outcome") if args.get("outcome") in ("pass", "fail", "needs_review") else None
    )
    return queue.Filters(
        call=args.get("call", type=db_int),
        component=args.get("component", type=db_int),
        province=args.get("province", type=db_int),
        status=status,
        outcome=outcome,
        q=args.get("q", "")[:100],
        flagged=args.get("flagged") == "1",
        sort=args.get("sort", "updated"),
        page=page_arg(args),
        after=args.get("after", "")[:300] or None,
        before=args.get("before", "")[:300] or None,
    )


@staff_bp.get("/")
@staff_required()
def list_applications():
    filters = _filters()
    calls, provinces = queue.choices(current_user)
    by_status, by_province = queue.sums(queue.counts(current_user, filters), filters)
    return render_template(
        "applications/staff_queue.html",
        filters=filters,
        page=queue.page(current_user, filters, queue.total(by_status, filters)),
        counts=by_status,
        province_counts=by_province,
        calls=calls,
        provinces=provinces,
        statuses=queue.STATUSES,
        sorts=list(queue.SORTS),
    )


@staff_bp.get("/<int:application_id>")
@staff_required()
def show(application_id: int):
    return staff_page(authorize("view", db.session.get(Application, application_id)))


def staff_page(application: Application, status: int = 200, **forms):
    """The staff's page of an application; `forms` replace the panel's empty forms (a refused
    form is shown again with what was typed and its errors)."""
    submission = services.latest_submission(application)
    if submission is None:
        abort(404)
    report = submission.reports[-1] if submission.reports else None
    return render_template(
        "applications/staff_show.html",
        application=application,
        submission=submission,
        data=submission.data,
        timeline=services.timeline(application),
        report=present_report(
            {"outcome": report.outcome, "results": report.effective_results()}, submission.data
        )
        if report
        else None,
        documents=services.application_documents(application),
        grant=services.grant_for(submission.data),
        **(
            {
                "change_form": ChangeRequestForm()
                if can(current_user, "request_changes", application)
                else None
            }
            | pages.STAFF.context(application)
            | forms
        ),
    ), status


@staff_bp.post("/<int:application_id>/changes")
@staff_required(Role.SECRETARIAT, Role.TECHNICAL_COMMITTEE)
def request_changes(application_id: int):
    application = authorize("request_changes", db.session.get(Application, application_id))
    form = ChangeRequestForm()
    if not form.validate_on_submit():
        return staff_page(application, status=400, change_form=form)
    try:
        services.request_changes(application, form.what.data, form.deadline.data, by=current_user)
    except TransitionRefused:
        flash(_("Changes cannot be requested in the application's current status."), "error")
    else:
        flash(_("The applicant is asked for the changes."), "success")
    return redirect(url_for("applications_staff.show", application_id=application.id))


@staff_bp.get("/<int:application_id>/dossier.pdf")
@staff_required()
def dossier(application_id: int):
    return dossier_response(authorize("view", db.session.get(Application, application_id)))

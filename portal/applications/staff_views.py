"""Back office: the queue of applications and the staff's view of one application."""

from flask import abort, render_template, request

from portal.access import authorize, staff_required
from portal.agreements import services as agreements
from portal.applications import queue, services, staff_bp
from portal.applications.dossier import dossier_response
from portal.applications.models import Application
from portal.applications.presenters import present_report
from portal.extensions import db


def _filters() -> queue.Filters:
    args = request.args
    status = args.get("status") if args.get("status") in queue.STATUSES else None
    outcome = (
        args.get("outcome") if args.get("outcome") in ("pass", "fail", "needs_review") else None
    )
    return queue.Filters(
        call=args.get("call", type=int),
        component=args.get("component", type=int),
        province=args.get("province", type=int),
        status=status,
        outcome=outcome,
        q=args.get("q", "")[:100],
        flagged=args.get("flagged") == "1",
        sort=args.get("sort", "updated"),
        page=args.get("page", 1, type=int),
    )


@staff_bp.get("/")
@staff_required()
def list_applications():
    from flask_login import current_user

    filters = _filters()
    calls, provinces = queue.choices(current_user)
    counts = queue.counts_by_status(current_user, filters)
    return render_template(
        "applications/staff_queue.html",
        filters=filters,
        page=queue.page(current_user, filters, queue.total(counts, filters)),
        counts=counts,
        calls=calls,
        provinces=provinces,
        statuses=queue.STATUSES,
        sorts=list(queue.SORTS),
    )


@staff_bp.get("/<int:application_id>")
@staff_required()
def show(application_id: int):
    application = authorize("view", db.session.get(Application, application_id))
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
        agreement=agreements.current_agreement(application),
        **review_panel(application),
    )


@staff_bp.get("/<int:application_id>/dossier.pdf")
@staff_required()
def dossier(application_id: int):
    return dossier_response(authorize("view", db.session.get(Application, application_id)))


def review_panel(application: Application) -> dict:
    """What the staff member may do on this application, with the forms for it."""
    from flask_login import current_user

    from portal.access import can
    from portal.review import services as review
    from portal.review.forms import ChangeRequestForm, CommentForm, FlagForm
    from portal.review.staff_views import assign_form, override_form

    return {
        "assign_form": assign_form(application)
        if can(current_user, "assign", application)
        else None,
        "can_review": can(current_user, "review", application),
        "change_form": ChangeRequestForm()
        if can(current_user, "request_changes", application)
        else None,
        "comment_form": CommentForm(),
        "flag_form": FlagForm(data={"reason": application.flag}),
        "override_form": override_form(application)
        if can(current_user, "override", application)
        else None,
        "comments": review.comments(application),
        "active_review": review.active_review(application),
        "changes": review.changes_between(application),
    }

"""Back office actions on one application: assign, review, request changes, comment."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.access import Role, authorize, can, staff_required
from portal.applications import pages
from portal.applications import services as applications
from portal.applications.lifecycle import TransitionRefused
from portal.applications.models import Application
from portal.auth.models import User
from portal.extensions import db
from portal.forms import PLACEHOLDER
from portal.review import services, staff_bp
from portal.review.forms import (
    AssignForm,
    CommentForm,
    FlagForm,
    OverrideForm,
    review_form,
)


def _application(application_id: int, action: str) -> Application:
    return authorize(action, db.session.get(Application, application_id))


def _back(application: Application):
    return redirect(url_for("applications_staff.show", application_id=application.id))


def assign_form(application: Application) -> AssignForm:
    form = AssignForm()
    form.reviewer.choices = [PLACEHOLDER] + [
        SelectChoice(str(u.id), u.full_name) for u in services.reviewers_for(application)
    ]
    return form


@staff_bp.post("/<int:application_id>/assign")
@staff_required(Role.SECRETARIAT, Role.ADMIN)
def assign(application_id: int):
    application = _application(application_id, "assign")
    form = assign_form(application)
    if form.validate_on_submit():
        reviewer = db.session.get(User, int(form.reviewer.data))
        try:
            services.assign(application, reviewer, by=current_user)
        except (services.NotAssignable, TransitionRefused):
            flash(_("This person cannot review this application."), "error")
        else:
            flash(_("%(name)s reviews the application.", name=reviewer.full_name), "success")
    else:
        flash(_("Choose a member of the technical committee."), "error")
    return _back(application)


@staff_bp.route("/<int:application_id>/review", methods=["GET", "POST"])
@staff_required(Role.TECHNICAL_COMMITTEE)
def review(application_id: int):
    application = _application(application_id, "review")
    current = services.active_review(application)
    grid = application.call.edition.parameters.get("scoring", [])
    cls = review_form(grid)
    initial = {
        "note": current.note,
        "recommendation": current.recommendation,
        "no_conflict": current.no_conflict_declared_at is not None,
    }
    for code, value in (current.scores or {}).items():
        initial |= {f"score_{code}": value.get("score"), f"why_{code}": value.get("note")}
    form = cls(data=initial)
    if not form.validate_on_submit():
        return _render(application, current, form, grid)
    hand_in = "submit_review" in request.form
    try:
        services.save_review(
            application,
            current,
            no_conflict=form.no_conflict.data,
            scores={
                c["code"]: {
                    "score": form[f"score_{c['code']}"].data,
                    "note": form[f"why_{c['code']}"].data,
                }
                for c in grid
            },
            note=form.note.data or "",
            recommendation=form.recommendation.data or None,
            hand_in=hand_in,
            by=current_user,
        )
    except services.ConflictNotDeclared:
        form.no_conflict.errors.append(_("Declare that you have no conflict of interest first."))
        return _render(application, current, form, grid), 400
    except services.RecommendationMissing:
        form.recommendation.errors.append(_("Choose a recommendation."))
        return _render(application, current, form, grid), 400
    except TransitionRefused:
        flash(_("The application cannot be recommended in its current status."), "error")
        return _back(application)
    if hand_in:
        flash(_("The recommendation is recorded."), "success")
        return _back(application)
    flash(_("The scores are saved."), "success")
    return redirect(url_for("review.review", application_id=application.id))


def _render(application, current, form, grid):
    return render_template(
        "review/review.html",
        application=application,
        review=current,
        form=form,
        grid=grid,
        changes=services.changes_between(application),
    )


def override_form(application: Application) -> OverrideForm:
    form = OverrideForm()
    submission = applications.latest_submission(application)
    rules = submission.reports[-1].results if submission and submission.reports else []
    form.rule.choices = [PLACEHOLDER] + [SelectChoice(r["rule"], r["rule"]) for r in rules]
    return form


@staff_bp.post("/<int:application_id>/override")
@staff_required(Role.SECRETARIAT, Role.TECHNICAL_COMMITTEE, Role.ADMIN)
def override(application_id: int):
    application = _application(application_id, "override")
    form = override_form(application)
    if form.validate_on_submit():
        services.override_rule(
            application, form.rule.data, form.outcome.data, form.reason.data, by=current_user
        )
        flash(_("The rule's result is changed; the overall result is recomputed."), "success")
    else:
        flash(_("Choose the rule and the new result, and give the reason."), "error")
    return _back(application)


@staff_bp.post("/<int:application_id>/flag")
@staff_required()
def flag(application_id: int):
    application = _application(application_id, "comment")
    form = FlagForm()
    if form.validate_on_submit():
        services.set_flag(application, (form.reason.data or "").strip(), by=current_user)
    return _back(application)


@staff_bp.post("/<int:application_id>/comments")
@staff_required()
def add_comment(application_id: int):
    application = _application(application_id, "comment")
    form = CommentForm()
    if form.validate_on_submit():
        services.comment(application, form.body.data, by=current_user)
    else:
        abort(400)
    return _back(application)


@pages.STAFF.part
def review_part(application: Application) -> dict:
    """What the staff member may do on this application in the review, with the forms for it."""
    return {
        "assign_form": assign_form(application)
        if can(current_user, "assign", application)
        else None,
        "can_review": can(current_user, "review", application),
        "comment_form": CommentForm(),
        "flag_form": FlagForm(data={"reason": application.flag}),
        "override_form": override_form(application)
        if can(current_user, "override", application)
        else None,
        "comments": services.comments(application),
        "active_review": services.active_review(application),
        "changes": services.changes_between(application),
    }

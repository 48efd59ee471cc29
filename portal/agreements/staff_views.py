"""Back office: an application's agreement versions; confirm the signed copy, amend, revoke."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from portal.access import authorize, can, staff_required
from portal.agreements import services, staff_bp
from portal.agreements.models import Agreement
from portal.applications import pages
from portal.calls.services import QuotaExceeded
from portal.eligibility.engine import MAX_HIRES_PER_POST
from portal.extensions import db
from portal.forms import REQUIRED, ActionForm, PortalForm

A_COUNT = [InputRequired(_l("This field is required.")), NumberRange(0, MAX_HIRES_PER_POST)]


class AmendForm(PortalForm):
    """Component 1: the workers; component 2: the hires of each post, the jobs their sum."""

    reason = TextAreaField(_l("Reason of the amendment"), [REQUIRED, Length(max=2000)])

    def counts(self) -> list[int]:
        return [self[f"post_{i}"].data for i in range(len(self.posts))]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.posts and sum(self.counts()) < 1:
            self.post_0.errors.append(_("An amendment grants at least one hire."))
            return False
        return True


def amend_form(agreement: Agreement, *, posted: bool = False) -> AmendForm:
    """The amendment form of `agreement`: what was posted, or the version's figures."""
    content = agreement.content
    posts = (content.get("grant") or {}).get("posts", []) if content["component"] == 2 else []

    class Form(AmendForm):
        pass

    Form.posts = posts
    if posts:
        for i, post in enumerate(posts):
            setattr(Form, f"post_{i}", IntegerField(post["title"], A_COUNT))
        data = {f"post_{i}": post["count"] for i, post in enumerate(posts)}
    else:
        Form.jobs = IntegerField(
            _l("Jobs granted"),
            [InputRequired(_l("This field is required.")), NumberRange(1, 10_000)],
        )
        data = {"jobs": content.get("jobs")}
    return Form() if posted else Form(formdata=None, data=data)


class RevokeForm(PortalForm):
    reason = TextAreaField(_l("Reason of the revocation"), [REQUIRED, Length(max=2000)])


def _agreement(agreement_id: int, action: str = "view") -> Agreement:
    return authorize(action, db.session.get(Agreement, agreement_id))


def _page(agreement: Agreement, form=None, revoke_form=None, status: int = 200):
    application = agreement.application
    return render_template(
        "agreements/staff_show.html",
        agreement=agreement,
        application=application,
        versions=services.versions(application),
        amend_form=form or amend_form(agreement),
        revoke_form=revoke_form or RevokeForm(),
        action_form=ActionForm(),
        may_manage=can(current_user, "amend", agreement),
        grouped=services.grouped,
        amount=services.amount_of(agreement.content),
    ), status


@staff_bp.get("/<int:agreement_id>")
@staff_required()
def show(agreement_id: int):
    return _page(_agreement(agreement_id))


@staff_bp.post("/<int:agreement_id>/confirm")
@staff_required(*services.MANAGERS)
def confirm_signed(agreement_id: int):
    agreement = _agreement(agreement_id, "confirm_signed")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.confirm_signed(agreement, by=current_user)
    except services.NotReady:
        flash(_("There is no signed copy to confirm on this version."), "error")
    else:
        flash(_("The signed agreement is confirmed and the partner is told."), "success")
    return redirect(url_for("agreements_staff.show", agreement_id=agreement.id))


@staff_bp.post("/<int:agreement_id>/amend")
@staff_required(*services.MANAGERS)
def amend(agreement_id: int):
    agreement = _agreement(agreement_id, "amend")
    form = amend_form(agreement, posted=True)
    if not form.validate_on_submit():
        return _page(agreement, form=form, status=400)
    try:
        newer = services.amend(
            agreement,
            form.reason.data,
            by=current_user,
            jobs=None if form.posts else form.jobs.data,
            post_counts=form.counts() if form.posts else None,
        )
    except services.NotReady:
        flash(_("Only the current version of an agreement can be amended."), "error")
        return redirect(url_for("agreements_staff.show", agreement_id=agreement.id))
    except QuotaExceeded as refusal:
        flash(
            ngettext(
                "%(num)s job asked but only %(remaining)s left in the province for this "
                "agreement. Nothing was changed.",
                "%(num)s jobs asked but only %(remaining)s left in the province for this "
                "agreement. Nothing was changed.",
                refusal.asked,
                remaining=refusal.remaining,
            ),
            "error",
        )
        return _page(db.session.get(Agreement, agreement_id), form=form, status=409)
    flash(_("A new version of the agreement is being prepared."), "success")
    return redirect(url_for("agreements_staff.show", agreement_id=newer.id))


@staff_bp.post("/<int:agreement_id>/revoke")
@staff_required(*services.MANAGERS)
def revoke(agreement_id: int):
    agreement = _agreement(agreement_id, "revoke")
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(agreement, revoke_form=form, status=400)
    try:
        services.revoke(agreement, form.reason.data, by=current_user)
    except services.NotReady:
        flash(_("Only the current version of an agreement can be revoked."), "error")
    else:
        flash(_("The agreement is revoked and the partner is told."), "success")
    return redirect(url_for("agreements_staff.show", agreement_id=agreement.id))


@pages.STAFF.part
def agreement_part(application) -> dict:
    return {"agreement": services.current_agreement(application)}

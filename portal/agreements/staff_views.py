"""Back office: an application's agreement versions; confirm the signed copy, amend, revoke."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange

from portal.access import authorize, can, staff_required
from portal.agreements import services, staff_bp
from portal.agreements.models import Agreement
from portal.auth.forms import REQUIRED, ActionForm
from portal.extensions import db


class AmendForm(FlaskForm):
    jobs = IntegerField(_l("Jobs granted"), [REQUIRED, NumberRange(0, 10_000)])
    reason = TextAreaField(_l("Reason of the amendment"), [REQUIRED, Length(max=2000)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason of the revocation"), [REQUIRED, Length(max=2000)])


def _agreement(agreement_id: int, action: str = "view") -> Agreement:
    return authorize(action, db.session.get(Agreement, agreement_id))


def _page(agreement: Agreement, amend_form=None, revoke_form=None, status: int = 200):
    application = agreement.application
    return render_template(
        "agreements/staff_show.html",
        agreement=agreement,
        application=application,
        versions=services.versions(application),
        amend_form=amend_form or AmendForm(data={"jobs": agreement.content.get("jobs")}),
        revoke_form=revoke_form or RevokeForm(),
        action_form=ActionForm(),
        may_manage=can(current_user, "amend", agreement),
        grouped=services.grouped,
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
    form = AmendForm()
    if not form.validate_on_submit():
        return _page(agreement, amend_form=form, status=400)
    try:
        newer = services.amend(agreement, form.jobs.data, form.reason.data, by=current_user)
    except services.NotReady:
        flash(_("Only the current version of an agreement can be amended."), "error")
        return redirect(url_for("agreements_staff.show", agreement_id=agreement.id))
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

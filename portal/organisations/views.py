from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from portal.access import authorize, can, login_required
from portal.audit.labels import audit_label
from portal.audit.services import organisation_history
from portal.documents import services as documents
from portal.documents.inspection import UploadRefused
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.forms import PLACEHOLDER, ActionForm
from portal.geo.models import Province
from portal.i18n import localized
from portal.organisations import bp, services
from portal.organisations.forms import (
    DocumentForm,
    InviteForm,
    JoinForm,
    OrganisationForm,
    legal_form_label,
)
from portal.organisations.models import JoinRequest, Membership, Organisation

UPLOAD_ERRORS = {
    "too_large": lambda: _(
        "The file is larger than 10 MB. Scan it at a lower resolution or split it."
    ),
    "empty": lambda: _("The file is empty."),
    "type": lambda: _("Only PDF, JPEG and PNG files are accepted."),
    "active_content": lambda: _(
        "This PDF contains JavaScript, actions or attached files, which the portal refuses. "
        'Open it and print it to a new PDF ("Save as PDF"), then send that copy.'
    ),
    "unreadable": lambda: _(
        "The PDF is damaged or protected by a password. Save it again as a plain PDF, then send "
        "the new copy."
    ),
    "disguised": lambda: _(
        "This file also contains web-page code, which the portal refuses. Save it again from the "
        "program that made it, then send the new copy."
    ),
    "image_too_large": lambda: _(
        "The image has too many pixels. Scan it again at 300 dpi or less, then send the new copy."
    ),
    "image_unreadable": lambda: _(
        "The image is damaged. Save it again as JPEG or PNG, then send the new copy."
    ),
}


def _organisation(organisation_id: int, action: str = "view") -> Organisation:
    return authorize(action, db.session.get(Organisation, organisation_id))


def _organisation_form(**kwargs) -> OrganisationForm:
    form = OrganisationForm(**kwargs)
    form.set_places(db.session.scalars(select(Province).order_by(Province.id)).all())
    return form


def _duplicate_error(form: OrganisationForm, duplicate: services.DuplicateIdentifier) -> None:
    form[duplicate.field].errors.append(
        _("This number already belongs to %(name)s.", name=duplicate.organisation.name_fr)
    )
    form.duplicate = duplicate.organisation
    form.join_token = services.join_token(duplicate.organisation, current_user)


bp.add_app_template_global(audit_label, "audit_label")
bp.add_app_template_global(legal_form_label, "legal_form_label")


@bp.get("/")
@login_required
def list_organisations():
    return render_template(
        "organisations/list.html",
        organisations=services.organisations_of(current_user),
        requests=services.pending_requests_of(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if current_user.is_staff:
        abort(403)
    form = _organisation_form()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(form.data_for_service(), by=current_user)
        except services.DuplicateIdentifier as duplicate:
            _duplicate_error(form, duplicate)
        else:
            flash(_("The organisation is created. Now add its documents."), "success")
            return redirect(url_for("organisations.profile", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.get("/<int:organisation_id>")
@login_required
def profile(organisation_id: int):
    organisation = _organisation(organisation_id)
    return _render_profile(organisation, DocumentForm(kind=request.args.get("kind")))


def _kind_choices(checklist) -> list[SelectChoice]:
    return [PLACEHOLDER] + [
        SelectChoice(item.kind.code, localized(item.kind))
        for group in checklist.values()
        for item in group
    ]


def _render_profile(organisation: Organisation, upload_form: DocumentForm, status: int = 200):
    checklist = documents.checklist(organisation)
    upload_form.kind.choices = _kind_choices(checklist)
    return render_template(
        "organisations/profile.html",
        organisation=organisation,
        checklist=checklist,
        upload_form=upload_form,
        warnings=services.identifier_warnings(organisation),
        can_edit=can(current_user, "edit", organisation),
        can_manage=can(current_user, "manage", organisation),
    ), status


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    organisation = _organisation(organisation_id, "edit")
    form = _organisation_form(obj=organisation)
    if form.validate_on_submit():
        try:
            services.update_organisation(organisation, form.data_for_service(), by=current_user)
        except services.DuplicateIdentifier as duplicate:
            _duplicate_error(form, duplicate)
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("organisations.profile", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=organisation)


@bp.post("/<int:organisation_id>/documents")
@login_required
def upload_document(organisation_id: int):
    organisation = _organisation(organisation_id, "edit")
    form = DocumentForm()
    form.kind.choices = _kind_choices(documents.checklist(organisation))
    if form.validate_on_submit():
        kind = db.session.scalar(select(DocumentKind).filter_by(code=form.kind.data))
        if kind.expires and form.valid_until.data is None:
            form.valid_until.errors.append(
                _("Give the date until which this certificate is valid.")
            )
        else:
            try:
                documents.add_document(
                    organisation,
                    kind,
                    form.file.data.read(),
                    filename=form.file.data.filename,
                    valid_until=form.valid_until.data,
                    by=current_user,
                )
            except UploadRefused as refusal:
                form.file.errors.append(UPLOAD_ERRORS[refusal.reason]())
            else:
                flash(_("The document is added."), "success")
                return redirect(
                    url_for(
                        "organisations.profile",
                        organisation_id=organisation.id,
                        _anchor="documents",
                    )
                )
    return _render_profile(organisation, form, status=400)


@bp.get("/<int:organisation_id>/members")
@login_required
def members(organisation_id: int):
    return _render_members(_organisation(organisation_id), InviteForm())


def _render_members(organisation: Organisation, invite_form: InviteForm, status: int = 200):
    return render_template(
        "organisations/members.html",
        organisation=organisation,
        members=services.members(organisation),
        join_requests=services.pending_join_requests(organisation),
        invitations=services.open_invitations(organisation),
        can_manage=can(current_user, "manage", organisation),
        invite_form=invite_form,
        action_form=ActionForm(),
    ), status


@bp.post("/<int:organisation_id>/invitations")
@login_required
def invite(organisation_id: int):
    organisation = _organisation(organisation_id, "manage")
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_members(organisation, form, status=400)
    services.invite(organisation, form.email.data, by=current_user)
    flash(_("The invitation is sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


def _member(organisation: Organisation, user_id: int) -> Membership:
    member = db.session.get(Membership, (organisation.id, user_id))
    if member is None:
        abort(404)
    return member


@bp.post("/<int:organisation_id>/members/<int:user_id>/remove")
@login_required
def remove_member(organisation_id: int, user_id: int):
    organisation = _organisation(organisation_id, "manage")
    member = _member(organisation, user_id)
    if ActionForm().validate_on_submit():
        if services.remove_member(organisation, member, by=current_user):
            flash(_("The member is removed."), "success")
        else:
            flash(_("Hand ownership to another member before leaving."), "error")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.post("/<int:organisation_id>/members/<int:user_id>/owner")
@login_required
def transfer_ownership(organisation_id: int, user_id: int):
    organisation = _organisation(organisation_id, "manage")
    member = _member(organisation, user_id)
    if ActionForm().validate_on_submit() and member.user_id != current_user.id:
        services.transfer_ownership(organisation, member, by=current_user)
        flash(_("%(name)s is now the owner.", name=member.user.full_name), "success")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.post("/<int:organisation_id>/join-requests/<int:request_id>")
@login_required
def decide_join_request(organisation_id: int, request_id: int):
    organisation = _organisation(organisation_id, "manage")
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None or join_request.organisation_id != organisation.id:
        abort(404)
    if ActionForm().validate_on_submit():
        approve = request.form.get("decision") == "approve"
        services.decide_join_request(join_request, approve=approve, by=current_user)
        flash(_("The request is approved.") if approve else _("The request is refused."), "success")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    organisation = services.organisation_to_join(token, current_user)
    if organisation is None:
        abort(404)
    if not can(current_user, "join", organisation):
        return redirect(url_for("organisations.profile", organisation_id=organisation.id))
    form = JoinForm()
    if form.validate_on_submit():
        services.ask_to_join(organisation, current_user, form.message.data or "")
        flash(_("Your request is sent to the owner of the organisation."), "success")
        return redirect(url_for("organisations.list_organisations"))
    return render_template("organisations/join.html", organisation=organisation, form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render_template("auth/link_invalid.html", expired=False), 404
    form = ActionForm()
    if form.validate_on_submit() and services.accept_invitation(invitation, current_user):
        flash(
            _("You are now a member of %(name)s.", name=invitation.organisation.name_fr),
            "success",
        )
        return redirect(
            url_for("organisations.profile", organisation_id=invitation.organisation_id)
        )
    return render_template(
        "organisations/invitation.html",
        invitation=invitation,
        form=form,
        matches=invitation.email == current_user.email,
    )


@bp.get("/<int:organisation_id>/history")
@login_required
def history(organisation_id: int):
    organisation = _organisation(organisation_id, "manage")
    return render_template(
        "organisations/history.html",
        organisation=organisation,
        events=organisation_history(organisation.id),
    )

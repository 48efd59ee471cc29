"""The partner's side: download the agreement, send the signed copy; the public check."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField

from portal.access import authorize, login_required, public
from portal.agreements import bp, services
from portal.agreements.models import Agreement, AgreementStatus
from portal.applications import pages
from portal.documents.inspection import UploadRefused
from portal.extensions import db, limiter
from portal.forms import PortalForm
from portal.organisations.views import UPLOAD_ERRORS
from portal.storage import send


@bp.app_template_global()
def agreement_status_label(status: str) -> str:
    return AgreementStatus.label_of(status)


class SignedCopyForm(PortalForm):
    file = FileField(
        _l("The signed and stamped agreement (PDF, JPEG or PNG, at most 10 MB)"),
        [FileRequired(message=_l("Choose a file."))],
    )


class VerifyForm(PortalForm):
    class Meta:
        csrf = False  # a read-only lookup, sent with GET

    code = StringField(_l("Verification code"))


def _agreement(agreement_id: int, action: str = "view") -> Agreement:
    return authorize(action, db.session.get(Agreement, agreement_id))


@bp.get("/agreements/<int:agreement_id>.pdf")
@login_required
def download(agreement_id: int):
    agreement = _agreement(agreement_id)
    if agreement.pdf_sha256 is None:
        flash(_("The agreement is being prepared. Come back in a minute."), "info")
        return redirect(url_for("applications.show", application_id=agreement.application_id))
    name = f"{agreement.number}-v{agreement.version}.pdf"
    return send(agreement.pdf_sha256, name=name, mimetype="application/pdf")


@bp.get("/agreements/<int:agreement_id>/signed")
@login_required
def download_signed(agreement_id: int):
    agreement = _agreement(agreement_id)
    if agreement.signed_sha256 is None:
        abort(404)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    name = f"{agreement.number}-v{agreement.version}-signed."
    name += extension.get(agreement.signed_content_type, "bin")
    return send(
        agreement.signed_sha256,
        name=name,
        mimetype=agreement.signed_content_type or "application/octet-stream",
    )


@bp.post("/agreements/<int:agreement_id>/signed")
@login_required
def upload_signed(agreement_id: int):
    agreement = _agreement(agreement_id, "upload_signed")
    form = SignedCopyForm()
    back = redirect(
        url_for("applications.show", application_id=agreement.application_id, _anchor="agreement")
    )
    if not form.validate_on_submit():
        for error in form.file.errors or [_("The form has expired. Send the file again.")]:
            flash(error, "error")
        return back
    try:
        services.upload_signed(agreement, form.file.data.read(), by=current_user)
    except UploadRefused as refusal:
        flash(UPLOAD_ERRORS[refusal.reason](), "error")
        return back
    flash(_("The signed copy is sent. The secretariat will confirm it."), "success")
    return back


@bp.get("/verify")
@public
def verify_form():
    form = VerifyForm(request.args)
    if request.args.get("code"):
        code = services.normalise_code(form.code.data)
        if code:
            return redirect(url_for("agreements.verify", code=code))
        form.code.errors = [
            _("A verification code has 16 letters and digits, like ABCD-EFGH-2345-6723.")
        ]
    return render_template("agreements/verify.html", form=form, agreement=None, checked=False)


@bp.get("/verify/<code>")
@public
@limiter.limit("30 per minute")
def verify(code: str):
    normalised = services.normalise_code(code)
    if normalised and normalised != code:
        return redirect(url_for("agreements.verify", code=normalised))
    agreement = services.find_by_code(normalised) if normalised else None
    return render_template(
        "agreements/verify.html",
        form=VerifyForm(data={"code": code}),
        agreement=agreement,
        amount=agreement and services.amount_of(agreement.content),
        dates=agreement and services.dates_of(agreement.content),
        history=services.versions(agreement.application) if agreement else [],
        checked=True,
    ), (200 if agreement else 404)


@pages.APPLICANT.part
def agreement_part(application) -> dict:
    """The application's agreement, and the form for its signed copy."""
    return {"agreement": services.current_agreement(application), "signed_form": SignedCopyForm()}

"""Certificates: the partner (and the province's staff) download them per worker or all of an
agreement's in one ZIP, which the worker builds; anyone checks one by its code, seeing no more
of the worker than a masked CIN."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import authorize, login_required, public
from portal.agreements.models import Agreement
from portal.audit.services import record
from portal.beneficiaries import bp, certificates
from portal.beneficiaries.models import CertificateArchive, Contract
from portal.core.jobs import JobStatus
from portal.extensions import db, limiter
from portal.forms import ActionForm
from portal.storage import send


@bp.app_template_global()
def certificates_for(application_id: int) -> dict:
    return certificates.certificates_of(application_id)


@bp.get("/contracts/<int:contract_id>/certificate.pdf")
@login_required
def certificate(contract_id: int):
    contract = authorize("view", db.session.get(Contract, contract_id))
    certificate = certificates.certificate_of(contract.id)
    if certificate is None or certificate.purged_at:
        abort(404)
    if certificate.pdf_sha256 is None:
        flash(_("The certificate is being prepared. Come back in a minute."), "info")
        return redirect(url_for("beneficiaries.workers", agreement_id=contract.agreement_id))
    return send(
        certificate.pdf_sha256, name=certificates.file_name(certificate), mimetype="application/pdf"
    )


@bp.post("/agreements/<int:agreement_id>/certificates/archive")
@login_required
def request_archive(agreement_id: int):
    """Ask the worker for every ready certificate in one ZIP; its page shows the progress."""
    agreement = authorize("workers", db.session.get(Agreement, agreement_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    if not certificates.ready_of(agreement.application_id):
        flash(_("No certificate is ready yet."), "info")
        return redirect(url_for("beneficiaries.workers", agreement_id=agreement.id))
    archive = certificates.request_archive(agreement, by=current_user)
    return redirect(url_for("beneficiaries.show_archive", archive_id=archive.id))


@bp.get("/certificates/archives/<int:archive_id>")
@login_required
def show_archive(archive_id: int):
    archive = authorize("view", db.session.get(CertificateArchive, archive_id))
    return render_template("beneficiaries/certificate_archive.html", archive=archive)


@bp.get("/certificates/archives/<int:archive_id>/download")
@login_required
def download_archive(archive_id: int):
    archive = authorize("view", db.session.get(CertificateArchive, archive_id))
    if archive.status != JobStatus.DONE:
        abort(404)
    record(
        "certificate.archive_downloaded",
        actor=current_user,
        obj=archive,
        organisation_id=archive.agreement.application.organisation_id,
    )
    return send(archive.sha256, name=archive.filename, mimetype="application/zip")


@bp.get("/verify/certificates/<code>")
@public
@limiter.limit("30 per minute")
def verify_certificate(code: str):
    certificate = certificates.find_by_code(code)
    if certificate is not None and certificate.verification_code != code:
        return redirect(
            url_for("beneficiaries.verify_certificate", code=certificate.verification_code)
        )
    return render_template(
        "beneficiaries/verify_certificate.html",
        certificate=certificate,
        c=certificate and certificate.content,
        dates=certificate and certificates.dates_of(certificate.content),
    ), (200 if certificate else 404)

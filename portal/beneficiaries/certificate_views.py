"""Certificates: the partner (and the province's staff) download them per worker or all of an
agreement's in one ZIP; anyone checks one by its code, seeing no more of the worker than a
masked CIN."""

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from portal.access import authorize, login_required, public
from portal.agreements.models import Agreement
from portal.beneficiaries import bp, certificates
from portal.beneficiaries.models import Contract
from portal.extensions import db, limiter
from portal.storage import send


@bp.app_template_global()
def certificates_for(application_id: int) -> dict:
    return certificates.certificates_of(application_id)


@bp.get("/contracts/<int:contract_id>/certificate.pdf")
@login_required
def certificate(contract_id: int):
    contract = authorize("view", db.session.get(Contract, contract_id))
    certificate = certificates.certificate_of(contract.id)
    if certificate is None:
        abort(404)
    if certificate.pdf_sha256 is None:
        flash(_("The certificate is being prepared. Come back in a minute."), "info")
        return redirect(url_for("beneficiaries.workers", agreement_id=contract.agreement_id))
    return send(
        certificate.pdf_sha256, name=certificates.file_name(certificate), mimetype="application/pdf"
    )


@bp.get("/agreements/<int:agreement_id>/certificates.zip")
@login_required
def certificates_zip(agreement_id: int):
    agreement = authorize("workers", db.session.get(Agreement, agreement_id))
    ready = [
        c for c in certificates.certificates_of(agreement.application_id).values() if c.pdf_sha256
    ]
    if not ready:
        flash(_("No certificate is ready yet."), "info")
        return redirect(url_for("beneficiaries.workers", agreement_id=agreement.id))
    response = send_file(
        io.BytesIO(certificates.zip_of(ready)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{agreement.number}-certificates.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


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

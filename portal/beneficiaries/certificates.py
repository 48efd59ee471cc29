"""End-of-worksite certificates (T-CERT): a contract that ends after at least the edition's
`certificate_min_days` gets one, written in the transaction that ends it, its facts frozen,
rendered once by the worker through the one PDF renderer, with a QR code to a public page that
proves it without showing more of the worker than a masked CIN. All of an agreement's ready
certificates come in one ZIP, built by the worker too (portal/core/jobs.py).

Until monthly statements exist, the days are the calendar days from the contract's start to
its end, both included, and the certificate says so (`days_basis`)."""

import io
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.access import can, policy
from portal.agreements.models import Agreement
from portal.agreements.services import grouped, new_code, normalise_code
from portal.audit.services import record
from portal.auth.models import User
from portal.beneficiaries.models import Certificate, CertificateArchive, Contract, ContractStatus
from portal.beneficiaries.services import mask_cin
from portal.calls.models import Edition
from portal.core import jobs
from portal.core.jobs import JobStatus
from portal.core.uow import after_commit
from portal.documents.rendering import in_both_languages, qr_data_uri, render_pdf
from portal.extensions import db
from portal.notifications.services import external_url
from portal.storage import get, put
from portal.timeutil import local_date, utcnow

RENDER_TASK = "render_certificate"
ARCHIVE_TASK = "build_certificate_archive"
DEFAULT_MIN_DAYS = 30
DAYS_FROM_CONTRACT_DATES = "contract_dates"
ARCHIVE_BATCH = 50  # certificates between two commits of an archive's progress  # until monthly statements give the days worked


@policy(Certificate)
def certificate_policy(user: User, action: str, certificate: Certificate) -> bool:
    """Whoever sees the contract (the employer's members, the province's staff) downloads it."""
    return action == "view" and can(user, "view", certificate.contract)


def min_days(edition: Edition) -> int:
    value = (edition.parameters.get("beneficiaries") or {}).get("certificate_min_days")
    return int(value) if value is not None else DEFAULT_MIN_DAYS


def contract_days(contract: Contract) -> int:
    """The calendar days of the contract, its first and last included."""
    return (contract.end - contract.start_date).days + 1


def verify_url(code: str) -> str:
    return external_url("beneficiaries.verify_certificate", code=code)


def certificate_of(contract_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).filter_by(contract_id=contract_id))


def issue_if_due(contract: Contract, *, by: User) -> Certificate | None:
    """The certificate of an ended contract of enough days, written once (None when too short
    or not ended); its rendering is sent after the commit. Safe to call twice."""
    if contract.status != ContractStatus.ENDED:
        return None
    edition = db.session.get(Edition, contract.edition_id)
    days = contract_days(contract)
    if days < min_days(edition):
        return None
    existing = certificate_of(contract.id)
    if existing is not None:
        return existing
    code = new_code()
    certificate = Certificate(
        contract_id=contract.id,
        verification_code=code,
        content=certificate_content(contract, code, days),
        render_enqueued_at=utcnow(),
    )
    db.session.add(certificate)
    db.session.flush()
    after_commit(RENDER_TASK, certificate.id)
    record(
        "certificate.issued",
        actor=by,
        obj=certificate,
        organisation_id=contract.organisation_id,
        after={"cin": contract.person.cin, "days": days, "code": code},
    )
    return certificate


def certificate_content(contract: Contract, code: str, days: int) -> dict:
    """What the certificate states, from the person, the contract and the agreement it was
    enrolled on: the CIN masked, never whole."""
    person, agreement = contract.person, contract.agreement
    facts = agreement.content
    worksite = facts.get("worksite") or {}
    partner = facts["partner"]
    return {
        "code": code,
        "verify_url": verify_url(code),
        "issued_on": local_date().isoformat(),
        "component": contract.component,
        "edition_ar": facts["edition_ar"],
        "edition_fr": facts["edition_fr"],
        "agreement_number": agreement.number,
        "province_ar": facts["province_ar"],
        "province_fr": facts["province_fr"],
        "partner_ar": partner["name_ar"],
        "partner_fr": partner["name_fr"],
        "worksite": worksite.get("title", ""),
        "sector_ar": worksite.get("sector_ar", ""),
        "sector_fr": worksite.get("sector_fr", ""),
        "commune_ar": worksite.get("commune_ar") or person.commune.name_ar,
        "commune_fr": worksite.get("commune_fr") or person.commune.name_fr,
        "name_ar": f"{person.first_name_ar} {person.last_name_ar}",
        "name_fr": f"{person.first_name_fr} {person.last_name_fr}",
        "cin_masked": mask_cin(person.cin),
        "role": contract.role,
        "kind": contract.kind,
        "start": contract.start_date.isoformat(),
        "end": contract.end.isoformat(),
        "end_reason": contract.end_reason,
        "days": days,
        "days_basis": DAYS_FROM_CONTRACT_DATES,
    }


def dates_of(content: dict) -> dict:
    return {key: date.fromisoformat(content[key]) for key in ("issued_on", "start", "end")}


def certificate_pdf(certificate: Certificate) -> bytes:
    content = certificate.content
    return render_pdf(
        "pdf/certificate.html",
        {
            "c": content,
            "dates": dates_of(content),
            "qr": qr_data_uri(content["verify_url"]),
            "code": grouped(content["code"]),
        },
        title=in_both_languages(
            lambda language: _(
                "End-of-worksite certificate of %(name)s", name=content[f"name_{language}"]
            )
        ),
        subject=in_both_languages(
            lambda _language: _("Agreement No. %(number)s", number=content["agreement_number"])
        ),
        keywords=(content["agreement_number"], content["cin_masked"]),
    )


def render_certificate(certificate_id: int) -> str | None:
    """Render the certificate's PDF once and store it. Safe to run twice."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.pdf_sha256 or certificate.purged_at:
        return certificate and certificate.pdf_sha256
    digest = put(certificate_pdf(certificate))
    stored = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.pdf_sha256.is_(None))
        .values(pdf_sha256=digest, rendered_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not stored:  # another worker stored it first: keep theirs
        db.session.rollback()
        return db.session.get(Certificate, certificate_id).pdf_sha256
    return digest


def sweep(older_than: timedelta | None = None) -> int:
    """Re-send the renders that a lost message or a killed worker left undone."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["RENDER_RETRY_SECONDS"])
    now = utcnow()
    stuck = db.session.scalars(
        select(Certificate.id).where(
            Certificate.pdf_sha256.is_(None),
            Certificate.purged_at.is_(None),  # its PDF was removed on purpose (portal/retention)
            Certificate.render_enqueued_at < now - older_than,
        )
    ).all()
    if stuck:
        db.session.execute(
            update(Certificate).where(Certificate.id.in_(stuck)).values(render_enqueued_at=now)
        )
    for certificate_id in stuck:
        after_commit(RENDER_TASK, certificate_id)
    return len(stuck)


# Reading


def certificates_of(application_id: int) -> dict[int, Certificate]:
    """The certificates of the application's contracts, by contract id."""
    rows = db.session.scalars(
        select(Certificate)
        .join(Certificate.contract)
        .where(Contract.application_id == application_id)
        .order_by(Certificate.id)
    ).all()
    return {row.contract_id: row for row in rows}


def find_by_code(code: str) -> Certificate | None:
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return db.session.scalar(select(Certificate).filter_by(verification_code=normalised))


def file_name(certificate: Certificate) -> str:
    content = certificate.content
    return f"{content['agreement_number']}-{content['cin_masked'].replace('•', 'x')}.pdf"


def ready_of(application_id: int) -> list[Certificate]:
    """The application's certificates whose PDF is rendered."""
    return [c for c in certificates_of(application_id).values() if c.pdf_sha256]


# Every certificate of an agreement in one ZIP, built by the worker


@policy(CertificateArchive)
def archive_policy(user: User, action: str, archive: CertificateArchive) -> bool:
    """The one who asked, while they still see the agreement's workers."""
    return (
        action == "view"
        and archive.requested_by_id == user.id
        and can(user, "workers", archive.agreement)
    )


def request_archive(agreement: Agreement, *, by: User) -> CertificateArchive:
    """The row of the ZIP to build; the worker builds it after the commit."""
    archive = CertificateArchive(agreement_id=agreement.id, requested_by_id=by.id)
    db.session.add(archive)
    db.session.flush()
    record(
        "certificate.archive_requested",
        actor=by,
        obj=archive,
        organisation_id=agreement.application.organisation_id,
        after={"agreement": agreement.number},
    )
    after_commit(ARCHIVE_TASK, archive.id)
    return archive


def build_archive(archive_id: int) -> Iterator[str]:
    """Claim the archive and write the ZIP of the certificates ready, a step at a time (the task
    commits after each: the claim, the progress, the file). Yields 'running' per step, then
    'done'; only 'skipped' when claimed already, so running twice writes once."""
    if not jobs.claim(CertificateArchive, archive_id):
        yield "skipped"
        return
    yield "running"
    archive = db.session.get(CertificateArchive, archive_id)
    agreement = archive.agreement
    ready = ready_of(agreement.application_id)
    buffer = io.BytesIO()
    # Stored, not compressed: a PDF is compressed already.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zipped:
        for at, certificate in enumerate(ready, start=1):
            zipped.writestr(
                f"{certificate.id:06d}-{file_name(certificate)}", get(certificate.pdf_sha256)
            )
            if at % ARCHIVE_BATCH == 0:
                archive.progress = min(99, at * 100 // len(ready))
                yield "running"
    archive.sha256 = put(buffer.getvalue())
    archive.certificates = len(ready)
    archive.filename = f"{agreement.number}-certificates.zip"
    archive.progress, archive.status, archive.finished_at = 100, JobStatus.DONE, utcnow()
    yield "done"


def sweep_archives() -> int:
    """Re-send the archives a lost message left pending, and those a dead worker left running."""
    return jobs.sweep(CertificateArchive, ARCHIVE_TASK)

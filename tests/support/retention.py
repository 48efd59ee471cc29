"""Closed agreements of a given age, with what the retention job purges: workers with their
identity, a certificate, a payroll file with its returns, an application document, the signed
copy, the applicants' accounts."""

import random
from collections import Counter
from datetime import date

from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.agreements.services import new_code
from portal.applications.models import Application
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.beneficiaries import certificates
from portal.beneficiaries import services as beneficiaries
from portal.beneficiaries.models import Certificate, Contract, Person
from portal.documents.models import Document, DocumentKind
from portal.eligibility.workers import age_on
from portal.extensions import db
from portal.payroll.models import MonthlyStatement, PayrollFile
from portal.retention.services import add_months
from portal.storage import put
from portal.timeutil import utcnow
from tests.support.beneficiaries import enrol, new_cin, signed_agreement

# Who the workers are: one aged 24 the day before their birthday at the start (1 March 2027:
# a birth year alone would make them 25), a woman with a disability card, a man of 45.
WORKERS = (
    {"sex": "male", "birth_date": date(2002, 3, 2), "education_level": "none"},
    {
        "sex": "female",
        "birth_date": date(1990, 11, 20),
        "education_level": "higher",
        "disability_card_no": "H-778812",
    },
    {"sex": "male", "birth_date": date(1981, 1, 15), "education_level": "vocational"},
)
BANDS = ((18, 24), (25, 34), (35, 44), (45, 200))


def age_band(age: int) -> str:
    low, high = next(band for band in BANDS if band[0] <= age <= band[1])
    return f"{low}+" if high == 200 else f"{low}-{high}"


def closed_agreement(
    app, *, months_ago: int | None, province: str = "Sidi Ifni", with_payroll_file: bool = False
):
    """A signed agreement with the three WORKERS enrolled and validated (phones, CNSS numbers),
    a certificate of the first (its PDF a stored file), a document of the application and the
    signed copy (and, asked for, a payroll file of its month with its returns), closed out
    `months_ago` months ago (None: left open); the owner and the editor last signed in then.
    What the tests look at, by id."""
    side = signed_agreement(app, province=province, jobs=len(WORKERS) + 1)
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        side.cins, side.person_ids, side.contract_ids = [], [], []
        for worker in WORKERS:
            cin = new_cin()
            contract = enrol(
                side,
                cin,
                phone="0612345678",
                cnss_number=f"{random.randint(100_000_000, 999_999_999)}",
                anapec_registration_date=date(2026, 1, 5),
                **worker,
            ).contract
            beneficiaries.validate(contract, by=staff)
            side.cins.append(cin)
            side.person_ids.append(contract.person_id)
            side.contract_ids.append(contract.id)
        first = db.session.get(Contract, side.contract_ids[0])
        code = new_code()
        certificate = Certificate(
            contract_id=first.id,
            verification_code=code,
            content=certificates.certificate_content(first, code, 184),
            pdf_sha256=put(f"%PDF-1.7 certificate of {side.cins[0]}".encode()),
            rendered_at=utcnow(),
        )
        db.session.add(certificate)
        kind = db.session.scalar(select(DocumentKind).order_by(DocumentKind.id).limit(1))
        application = db.session.get(Application, side.application_id)
        body = f"%PDF-1.7 proof for {side.cins[1]}".encode()
        document = Document(
            organisation_id=side.organisation_id,
            application_id=application.id,
            kind_id=kind.id,
            sha256=put(body),
            filename=f"cin-{side.cins[1]}.pdf",
            content_type="application/pdf",
            size=len(body),
            uploaded_by_id=side.owner.id,
        )
        db.session.add(document)
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application.id))
        if with_payroll_file:
            side.payroll_file_id, side.payroll_blobs = payroll_file(side, agreement, staff)
        if months_ago is not None:
            application.status = "closed"
            application.closed_at = add_months(utcnow(), -months_ago)
            for user_id in (side.owner.id, side.editor.id):
                user = db.session.get(User, user_id)
                user.created_at = user.last_login_at = application.closed_at
        db.session.commit()
        side.closed_at = application.closed_at
        side.number = agreement.number
        side.agreement_pdf = agreement.pdf_sha256
        side.signed_copy = agreement.signed_sha256
        side.certificate_id, side.code = certificate.id, code
        side.certificate_pdf = certificate.pdf_sha256
        side.document_id, side.document_sha = document.id, document.sha256
    return side


def payroll_file(side, agreement, staff) -> tuple[int, tuple[str, str]]:
    """A built payroll file of the agreement's paid month, with returns; its id, its file's
    and its returns' digests."""
    built = PayrollFile(
        number=f"PF-{new_code()}",
        province_id=side.province_id,
        period=date(2027, 3, 1),
        adapter="statement_csv",
        status="ready",
        lines=len(WORKERS),
        created_by_id=staff.id,
        sha256=put(";".join(side.cins).encode()),
        content_type="text/csv",
        filename="payroll.csv",
        returns=[{"sha256": put(f"returns {side.cins[2]}".encode()), "paid": 3}],
    )
    db.session.add(built)
    db.session.flush()
    db.session.add(
        MonthlyStatement(
            application_id=agreement.application_id,
            agreement_id=agreement.id,
            province_id=side.province_id,
            period=date(2027, 3, 1),
            status="paid",
            due_on=date(2027, 4, 5),
            payroll_file_id=built.id,
        )
    )
    return built.id, (built.sha256, built.returns[0]["sha256"])


def aggregates(application_ids) -> Counter:
    """What the statistics count of the applications' contracts: sex, age band at the
    start, education, commune, disability."""
    rows = db.session.execute(
        select(Contract.start_date, Person)
        .join(Person, Person.id == Contract.person_id)
        .where(Contract.application_id.in_(application_ids))
    ).all()
    return Counter(
        (
            person.sex,
            age_band(age_on(person.birth_date, start)),
            person.education_level,
            person.commune_id,
            bool(person.disability_card_no),
        )
        for start, person in rows
    )


def audit_rows(object_type: str, ids) -> list[tuple]:
    return [
        (e.id, e.action, e.object_id, e.before, e.after, e.created_at)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))
            .order_by(AuditEvent.id)
        )
    ]

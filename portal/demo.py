"""Demo data for `make run`: staff per role, an applicant with two organisations, open calls.

Known passwords and authenticator keys, so a newcomer can try every side of the portal on a
laptop. `flask seed-demo` never creates them in production.
"""

import io
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from pypdf import PdfWriter
from sqlalchemy import select

from portal.access import Role
from portal.agreements.models import Agreement
from portal.agreements.services import (
    confirm_signed,
    current_agreement,
    render_agreement,
    upload_signed,
    write_agreement,
)
from portal.applications.lifecycle import rebuild_counts
from portal.applications.models import Application, Status, Submission
from portal.applications.services import snapshot
from portal.auth.models import User
from portal.auth.services import create_staff, hasher
from portal.beneficiaries.certificates import certificate_of, render_certificate
from portal.beneficiaries.models import Contract, Person
from portal.beneficiaries.services import end_contract, enrol, validate
from portal.calls.models import Call
from portal.closeout import services as closeout
from portal.documents.models import Document, DocumentKind
from portal.documents.services import add_document
from portal.extensions import db
from portal.geo.models import Province
from portal.monitoring import services as visits
from portal.organisations.models import MemberRole, Membership, Organisation
from portal.organisations.services import create_organisation
from portal.payroll import statements
from portal.payroll.rules import period_of
from portal.timeutil import local_date, utcnow
from portal.wages import minimum_wage

PASSWORD = "demo-password-2026"  # noqa: S105
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
STAFF = [
    ("secretariat@demo.awrach.ma", "Secrétariat ANAPEC (démo)", Role.SECRETARIAT),
    ("technical@demo.awrach.ma", "Comité technique (démo)", Role.TECHNICAL_COMMITTEE),
    ("committee@demo.awrach.ma", "Comité de décision (démo)", Role.COMMITTEE_MEMBER),
    ("admin@demo.awrach.ma", "Administration (démo)", Role.ADMIN),
]
APPLICANT = "applicant@demo.awrach.ma"
EDITOR = "editor@demo.awrach.ma"  # the association's editor, who submits its statements
ORGANISATIONS = [
    {
        "legal_form": "association",
        "name_ar": "جمعية الأمل للتنمية (تجريبية)",
        "name_fr": "Association Al Amal pour le développement (démo)",
        "province": "Sidi Ifni",
        "association_receipt_no": "DEMO-SI-2015-001",
        "address": "حي السلام، سيدي إفني",
        "legal_representative": "Hassan Ouali",
    },
    {
        "legal_form": "company",
        "name_ar": "شركة الواحة (تجريبية)",
        "name_fr": "Société Al Waha (démo)",
        "province": "Tan-Tan",
        "ice": "001561191000066",
        "rc": "4521",
        "cnss_affiliation": "7654321",
        "address": "شارع محمد الخامس، طانطان",
        "legal_representative": "Mbarek Lahbib",
    },
]


def seed_staff(province_ids: list[int]) -> list[tuple[str, str]]:
    for email, name, role in STAFF:
        create_staff(
            email=email,
            full_name=name,
            roles=[role],
            province_ids=province_ids,
            password=PASSWORD,
            totp_secret=TOTP_SECRET,
        )
    return [(role.value, email) for email, _name, role in STAFF]


def seed_applicant() -> User:
    """A verified applicant owning an association and a company, their documents uploaded."""
    user = db.session.scalar(select(User).filter_by(email=APPLICANT))
    if user is None:
        user = User(
            email=APPLICANT,
            full_name="فاطمة الزهراء (تجريبي)",
            phone="+212612345678",
            password_hash=hasher.hash(PASSWORD),
            locale="ar",
            email_verified_at=utcnow(),
            consent_version="demo",
            consent_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    user.consent_version = current_app.config["CONSENT_VERSION"]
    for data in ORGANISATIONS:
        organisation = db.session.scalar(select(Organisation).filter_by(name_fr=data["name_fr"]))
        if organisation is None:
            province = db.session.scalar(select(Province).filter_by(name_fr=data["province"]))
            organisation = create_organisation(
                {k: v for k, v in data.items() if k != "province"}
                | {
                    "province_id": province.id,
                    "commune_id": province.communes[0].id,
                    "created_on": date(2015, 3, 2),
                },
                by=user,
            )
            _documents(organisation, user)
    return user


def _documents(organisation: Organisation, user: User) -> None:
    held = set(
        db.session.scalars(select(Document.kind_id).filter_by(organisation_id=organisation.id))
    )
    for kind in db.session.scalars(select(DocumentKind).filter_by(scope="organisation")):
        if organisation.legal_form in kind.legal_forms and kind.id not in held:
            add_document(
                organisation,
                kind,
                _blank_pdf(),
                filename=f"{kind.code}.pdf",
                valid_until=date.today() + timedelta(days=180) if kind.expires else None,
                by=user,
            )


DEMO_APPLICATION = "DEMO-C1-0001"
DEMO_WORKSITE = {
    "title": "تشجير مدخل مدينة سيدي إفني (تجريبي)",
    "sector": "forests",
    "location": "الطريق الجهوية 104، سيدي إفني",
    "duration_months": "6",
    "workers_planned": "4",
    "supervisors": "1",
}
# CIN, names (Arabic, French), sex; the first one's contract has ended, with its certificate.
DEMO_WORKERS = [
    ("JA123456", ("سعيد", "العلوي"), ("Saïd", "Alaoui"), "male"),
    ("JA234567", ("خديجة", "البصري"), ("Khadija", "Basri"), "female"),
    ("JB345678", ("يوسف", "أيت باها"), ("Youssef", "Ait Baha"), "male"),
]


def seed_workers(applicant: User) -> Agreement:
    """A signed agreement of the association's component-1 worksite, with three validated
    workers; the first one's contract ended, its certificate rendered. Once: the agreement is
    found by its application's number the next time."""
    existing = db.session.scalar(select(Application).filter_by(number=DEMO_APPLICATION))
    if existing is not None:
        return current_agreement(existing)
    staff = db.session.scalar(select(User).filter_by(email=STAFF[0][0]))
    organisation = db.session.scalar(
        select(Organisation).filter_by(name_fr=ORGANISATIONS[0]["name_fr"])
    )
    call = db.session.scalar(select(Call).filter_by(component=1).order_by(Call.id))
    today = local_date()
    start = today - timedelta(days=150)
    application = Application(
        organisation_id=organisation.id,
        call_id=call.id,
        component=1,
        province_id=organisation.province_id,
        status=Status.APPROVED,
        number=DEMO_APPLICATION,
        details=DEMO_WORKSITE
        | {"commune_id": organisation.commune_id, "planned_start": start.isoformat()},
        created_by_id=applicant.id,
        jobs_granted=4,
        jobs_requested=4,
    )
    db.session.add(application)
    db.session.flush()
    db.session.add(
        Submission(
            application_id=application.id,
            sequence=1,
            submitted_by_id=applicant.id,
            data=snapshot(application, by=applicant, at=utcnow()),
        )
    )
    agreement = write_agreement(application, 4, by=staff)
    render_agreement(agreement.id)
    upload_signed(agreement, _blank_pdf(), by=applicant)
    confirm_signed(agreement, by=staff)
    rebuild_counts()  # the application came straight into the table, past the transitions
    wage = Decimal(str(minimum_wage(start).smig_monthly))
    for index, (cin, name_ar, name_fr, sex) in enumerate(DEMO_WORKERS):
        contract = enrol(
            agreement,
            cin,
            {
                "first_name_ar": name_ar[0],
                "last_name_ar": name_ar[1],
                "first_name_fr": name_fr[0],
                "last_name_fr": name_fr[1],
                "birth_date": date(1994 + index, 3, 12),
                "sex": sex,
                "commune_id": organisation.commune_id,
                "education_level": "secondary",
                "disability_card_no": None,
                "anapec_registration_date": None,
                "cnss_number": None,
                "phone": None,
            },
            kind="cdd",
            role="عامل تشجير",
            start_date=start,
            planned_end=start + timedelta(days=182),
            monthly_wage=wage,
            by=applicant,
        ).contract
        validate(contract, by=staff)
    first = db.session.scalar(select(Contract).join(Person).where(Person.cin == DEMO_WORKERS[0][0]))
    end_contract(first, today - timedelta(days=1), "resigned", by=applicant)
    certificate = certificate_of(first.id)
    if certificate is not None:  # rendered here: `make run` may have no worker running yet
        render_certificate(certificate.id)
    editor = _editor(organisation)
    statement = seed_statement(agreement, editor)
    seed_visits(agreement, statement.period, staff)
    seed_progress_report(application, editor)
    return agreement


def _editor(organisation: Organisation) -> User:
    user = User(
        email=EDITOR,
        full_name="يوسف المحرر (تجريبي)",
        password_hash=hasher.hash(PASSWORD),
        locale="ar",
        email_verified_at=utcnow(),
        consent_version=current_app.config["CONSENT_VERSION"],
        consent_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(
        Membership(organisation_id=organisation.id, user_id=user.id, role=MemberRole.EDITOR)
    )
    db.session.flush()
    db.session.refresh(organisation)
    return user


def seed_statement(agreement: Agreement, editor: User):
    """Last month's statement of the demo agreement, submitted by the association's editor:
    the applicant, its owner, certifies it as the second person; the secretariat accepts it."""
    last_month = period_of(local_date()) - timedelta(days=1)
    statement = statements.open_statement(agreement, last_month, by=editor)
    statements.submit(statement, by=editor)
    return statement


def seed_visits(agreement: Agreement, last_month: date, staff: User) -> None:
    """A visit recorded in the middle of last month that counted a worker fewer than the
    contracts (last month's statement flagged for review), and one planned next week for the
    technical committee's demo member."""
    inspector = db.session.scalar(select(User).filter_by(email=STAFF[1][0]))
    day = last_month + timedelta(days=14)
    done = visits.plan_visit(agreement, day, staff, by=staff)
    declared = visits.declared_headcount(agreement.application_id, day)
    visits.record_visit(
        done,
        visits.VisitRecord(
            day,
            declared,
            max(declared - 1, 0),
            checked={"site_open", "attendance_sheet", "works_match"},
            findings="ورش التشجير نشيط؛ عامل غائب دون مبرر في ورقة الحضور.",
            follow_up="تحيين ورقة الحضور وتبرير الغياب.",
            follow_up_due=day + timedelta(days=21),
        ),
        by=staff,
    )
    visits.plan_visit(agreement, local_date() + timedelta(days=7), inspector, by=staff)


def seed_progress_report(application: Application, editor: User):
    """The first phase's progress report of the demo worksite, submitted by the association's
    editor for its owner, the demo applicant, to certify."""
    report = closeout.open_report(application, 1, by=editor)
    closeout.write(
        report,
        progress=40,
        narrative="أنجز الحفر وغرس 1200 شتلة في المرحلة الأولى؛ يبقى السقي والسياج.",
        language="ar",
        by=editor,
    )
    closeout.submit(report, by=editor)
    return report


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()

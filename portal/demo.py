"""Demo data for `make run`: staff per role, an applicant with two organisations, open calls.

Known passwords and authenticator keys, so a newcomer can try every side of the portal on a
laptop. `flask seed-demo` never creates them in production.
"""

import io
from datetime import date, timedelta

from flask import current_app
from pypdf import PdfWriter
from sqlalchemy import select

from portal.access import Role
from portal.auth.models import User
from portal.auth.services import create_staff, hasher
from portal.documents.models import Document, DocumentKind
from portal.documents.services import add_document
from portal.extensions import db
from portal.geo.models import Province
from portal.organisations.models import Organisation
from portal.organisations.services import create_organisation
from portal.timeutil import utcnow

PASSWORD = "demo-password-2026"  # noqa: S105
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
STAFF = [
    ("secretariat@demo.awrach.ma", "Secrétariat ANAPEC (démo)", Role.SECRETARIAT),
    ("technical@demo.awrach.ma", "Comité technique (démo)", Role.TECHNICAL_COMMITTEE),
    ("committee@demo.awrach.ma", "Comité de décision (démo)", Role.COMMITTEE_MEMBER),
    ("admin@demo.awrach.ma", "Administration (démo)", Role.ADMIN),
]
APPLICANT = "applicant@demo.awrach.ma"
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
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    held = set(
        db.session.scalars(select(Document.kind_id).filter_by(organisation_id=organisation.id))
    )
    for kind in db.session.scalars(select(DocumentKind).filter_by(scope="organisation")):
        if organisation.legal_form in kind.legal_forms and kind.id not in held:
            add_document(
                organisation,
                kind,
                buffer.getvalue(),
                filename=f"{kind.code}.pdf",
                valid_until=date.today() + timedelta(days=180) if kind.expires else None,
                by=user,
            )

"""Agreements and minutes: written at a session's close, rendered once, read back from the PDF."""

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.agreements import services
from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.committees.models import CommitteeSession
from portal.extensions import db
from portal.storage import get
from tests.support.agreements import approve_in_session, submitted

BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
OUT = Path("build/documents")


def pdftotext(data: bytes, name: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return BIDI.sub("", text)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def component1(app):
    application_id, owner, client = submitted(app, 1)
    session_id, staff = approve_in_session(app, [application_id])
    return application_id, session_id, owner, client, staff


def agreement_of(app, application_id) -> Agreement:
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        db.session.expunge(agreement)
        return agreement


def test_closing_writes_a_numbered_agreement_rendered_once(app, component1):
    application_id, session_id, *_ = component1
    agreement = agreement_of(app, application_id)
    assert re.fullmatch(r"CP-GON-\d{4}-C1-\d{4}", agreement.number)
    assert re.fullmatch(r"[A-Z2-7]{16}", agreement.verification_code)
    assert agreement.pdf_sha256  # rendered by the (eager) worker
    with app.app_context():
        assert db.session.get(Application, application_id).status == "agreement_issued"
        again = services.render_agreement(agreement.id)
        assert again == agreement.pdf_sha256
        assert db.session.get(CommitteeSession, session_id).minutes_sha256
        text = pdftotext(get(agreement.pdf_sha256), "agreement-c1")
    flat = words(text)
    for expected in (
        "اتفاقية شراكة",
        "Convention de partenariat",
        "تشجير مدخل المدينة",
        agreement.number,
        "24",
    ):
        assert expected in flat, expected

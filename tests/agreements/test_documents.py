"""Agreements and minutes: written at a session's close, rendered once, read back from the PDF
(pdftotext, pdffonts, zbarimg on a pdftoppm page)."""

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
from portal.notifications.models import Notification
from portal.storage import get
from portal.storage.models import Blob
from portal.timeutil import local_date
from portal.wages import minimum_wage
from tests.support.accounts import create_user, login
from tests.support.agreements import approve_in_session, pdftotext, signed_in_staff, submitted

OUT = Path("build/documents")


def saved(data: bytes, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.pdf"
    path.write_bytes(data)
    return path


def agreement_of(app, application_id) -> Agreement:
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        db.session.expunge(agreement)
        return agreement


@pytest.fixture
def component1(app):
    application_id, owner, client = submitted(app, 1)
    session_id, staff = approve_in_session(app, [application_id])
    return application_id, session_id, owner, client, staff


def test_closing_writes_a_numbered_agreement_rendered_once(app, component1):
    application_id, session_id, owner, *_ = component1
    agreement = agreement_of(app, application_id)
    assert re.fullmatch(r"CP-GON-\d{4}-C1-\d{4}", agreement.number)
    assert re.fullmatch(r"[A-Z2-7]{16}", agreement.verification_code)
    assert agreement.pdf_sha256  # rendered by the (eager) worker
    with app.app_context():
        assert db.session.get(Application, application_id).status == "agreement_issued"
        blobs = db.session.scalar(select(db.func.count()).select_from(Blob))
        assert services.render_agreement(agreement.id) == agreement.pdf_sha256  # once more
        assert db.session.scalar(select(db.func.count()).select_from(Blob)) == blobs
        assert db.session.get(CommitteeSession, session_id).minutes_sha256
        emails = db.session.scalars(
            select(Notification).filter_by(user_id=owner.id, event="agreement_issued")
        ).all()
    assert len(emails) == 1 and agreement.number in emails[0].subject


def test_component1_agreement_reads_back_in_both_languages_with_its_font_and_qr(app, component1):
    application_id, *_ = component1
    agreement = agreement_of(app, application_id)
    with app.app_context():
        path = saved(get(agreement.pdf_sha256), "agreement-c1")
        start = db.session.get(Application, application_id).details["planned_start"]
    text = pdftotext(path)
    for expected in (
        "اتفاقية شراكة",  # the Arabic title, then the French one, in that order
        "Convention de partenariat",
        "جمعية الأمل للتنمية",  # the partner's Arabic name
        "تشجير مدخل المدينة",  # the worksite
        agreement.number,
        # the national minimum wage today, as Arabic writes it (2.970,05)
        f"{minimum_wage(local_date()).smig_monthly:,.2f}".translate(str.maketrans(",.", ".,")),
        "/".join(reversed(start.split("-"))),  # the planned start, dd/mm/yyyy
        local_date().strftime("%d/%m/%Y"),  # the committee's date (the session, held today)
        "24 ouvriers",
        "CNSS",
    ):
        assert expected in text, expected
    assert text.index("اتفاقية شراكة") < text.index("Convention de partenariat")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    arabic = [line for line in fonts.splitlines() if "Naskh-Arabic" in line]
    assert arabic and all(" yes " in line for line in arabic)  # embedded
    page = OUT / "agreement-c1-qr"
    for earlier in OUT.glob("agreement-c1-qr-*.png"):
        earlier.unlink()
    subprocess.run(["pdftoppm", "-r", "150", "-png", path, page], check=True)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", *sorted(OUT.glob("agreement-c1-qr-*.png"))],
        capture_output=True,
        text=True,
    ).stdout.split()
    url = f"{app.config['PUBLIC_BASE_URL']}/verify/{agreement.verification_code}"
    assert decoded == [url, url]  # once in each part


def test_component2_agreement_states_the_grant_and_its_schedule(app):
    application_id, _owner, _client = submitted(app, 2, province="Tan-Tan")
    approve_in_session(app, [application_id], province="Tan-Tan")
    agreement = agreement_of(app, application_id)
    assert re.fullmatch(r"CP-GON-\d{4}-C2-\d{4}", agreement.number)
    with app.app_context():
        text = pdftotext(saved(get(agreement.pdf_sha256), "agreement-c2"))
    # 4 hires × 1,500 MAD a month × 18 months (edition 1): 6,000 a month, 108,000 in all.
    for expected in (
        "منحة دعم الإدماج المستدام",
        "Prime d'appui à l'insertion durable",
        "شركة الواحة",
        "Société Al Waha",
        "108.000,00",
        "27.000,00",  # per hire
        "6.000,00",  # the month's payment
        "24 mois",
    ):
        assert expected in text, expected


def test_minutes_list_the_members_and_each_decision(app, component1):
    application_id, session_id, *_ = component1
    with app.app_context():
        session = db.session.get(CommitteeSession, session_id)
        number = db.session.get(Application, application_id).number
        text = pdftotext(saved(get(session.minutes_sha256), "minutes"))
    for expected in ("محضر دورة اللجنة", "Procès-verbal de la séance du comité", "الكاتب العام"):
        assert expected in text, expected
    assert text.count(number) == 2  # once per language
    assert "الطلبات المقبولة" in text and "Demandes approuvées" in text


def test_the_dossier_prints_the_snapshot_and_the_report_for_members_and_staff(app, component1):
    application_id, _session_id, _owner, client, staff = component1
    response = client.get(f"/applications/{application_id}/dossier.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdftotext(saved(response.data, "dossier"))
    for expected in ("ملف الطلب", "Dossier de la demande", "تشجير مدخل المدينة", "C1-ORG-FORM"):
        assert expected in text, expected
    staff_client = signed_in_staff(app, staff)
    assert (
        staff_client.get(f"/backoffice/applications/{application_id}/dossier.pdf").status_code
        == 200
    )
    stranger = app.test_client()
    login(stranger, create_user(app))
    assert stranger.get(f"/applications/{application_id}/dossier.pdf").status_code == 404

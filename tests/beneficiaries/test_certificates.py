"""End-of-worksite certificates: written with the end of a contract of enough days, rendered
once by the (eager) worker, read back with pdftotext in both languages, the CIN only masked;
the QR's page proves it without the worker's name; who downloads them."""

import io
import subprocess
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.beneficiaries import certificates, services
from portal.beneficiaries.models import Certificate, CertificateArchive, Contract
from portal.extensions import db
from portal.storage import get
from portal.storage.models import Blob
from tests.support.accounts import create_staff, create_user, csrf_token
from tests.support.agreements import pdftotext
from tests.support.beneficiaries import enrol, new_cin, signed_agreement, signed_in

OUT = Path("build/documents")


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=3)


def ended(app, side, cin: str, on: date = date(2027, 8, 31)) -> int:
    """A validated contract of `cin` (1 March to 31 August 2027) ended on `on`; its id."""
    with app.app_context():
        contract = enrol(side, cin).contract
        services.validate(contract, by=db.session.get(User, side.staff.id))
        services.end_contract(contract, on, "completed", by=db.session.get(User, side.editor.id))
        db.session.commit()
        return contract.id


def certificate_for(app, contract_id: int) -> Certificate:
    with app.app_context():
        certificate = certificates.certificate_of(contract_id)
        if certificate is not None:
            db.session.expunge(certificate)
        return certificate


def test_an_ended_contract_gets_its_certificate_rendered_once(app, side):
    contract_id = ended(app, side, new_cin())
    certificate = certificate_for(app, contract_id)
    assert certificate.pdf_sha256  # rendered after the commit by the (eager) worker
    assert certificate.content["days"] == 184
    assert certificate.content["days_basis"] == "contract_dates"
    with app.app_context():
        blobs = db.session.scalar(select(func.count()).select_from(Blob))
        assert certificates.render_certificate(certificate.id) == certificate.pdf_sha256
        contract = db.session.get(Contract, contract_id)
        assert (
            certificates.issue_if_due(contract, by=db.session.get(User, side.editor.id)).id
            == certificate.id
        )
        assert db.session.scalar(select(func.count()).select_from(Blob)) == blobs
        assert (
            db.session.scalar(
                select(func.count()).select_from(Certificate).filter_by(contract_id=contract_id)
            )
            == 1
        )


def test_a_contract_ended_too_early_gets_no_certificate(app, side):
    contract_id = ended(app, side, new_cin(), on=date(2027, 3, 20))  # 20 days, below 30
    assert certificate_for(app, contract_id) is None


def test_the_certificate_reads_back_in_both_languages_with_the_cin_masked(app, side):
    cin = new_cin()
    contract_id = ended(app, side, cin)
    certificate = certificate_for(app, contract_id)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "certificate.pdf"
    with app.app_context():
        path.write_bytes(get(certificate.pdf_sha256))
    text = pdftotext(path)
    masked = services.mask_cin(cin)
    for expected in (
        "شهادة نهاية الورش",
        "Attestation de fin de chantier",
        "سعيد العلوي",  # the name in both scripts
        "Saïd Alaoui",
        masked,
        "عامل",
        "01/03/2027",
        "31/08/2027",
        "184",
        certificate.content["agreement_number"],
        "جمعية الأمل للتنمية",  # the issuing partner
        "d'après les dates de début et de fin du contrat",
        "تحتسب الأيام من تاريخي بداية العقد ونهايته",
    ):
        assert expected in text, expected
    assert cin not in text
    assert text.index("شهادة نهاية الورش") < text.index("Attestation de fin de chantier")
    pages = OUT / "certificate-qr"
    for earlier in OUT.glob("certificate-qr-*.png"):
        earlier.unlink()
    subprocess.run(["pdftoppm", "-r", "150", "-png", path, pages], check=True)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", *sorted(OUT.glob("certificate-qr-*.png"))],
        capture_output=True,
        text=True,
    ).stdout.split()
    url = f"{app.config['PUBLIC_BASE_URL']}/verify/certificates/{certificate.verification_code}"
    assert decoded == [url, url]  # once in each part


@pytest.mark.parametrize(
    ("lang", "said"),
    [("ar", "صدرت هذه الشهادة عن بوابة أوراش"), ("fr", "Cette attestation a été délivrée")],
)
def test_the_verify_page_shows_the_masked_cin_and_nothing_else_personal(
    app, side, lang, said, html_pages
):
    cin = new_cin()
    certificate = certificate_for(app, ended(app, side, cin))
    client = app.test_client()
    client.set_cookie("lang", lang)
    response = client.get(f"/verify/certificates/{certificate.verification_code}")
    page = response.get_data(as_text=True)
    html_pages.save(f"certificate-verify-{lang}", page)
    assert response.status_code == 200 and said in page
    assert services.mask_cin(cin) in page and cin not in page
    for personal in ("سعيد", "العلوي", "Saïd", "Alaoui", "1996", "02/04/1996"):
        assert personal not in page, personal
    grouped = "-".join(certificate.verification_code[i : i + 4] for i in range(0, 16, 4)).lower()
    again = client.get(f"/verify/certificates/{grouped}")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(certificate.verification_code)
    assert client.get("/verify/certificates/AAAAAAAAAAAAAAAA").status_code == 404


def ask_for_the_archive(client, agreement_id: int):
    workers = f"/agreements/{agreement_id}/workers"
    return client.post(
        f"/agreements/{agreement_id}/certificates/archive",
        data={"csrf_token": csrf_token(client, workers)},
    )


def test_the_partner_downloads_one_or_all_and_others_do_not(app, side, html_pages):
    first = ended(app, side, new_cin())
    second = ended(app, side, new_cin())
    editor = signed_in(app, side.editor)
    workers = editor.get(f"/agreements/{side.agreement_id}/workers").get_data(as_text=True)
    assert f"/contracts/{first}/certificate.pdf" in workers
    assert f'action="/agreements/{side.agreement_id}/certificates/archive"' in workers
    one = editor.get(f"/contracts/{first}/certificate.pdf")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")
    assert one.headers["Cache-Control"] == "private, no-store"
    # Every one in a ZIP the (eager) worker builds after the request; its page gives it.
    asked = ask_for_the_archive(editor, side.agreement_id)
    assert asked.status_code == 302 and "/certificates/archives/" in asked.headers["Location"]
    page = editor.get(asked.headers["Location"])
    html_pages.save("beneficiaries-certificate-archive", page.get_data(as_text=True))
    archive_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    download = f"/certificates/archives/{archive_id}/download"
    assert f'href="{download}"' in page.get_data(as_text=True)
    every = editor.get(download)
    assert every.status_code == 200 and every.mimetype == "application/zip"
    assert every.headers["Cache-Control"] == "private, no-store"
    with zipfile.ZipFile(io.BytesIO(every.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all(archive.read(n).startswith(b"%PDF") for n in names)
    # Another organisation's editor, staff of another province: not theirs; nor is the ZIP
    # another member asked for.
    stranger = signed_in(app, create_user(app))
    assert stranger.get(f"/contracts/{second}/certificate.pdf").status_code == 404
    assert ask_for_the_archive(stranger, side.agreement_id).status_code in (400, 404)
    assert stranger.get(download).status_code == 404
    elsewhere = signed_in(app, create_staff(app, "secretariat", provinces=["Tan-Tan"]))
    assert elsewhere.get(f"/contracts/{second}/certificate.pdf").status_code == 404
    assert elsewhere.get(download).status_code == 404
    here = signed_in(app, side.staff)
    assert here.get(f"/contracts/{second}/certificate.pdf").status_code == 200
    assert here.get(download).status_code == 404  # the editor's, not the secretariat's
    assert ask_for_the_archive(here, side.agreement_id).status_code == 302


def test_no_archive_is_asked_for_before_a_certificate_is_ready(app, side):
    editor = signed_in(app, side.editor)
    response = ask_for_the_archive(editor, side.agreement_id)
    assert response.headers["Location"].endswith(f"/agreements/{side.agreement_id}/workers")
    with app.app_context():
        asked = select(func.count(CertificateArchive.id)).filter_by(agreement_id=side.agreement_id)
        assert db.session.scalar(asked) == 0


def pending_archive(app, side) -> int:
    """An archive row as the request leaves it, its task not sent (a lost message)."""
    with app.app_context():
        archive = CertificateArchive(agreement_id=side.agreement_id, requested_by_id=side.editor.id)
        db.session.add(archive)
        db.session.commit()
        return archive.id


def test_an_archive_built_twice_is_written_once(app, side):
    ended(app, side, new_cin())
    archive_id = pending_archive(app, side)
    with app.app_context():
        assert list(certificates.build_archive(archive_id)) == ["running", "done"]
        db.session.commit()
        first = db.session.get(CertificateArchive, archive_id).sha256
        assert list(certificates.build_archive(archive_id)) == ["skipped"]
        archive = db.session.get(CertificateArchive, archive_id)
        assert (archive.status, archive.certificates, archive.sha256) == ("done", 1, first)
        with zipfile.ZipFile(io.BytesIO(get(first))) as zipped:
            assert len(zipped.namelist()) == 1


def test_the_sweep_sends_a_lost_or_stuck_archive_again(app, side):
    ended(app, side, new_cin())
    archive_id = pending_archive(app, side)
    with app.app_context():
        assert certificates.sweep_archives() == 0  # too recent: its message may be on its way
        archive = db.session.get(CertificateArchive, archive_id)
        archive.created_at -= timedelta(hours=1)
        db.session.commit()
        assert certificates.sweep_archives() == 1
        db.session.commit()  # sent after the commit (eager here): built
        assert db.session.get(CertificateArchive, archive_id).status == "done"
        # A worker died while building: taken back, then built again.
        archive = db.session.get(CertificateArchive, archive_id)
        archive.status, archive.sha256 = "running", None
        archive.claimed_at -= timedelta(hours=1)
        db.session.commit()
        assert certificates.sweep_archives() == 1
        db.session.commit()
        archive = db.session.get(CertificateArchive, archive_id)
        assert archive.status == "done" and archive.sha256


def test_the_sweep_sends_a_stuck_render_again(app, side):
    contract_id = ended(app, side, new_cin())
    with app.app_context():
        certificate = certificates.certificate_of(contract_id)
        certificate.pdf_sha256 = None
        certificate.render_enqueued_at -= timedelta(hours=1)
        db.session.commit()
        assert certificates.sweep() == 1
        db.session.commit()  # the render is sent after the commit (eager here)
        assert certificates.certificate_of(contract_id).pdf_sha256
        assert certificates.sweep() == 0

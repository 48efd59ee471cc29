"""Agreements are tagged PDF/UA-1 documents that say what they are: read back with pikepdf."""

import subprocess

import pikepdf
import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.extensions import db
from portal.storage import get
from tests.support.agreements import approve_in_session, submitted


@pytest.fixture(scope="module")
def agreement_file(app, tmp_path_factory):
    application_id, *_ = submitted(app, 2, province="Tan-Tan")
    approve_in_session(app, [application_id], province="Tan-Tan")
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        path = tmp_path_factory.mktemp("pdf") / "agreement.pdf"
        path.write_bytes(get(agreement.pdf_sha256))
        return path, agreement.number


def structure(element):
    """The structure elements under `element`, depth first."""
    for kid in element.get("/K", []) if isinstance(element.get("/K"), pikepdf.Array) else []:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield kid
            yield from structure(kid)


def test_the_agreement_is_tagged_with_the_language_of_each_part(agreement_file):
    path, _number = agreement_file
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert str(root.Lang) == "ar"
        document = root.StructTreeRoot.K[0]
        assert document.S == "/Document"
        parts = list(document.K)
        languages = [str(part.Lang) for part in parts]
        assert languages[0] == "ar" and languages[-1] == "fr"
        assert languages == sorted(languages)  # the Arabic pages, then the French ones
        pages = {page.objgen: n for n, page in enumerate(pdf.pages)}
        french = [pages[part.Pg.objgen] for part in parts if str(part.Lang) == "fr"]
        assert min(french) > 0 and max(french) == len(pdf.pages) - 1
        figures = [e for e in structure(document) if e.S == "/Figure"]
        assert len(figures) == 2  # the QR code, once in each part
        assert all(str(figure.Alt) for figure in figures)
        tags = {str(e.S) for e in structure(document)}
        assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI"} <= tags
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"


def test_the_agreement_says_what_it_is_in_both_languages(agreement_file):
    path, number = agreement_file
    with pikepdf.open(path) as pdf:
        info = pdf.docinfo
        assert str(info.Title) == (
            f"اتفاقية الشراكة رقم {number} — Convention de partenariat n° {number}"
        )
        assert str(info.Author) == "برنامج أوراش — Programme Awrach"
        assert str(info.Subject) == (
            "منحة دعم الإدماج المستدام، إقليم طانطان — "
            "Prime d'appui à l'insertion durable, province de Tan-Tan"
        )
        keywords = str(info.Keywords)
        for keyword in ("Awrach", "أوراش", number, "Tan-Tan", "طانطان"):
            assert keyword in keywords


def test_qpdf_finds_nothing_wrong(agreement_file):
    path, _number = agreement_file
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    assert "WARNING" not in check.stdout + check.stderr

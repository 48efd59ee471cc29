"""Agreements in a real browser: the partner downloads it and sends the signed copy, staff
confirm it, and anyone who scans the QR code sees the verification page. Axe on each page."""

import subprocess
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.extensions import db
from portal.storage import get
from tests.support import files
from tests.support.agreements import approve_in_session, submitted
from tests.support.browser import staff_sign_in

pytestmark = pytest.mark.browser


def scanned_path(pdf: bytes, tmp_path) -> str:
    """The path of the URL in the agreement's QR code, read from its rendered pages (the code
    closes each part, beside the signatures)."""
    (tmp_path / "agreement.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(tmp_path / "agreement.pdf"), str(tmp_path / "page")],
        check=True,
    )
    urls = subprocess.run(
        ["zbarimg", "--quiet", "--raw", *sorted(map(str, tmp_path.glob("page-*.png")))],
        capture_output=True,
        text=True,
    ).stdout.split()  # exit status 4: some pages hold no code
    assert len(urls) == 2 and len(set(urls)) == 1  # once in each part
    return urlsplit(urls[0]).path


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_agreement_pages_from_download_to_verification(
    app, browser, live_server, sign_in, check_page, tmp_path, lang
):
    application_id, owner, _ = submitted(app, 1)
    session_id, staff = approve_in_session(app, [application_id])
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        agreement_id, number, pdf = agreement.id, agreement.number, get(agreement.pdf_sha256)

    partner = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = partner.new_page()
    page.goto(f"{live_server}/language/{lang}")
    sign_in(page, owner)
    page.goto(f"{live_server}/applications/{application_id}")
    with page.expect_download() as download:
        page.locator(f"a[href='/agreements/{agreement_id}.pdf']").click()
    assert download.value.suggested_filename == f"{number}-v1.pdf"
    assert check_page(page, f"agreement-applicant-{lang}") == []
    (tmp_path / "signed.pdf").write_bytes(files.plain_pdf())
    page.locator("#file").set_input_files(str(tmp_path / "signed.pdf"))
    page.locator(f"form[action$='/agreements/{agreement_id}/signed'] button").click()
    page.wait_for_load_state()
    assert page.locator(f"a[href='/agreements/{agreement_id}/signed']").count() == 1
    partner.close()

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    staff_sign_in(page, live_server, staff, lang)
    page.goto(f"{live_server}/backoffice/sessions/{session_id}")
    assert page.locator(f"a[href='/backoffice/agreements/{agreement_id}']").count() == 1
    assert page.locator(f"a[href='/backoffice/sessions/{session_id}/minutes.pdf']").count() == 1
    assert check_page(page, f"agreement-session-{lang}") == []
    page.goto(f"{live_server}/backoffice/agreements/{agreement_id}")
    assert check_page(page, f"agreement-staff-{lang}") == []
    page.locator("form[action$='/confirm'] button").click()
    page.wait_for_load_state()
    signed = {"ar": "موقعة", "fr": "Signée"}[lang]
    assert signed in page.locator("dl.summary").inner_text()
    office.close()

    anyone = browser.new_context(viewport={"width": 360, "height": 780})  # a small phone
    page = anyone.new_page()
    page.goto(f"{live_server}/language/{lang}")
    page.goto(live_server + scanned_path(pdf, tmp_path))
    shown = page.locator("main").inner_text()
    for expected in (number, signed, {"ar": "سيدي إفني", "fr": "Sidi Ifni"}[lang], "24"):
        assert expected in shown, expected
    assert page.locator("ol.history li").count() == 1
    assert check_page(page, f"agreement-verify-{lang}") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the digest wraps
    page.goto(f"{live_server}/verify/AAAABBBBCCCCDDDD")
    assert check_page(page, f"agreement-verify-unknown-{lang}") == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    anyone.close()

"""After issue: download by members and staff only, the signed copy, confirmation, amendment,
revocation, and the public verification page."""

import io
import re

import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import Notification
from portal.timeutil import local_date
from tests.support import files
from tests.support.accounts import create_staff, create_user, csrf_token, login, post
from tests.support.agreements import (
    approve_in_session,
    french_amount,
    signed_in_staff,
    smig_today,
    submitted,
)


@pytest.fixture
def issued(app):
    application_id, owner, client = submitted(app, 1)
    _session_id, staff = approve_in_session(app, [application_id])
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        return agreement.id, application_id, owner, client, staff


def test_members_and_staff_of_the_province_download_nobody_else(app, issued):
    agreement_id, application_id, _owner, client, staff = issued
    path = f"/agreements/{agreement_id}.pdf"
    response = client.get(path)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert signed_in_staff(app, staff).get(path).status_code == 200
    stranger = app.test_client()
    login(stranger, create_user(app))
    assert stranger.get(path).status_code == 404
    elsewhere = signed_in_staff(app, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    assert elsewhere.get(path).status_code == 404
    assert elsewhere.get(f"/backoffice/agreements/{agreement_id}").status_code == 404
    assert app.test_client().get(path).status_code == 302  # to the login page
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert path in page and f"/agreements/{agreement_id}/signed" in page


def test_signed_copy_confirmed_moves_the_application_and_tells_the_partner(app, issued):
    agreement_id, application_id, owner, client, staff = issued
    refused = client.post(
        f"/agreements/{agreement_id}/signed",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(client, f"/applications/{application_id}"),
            "file": (io.BytesIO(files.javascript_pdf()), "signed.pdf"),
        },
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).signed_sha256 is None
    response = client.post(
        f"/agreements/{agreement_id}/signed",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(client, f"/applications/{application_id}"),
            "file": (io.BytesIO(files.plain_pdf()), "signed.pdf"),
        },
    )
    assert response.status_code == 302
    staff_client = signed_in_staff(app, staff)
    # A technical-committee member sees the agreement but may not confirm it.
    reviewer = signed_in_staff(
        app, create_staff(app, "technical_committee", provinces=("Sidi Ifni",))
    )
    assert (
        post(
            reviewer, f"/backoffice/agreements/{agreement_id}/confirm", token_from="/backoffice/"
        ).status_code
        == 403
    )
    post(
        staff_client,
        f"/backoffice/agreements/{agreement_id}/confirm",
        token_from=f"/backoffice/agreements/{agreement_id}",
    )
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.status == "signed" and agreement.signed_confirmed_at
        assert db.session.get(Application, application_id).status == "agreement_signed"
        assert db.session.scalar(
            select(Notification).filter_by(user_id=owner.id, event="agreement_signed")
        )
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"agreement.signed_uploaded", "agreement.signed"} <= actions
    signed = client.get(f"/agreements/{agreement_id}/signed")
    assert signed.status_code == 200 and signed.data == files.plain_pdf()


def test_amend_makes_a_new_version_with_the_same_number_and_revoke_needs_a_reason(app, issued):
    agreement_id, application_id, owner, _client, staff = issued
    staff_client = signed_in_staff(app, staff)
    page = f"/backoffice/agreements/{agreement_id}"
    response = post(staff_client, f"{page}/amend", {"jobs": "20", "reason": "ورش أصغر"}, page)
    assert response.status_code == 302
    with app.app_context():
        versions = db.session.scalars(
            select(Agreement).filter_by(application_id=application_id).order_by(Agreement.version)
        ).all()
        assert [(v.version, v.status) for v in versions] == [(1, "amended"), (2, "issued")]
        assert versions[0].number == versions[1].number
        assert versions[1].pdf_sha256 and versions[1].pdf_sha256 != versions[0].pdf_sha256
        assert versions[1].content["jobs"] == 20
        newer_id, code = versions[1].id, versions[1].verification_code
        old_code = versions[0].verification_code
    # The older version can no longer change; the newer one cannot be revoked without a reason.
    assert post(staff_client, f"{page}/revoke", {"reason": "x"}, page).status_code == 302
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status == "amended"
    newer = f"/backoffice/agreements/{newer_id}"
    assert post(staff_client, f"{newer}/revoke", {"reason": ""}, newer).status_code == 400
    post(staff_client, f"{newer}/revoke", {"reason": "لم ينطلق الورش"}, newer)
    with app.app_context():
        assert db.session.get(Agreement, newer_id).status == "revoked"
        assert db.session.scalar(
            select(Notification).filter_by(user_id=owner.id, event="agreement_revoked")
        )
    anyone = app.test_client()
    assert "ملغاة" in anyone.get(f"/verify/{code}").get_data(as_text=True)
    older = anyone.get(f"/verify/{old_code}").get_data(as_text=True)
    assert "حلت محلها صيغة أحدث" in older
    # Either copy shows the whole history: the amended first version, then the revoked one
    # with the day it was revoked.
    history = older.split('class="history"', 1)[1].split("</ol>", 1)[0]
    today = local_date().strftime("%d/%m/%Y")
    first, second = re.findall(r"<li.*?</li>", history, re.S)
    assert "الصيغة 1" in first and "حلت محلها صيغة أحدث" in first and today in first
    assert "الصيغة 2" in second and "ملغاة" in second and today in second
    assert "20 منصب شغل" in second and "24" in first


def test_the_verification_page_shows_the_facts_and_no_personal_data(app, issued):
    agreement_id, _application_id, owner, _client, _staff = issued
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        code, number, digest = agreement.verification_code, agreement.number, agreement.pdf_sha256
        representative = agreement.content["partner"]["representative"]
    anyone = app.test_client()
    anyone.set_cookie("lang", "fr")
    page = anyone.get(f"/verify/{code}").get_data(as_text=True)
    for expected in (
        number,
        digest,
        "Association Al Amal",
        "Émise, en attente",
        "Chantiers publics temporaires",
        "Sidi Ifni",
        '<bdi dir="ltr">24</bdi>',
        # 24 workers × 6 months × the SMIG
        f'<bdi dir="ltr">{french_amount(24 * 6 * smig_today().smig_monthly, chr(0x202F))}</bdi> MAD',
        "Versions de cette convention",
        "Version 1",
    ):
        assert expected in page, expected
    for private in (representative, owner.email, owner.phone, owner.full_name):
        assert private not in page, private
    # Typed as printed, in groups and lower case: the same agreement.
    grouped = "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower()
    response = anyone.get(f"/verify?code={grouped}")
    assert response.headers["Location"].endswith(f"/verify/{code}")
    unknown = anyone.get("/verify/AAAAAAAAAAAAAAAA")
    assert unknown.status_code == 404
    assert "Aucune convention ne porte ce code" in unknown.get_data(as_text=True)
    anyone.set_cookie("lang", "ar")
    assert "لا توجد اتفاقية بهذا الرمز" in anyone.get("/verify/AAAAAAAAAAAAAAAA").get_data(
        as_text=True
    )
    bad = anyone.get("/verify?code=12")
    assert bad.status_code == 200 and "16" in bad.get_data(as_text=True)


def test_the_verification_page_is_rate_limited(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    codes = [client.get("/verify/AAAAAAAAAAAAAAAA").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429

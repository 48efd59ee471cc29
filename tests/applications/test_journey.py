"""Applying through HTTP: draft in steps, pre-check, submission, report, withdrawal."""

import io
import re

import pytest
from sqlalchemy import func, select

from portal.applications.models import Application, EligibilityReport, Submission
from portal.extensions import db
from portal.geo.models import Province
from portal.notifications.models import Notification
from tests.support import files
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_user,
    csrf_token,
    demo_call,
    login,
    new_cnss,
    new_ice,
    post,
)


@pytest.fixture
def applicant(app):
    owner = create_user(app, full_name="Hassan Ouali", phone="+212612345678")
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    return owner, organisation, client


def start(app, client, organisation, component, province="Sidi Ifni"):
    call = demo_call(app, component)
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr=province).one().id
    response = post(
        client,
        "/applications/start",
        {
            "call_id": call.id,
            "organisation_id": organisation.id,
            "province_id": province_id,
        },
        token_from=f"/calls/{call.id}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.search(r"/applications/(\d+)/", response.headers["Location"])[1]), province_id


def commune_of(app, province_id):
    with app.app_context():
        return db.session.get(Province, province_id).communes[1].id


def upload(client, application_id, kind):
    path = f"/applications/{application_id}/steps/documents"
    return client.post(
        f"/applications/{application_id}/documents",
        content_type="multipart/form-data",
        data={
            "kind": kind,
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(files.plain_pdf()), f"{kind}.pdf"),
        },
    )


def fill_component1(app, client, application_id, province_id, **overrides):
    base = f"/applications/{application_id}/steps"
    worksite = {
        "title": "تشجير مدخل المدينة",
        "sector": "forests",
        "commune_id": commune_of(app, province_id),
        "location": "الطريق الجهوية 104",
        "workers_planned": "24",
        "supervisors": "2",
        "duration_months": "6",
        "planned_start": "2027-03-01",
    } | overrides
    response = post(client, f"{base}/worksite", worksite)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = post(
        client,
        f"{base}/description",
        {"expected_results": "غرس 5000 شجرة", "description": "أشغال الحفر والغرس والسقي"},
    )
    assert response.status_code == 302
    assert upload(client, application_id, "worksite_sheet").status_code == 302
    assert post(client, f"{base}/declaration", {"declaration": "y"}).status_code == 302


def test_component1_from_draft_to_eligibility_report(app, applicant):
    owner, organisation, client = applicant
    application_id, province_id = start(app, client, organisation, 1)
    # A second "start" reopens the same draft.
    assert start(app, client, organisation, 1)[0] == application_id
    fill_component1(app, client, application_id, province_id)
    preview = client.get(f"/applications/{application_id}/preview").get_data(as_text=True)
    assert "C1-ORG-FORM" in preview and "outcome-fail" not in preview
    response = post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    assert response.status_code == 302
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert re.fullmatch(r"GON-\d{4}-C1-\d{5}", application.number)
        assert application.status == "eligible"
        assert application.number in page and "C1-PROJ-SECTOR" in page
        events = {
            n.event for n in db.session.scalars(select(Notification).filter_by(user_id=owner.id))
        }
        assert {"application_received", "eligibility_result"} <= events


def test_errors_keep_what_was_typed_and_the_draft_survives(app, applicant):
    _owner, organisation, client = applicant
    application_id, _province_id = start(app, client, organisation, 1)
    path = f"/applications/{application_id}/steps/worksite"
    page = post(
        client,
        path,
        {
            "title": "ورش",
            "workers_planned": "abc",
            "duration_months": "-3",
            "planned_start": "not a date",
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "aria-invalid" in text
    # Leaving and coming back: everything typed is still there, invalid values included.
    again = client.get(path).get_data(as_text=True)
    assert 'value="ورش"' in again and 'value="abc"' in again and 'value="not a date"' in again


def test_submission_is_refused_while_something_is_missing(app, applicant):
    _owner, organisation, client = applicant
    application_id, _ = start(app, client, organisation, 1)
    preview = client.get(f"/applications/{application_id}/preview").get_data(as_text=True)
    assert "التصريح بالشرف" in preview
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    with app.app_context():
        assert db.session.get(Application, application_id).status == "draft"


def test_component2_posts_grant_and_rules(app):
    owner = create_user(app, phone="0528123456")
    organisation = create_organisation(
        app,
        owner,
        legal_form="company",
        name_fr="Société Al Waha",
        association_receipt_no=None,
        ice=new_ice(),
        rc="4521",
        cnss_affiliation=new_cnss(),
    )
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    application_id, _ = start(app, client, organisation, 2, province="Tan-Tan")
    base = f"/applications/{application_id}/steps"
    response = post(
        client,
        f"{base}/posts",
        {
            "posts-0-title": "عامل تلفيف",
            "posts-0-count": "3",
            "posts-0-contract_months": "24",
            "posts-0-monthly_wage": "3200",
            "posts-0-cat_covid_job_loss": "2",
            "posts-0-cat_disability": "1",
            "posts-1-title": "سائق",
            "posts-1-count": "1",
            "posts-1-contract_months": "12",
            "posts-1-monthly_wage": "2500",
            "posts-1-cat_difficult_access": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert upload(client, application_id, "posts_description").status_code == 302
    post(client, f"{base}/declaration", {"declaration": "y"})
    preview = client.get(f"/applications/{application_id}/preview").get_data(as_text=True)
    # 4 hires × 1,500 MAD × 18 months (edition 1) = 108,000 MAD, computed, never typed.
    assert '<bdi dir="ltr">108,000.00</bdi> درهم' in preview  # the figures isolated
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    with app.app_context():
        application = db.session.get(Application, application_id)
        report = db.session.scalar(
            select(EligibilityReport)
            .join(Submission)
            .filter(Submission.application_id == application_id)
        )
        outcomes = {r["rule"]: r["outcome"] for r in report.results}
    assert application.status == "ineligible"
    assert outcomes["C2-CONTRACT-MIN"] == "fail" and outcomes["C2-WAGE-FLOOR"] == "fail"
    assert outcomes["C2-HIRE-CATEGORY"] == "pass" and outcomes["C2-REGULARITY"] == "pass"


def test_withdraw_with_a_reason(app, applicant):
    _owner, organisation, client = applicant
    application_id, province_id = start(app, client, organisation, 1)
    fill_component1(app, client, application_id, province_id)
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    refused = post(client, f"/applications/{application_id}/withdraw", {"reason": ""})
    assert refused.status_code == 200
    post(client, f"/applications/{application_id}/withdraw", {"reason": "تغيير في المكتب"})
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "تغيير في المكتب" in page
    with app.app_context():
        assert db.session.get(Application, application_id).status == "withdrawn"
        assert (
            db.session.scalar(
                select(func.count(Submission.id)).filter_by(application_id=application_id)
            )
            == 1
        )

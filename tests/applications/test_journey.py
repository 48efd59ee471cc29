"""Applying through HTTP: draft in steps, pre-check, submission, report, withdrawal."""

import re

import pytest
from sqlalchemy import func, select

from portal.applications.models import Application, EligibilityReport, Submission
from portal.extensions import db
from portal.notifications.models import Notification
from portal.timeutil import local_date
from portal.wages import minimum_wage
from tests.support.accounts import (
    add_documents,
    create_company,
    create_organisation,
    create_user,
    login,
    post,
)
from tests.support.applications import (
    field_error,
    fill_component1,
    open_call,
    planned_start,
    report_line,
    start,
    start_on,
    submit,
    upload,
    worksite,
)


@pytest.fixture
def applicant(app):
    owner = create_user(app, full_name="Hassan Ouali", phone="+212612345678")
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    return owner, organisation, client


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


POSTS = {
    "posts-0-title": "عامل تلفيف",
    "posts-0-count": "3",
    "posts-0-contract_months": "24",
    "posts-0-monthly_wage": "3500",
    "posts-0-cat_covid_job_loss": "2",
    "posts-0-cat_disability": "1",
    "posts-1-title": "سائق",
    "posts-1-count": "1",
    "posts-1-contract_months": "24",
    "posts-1-monthly_wage": "3600",
    "posts-1-cat_difficult_access": "1",
}


def test_component2_bounds_at_the_step_then_the_precheck_blocks_until_corrected(app):
    owner = create_user(app, phone="0528123456")
    organisation = create_company(app, owner, name_fr="Société Al Waha")
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    application_id, _ = start(app, client, organisation, 2, province="Tan-Tan")
    base = f"/applications/{application_id}/steps"
    # Edition 1: contracts of at least 24 months, wages of at least the SMIG in force today.
    # the national minimum wage today, as Arabic writes it (2.970,05)
    smig = f"{minimum_wage(local_date()).smig_monthly:,.2f}".translate(str.maketrans(",.", ".,"))
    short_and_low = POSTS | {"posts-1-contract_months": "12", "posts-1-monthly_wage": "2500"}
    response = post(client, f"{base}/posts", short_and_low)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "24" in field_error(page, "posts-1-contract_months")
    assert smig in field_error(page, "posts-1-monthly_wage")
    assert not field_error(page, "posts-0-contract_months")
    assert 'href="#posts-1-contract_months"' in page and "{&#39;" not in page  # the summary
    again = client.get(f"{base}/posts").get_data(as_text=True)  # the draft kept what was typed
    assert 'value="12"' in again and 'value="2500"' in again
    assert upload(client, application_id, "posts_description").status_code == 302
    post(client, f"{base}/declaration", {"declaration": "y"})
    preview = client.get(f"/applications/{application_id}/preview").get_data(as_text=True)
    # 4 hires × 1,500 MAD × 18 months (edition 1) = 108,000 MAD, computed, never typed.
    assert '<bdi dir="ltr">108.000,00</bdi> درهم' in preview  # the figures isolated
    outcome, text = report_line(preview, "C2-CONTRACT-MIN")
    assert outcome == "fail" and "24" in text and "سائق" in text and "عامل تلفيف" not in text
    outcome, text = report_line(preview, "C2-WAGE-FLOOR")
    assert outcome == "fail" and smig in text and "سائق" in text
    assert report_line(preview, "C2-HIRE-CATEGORY")[0] == "pass"
    assert report_line(preview, "C2-REGULARITY")[0] == "pass"
    assert "/submit" not in preview  # no button while a blocking rule fails

    refused = submit(client, application_id)  # the service refuses it too
    assert refused.headers["Location"].endswith(f"/applications/{application_id}/preview")
    assert "قاعدتان غير مستوفاتين" in client.get(refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, application_id).status == "draft"
        assert not db.session.scalar(
            select(func.count(Submission.id)).filter_by(application_id=application_id)
        )

    assert post(client, f"{base}/posts", POSTS).status_code == 302
    submit(client, application_id)
    with app.app_context():
        application = db.session.get(Application, application_id)
        report = db.session.scalar(
            select(EligibilityReport)
            .join(Submission)
            .filter(Submission.application_id == application_id)
        )
        outcomes = {r["rule"]: r["outcome"] for r in report.results}
    assert application.status == "eligible"
    assert outcomes["C2-CONTRACT-MIN"] == "pass" and outcomes["C2-WAGE-FLOOR"] == "pass"


def test_the_worksite_step_checks_the_editions_bounds_and_dates(app, applicant):
    _owner, organisation, client = applicant
    application_id, province_id = start(app, client, organisation, 1)
    path = f"/applications/{application_id}/steps/worksite"
    typed = worksite(
        app,
        province_id,
        workers_planned="61",
        duration_months="13",
        planned_start=planned_start(-1),
    )
    page = post(client, path, typed).get_data(as_text=True)
    # Edition 1: 5 to 60 workers, 3 to 12 months, a start from today on.
    assert "5" in field_error(page, "workers_planned") and "60" in field_error(
        page, "workers_planned"
    )
    assert "3" in field_error(page, "duration_months") and "12" in field_error(
        page, "duration_months"
    )
    assert "الماضي" in field_error(page, "planned_start")
    assert 'min="5"' in page and 'max="60"' in page
    for within in ({"workers_planned": "5"}, {"workers_planned": "60", "duration_months": "12"}):
        response = post(client, path, worksite(app, province_id, **within))
        assert response.status_code == 302, field_error(response.get_data(as_text=True), "x")


def test_the_turnover_step_refuses_more_than_the_editions_cap(app):
    owner = create_user(app)
    company = create_company(app, owner)
    client = app.test_client()
    login(client, owner)
    application_id = start_on(app, client, company, open_call(app, "awrach2_2023", 2))
    path = f"/applications/{application_id}/steps/turnover"
    years = {"year_1": "9000000", "year_2": "10000000", "year_3": "10000001"}
    page = post(client, path, years).get_data(as_text=True)
    assert "10.000.000" in field_error(page, "year_3")
    assert not field_error(page, "year_1") and not field_error(page, "year_2")
    assert post(client, path, years | {"year_3": "700000"}).status_code == 302


def test_a_rule_of_severity_review_does_not_block_the_submission(app, applicant):
    """Too many workers is refused at the step, but the rule only asks staff to look (edition
    severity `review`): the draft keeps the number and can be submitted."""
    _owner, organisation, client = applicant
    application_id, province_id = start(app, client, organisation, 1)
    fill_component1(app, client, application_id, province_id)
    path = f"/applications/{application_id}/steps/worksite"
    assert post(client, path, worksite(app, province_id, workers_planned="80")).status_code == 200
    preview = client.get(f"/applications/{application_id}/preview").get_data(as_text=True)
    outcome, text = report_line(preview, "C1-PROJ-HEADCOUNT")
    assert outcome == "needs_review" and "80" in text and "60" in text
    submit(client, application_id)
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == "eligible"
        assert application.eligibility_outcome == "needs_review"


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

"""No input makes a server error: integers past the database's range in every route's URL, in
query strings (`?page=`) and in every form's numeric fields, sent by someone who may use them."""

import re
from datetime import date

import pytest
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DecimalField, IntegerField
from wtforms.fields.core import UnboundField

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.calls.models import Call
from portal.closeout.models import WorkReport
from portal.committees import services as committees
from portal.extensions import db
from portal.geo.models import Province
from portal.payroll import statements
from portal.review import services as review
from tests.support.accounts import (
    create_company,
    create_organisation,
    create_staff,
    create_user,
    csrf_token,
    demo_call,
    login,
    post,
)
from tests.support.agreements import (
    POSTS,
    approve_in_session,
    new_call,
    recommended_in,
    submitted,
)
from tests.support.applications import open_call, start, start_on, worksite
from tests.support.beneficiaries import enrol, enrol_form, new_cin, signed_agreement
from tests.support.visits import planned

# PostgreSQL's INTEGER ends at 2**31 - 1, SQLite's (and BIGINT) at 2**63 - 1.
BEYOND = [2**31, 2**63, 2**64, 10**30]
QUERY_INTEGERS = ("page", "call", "component", "province", "object_id", "call_id", "id")
PROVINCES = ("Guelmim", "Sidi Ifni", "Tan-Tan", "Assa-Zag")


@pytest.fixture(scope="module")
def people(app):
    """An anonymous visitor, an applicant with drafts of both components, and a staff member
    holding every role in every province."""
    owner = create_user(app)
    applicant = app.test_client()
    login(applicant, owner)
    association = create_organisation(app, owner)
    company = create_company(app, owner)
    c1, province_id = start(app, applicant, association, 1)
    c2, _ = start(app, applicant, company, 2)
    staff = create_staff(
        app, "admin", "secretariat", "technical_committee", "committee_member", provinces=PROVINCES
    )
    backoffice = app.test_client()
    login(backoffice, staff)
    return {
        "anonymous": app.test_client(),
        "applicant": applicant,
        "staff": backoffice,
        "staff_user": staff,
        "owner": owner,
        "company": company,
        "c1": c1,
        "c2": c2,
        "province_id": province_id,
    }


def client_for(people, rule_name: str):
    if rule_name.startswith("staff"):
        return people["staff"]
    return people["applicant"] if rule_name == "logged_in" else people["anonymous"]


def url(app, rule, **values) -> str:
    values = {
        "step": "worksite",
        "token": "x",
        "code": "x",
        "filename": "x",
        "language": "x",
    } | values
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def test_an_id_past_the_database_range_in_any_url_is_not_found(app, people):
    checked = set()
    for rule in app.url_map.iter_rules():
        integers = re.findall(r"<int:(\w+)>", rule.rule)
        if not integers:
            continue
        client = client_for(people, app.view_functions[rule.endpoint].access_rule.name)
        token = csrf_token(client, "/account/login" if client is people["anonymous"] else "/")
        for value in BEYOND:
            path = url(app, rule, **dict.fromkeys(integers, value))
            for method in {"GET", "POST"} & rule.methods:
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data={"csrf_token": token})
                # 405 where another route of the same path takes another method
                assert response.status_code in (404, 405), (method, path, response.status_code)
                checked.add(rule.endpoint)
    assert len(checked) > 40


def test_integers_past_the_database_range_in_a_query_string(app, people):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods:
            continue
        client = client_for(people, app.view_functions[rule.endpoint].access_rule.name)
        for value in BEYOND:
            query = "&".join(f"{name}={value}" for name in QUERY_INTEGERS)
            response = client.get(f"{url(app, rule)}?{query}")
            assert response.status_code < 500, (rule.rule, value, response.status_code)
            checked += 1
    assert checked > 40


@pytest.mark.parametrize("value", BEYOND)
@pytest.mark.parametrize(
    "path", ["/backoffice/applications/", "/backoffice/audit/", "/backoffice/reports/dashboard"]
)
def test_a_page_past_the_last_is_an_empty_page(people, path, value):
    response = people["staff"].get(path, query_string={"page": value, "call": value})
    assert response.status_code == 200


@pytest.fixture(scope="module")
def session_id(app, people):
    with app.app_context():
        call = db.session.get(Call, demo_call(app, 1).id)
        by = db.session.get(User, people["staff_user"].id)
        province_id = call.provinces[0].province_id  # a provincial committee names its province
        return committees.open_session(
            call, call.opens_at.date(), ["ANAPEC"], by=by, province_id=province_id
        ).id


@pytest.mark.parametrize("value", [*BEYOND, -(2**63) - 1])
def test_integers_past_the_database_range_in_posted_fields(people, session_id, value):
    staff, applicant = people["staff"], people["applicant"]
    fields = {"call_id": value, "organisation_id": value, "province_id": value}
    started = post(applicant, "/applications/start", fields, token_from="/organisations/new")
    assert started.status_code == 404
    exported = post(staff, "/backoffice/reports/exports", fields | {"format": "csv"}, "/")
    assert exported.status_code == 400
    decided = post(
        staff,
        f"/backoffice/sessions/{session_id}/decide",
        {"application_id": value, "outcome": "approve", f"jobs_{value}": value},
        token_from=f"/backoffice/sessions/{session_id}",
    )
    assert decided.status_code in (302, 404)


# Every form with a numeric field: who fills it, where, and a valid answer to change one field of.


@pytest.fixture(scope="module")
def forms(app, people):
    """Objects for the forms that need them: an edition-2 draft (turnover), a submitted
    application under review and its agreement."""
    staff = people["staff_user"]
    call_id = open_call(app, "awrach2_2023", 2)
    turnover = start_on(app, people["applicant"], people["company"], call_id)
    application_id, _owner, _client = submitted(app, 1, province="Guelmim")
    with app.app_context():
        application = db.session.get(Application, application_id)
        reviewer = db.session.get(User, staff.id)
        review.assign(application, reviewer, by=reviewer)
        db.session.commit()
        grid = application.call.edition.parameters["scoring"]
    approve_in_session(app, [application_id], province="Guelmim")
    with app.app_context():
        agreement_id = db.session.scalar(
            select(Agreement.id).filter_by(application_id=application_id)
        )
        provinces = db.session.scalars(select(Province.id)).all()
        edition = db.session.get(Call, demo_call(app, 1).id).edition_id
    session_call = new_call(app, {"Guelmim": 50})
    (on_agenda,), _ = recommended_in(app, session_call, "Guelmim", 1, jobs=5)
    with app.app_context():
        session = committees.open_session(
            db.session.get(Call, session_call),
            date.today(),
            ["A", "B", "C"],
            by=db.session.get(User, staff.id),
        )
        db.session.commit()
        session_id = session.id
    enrolment = signed_agreement(app, "Guelmim")
    with app.app_context():  # a validated worker of October 2026, and that month's statement
        worker = enrol(enrolment, new_cin(), start=date(2026, 10, 1), end=date(2026, 10, 31))
        beneficiaries.validate(worker.contract, by=db.session.get(User, enrolment.staff.id))
        statement = statements.open_statement(
            db.session.get(Agreement, enrolment.agreement_id),
            date(2026, 10, 1),
            by=db.session.get(User, enrolment.editor.id),
        )
        report = WorkReport(  # a progress report being written
            application_id=enrolment.application_id,
            province_id=enrolment.province_id,
            phase=1,
            period_start=date(2027, 3, 1),
            period_end=date(2027, 5, 31),
        )
        db.session.add(report)
        db.session.commit()
        enrolment.statement_id, enrolment.report_id = statement.id, report.id
    with app.app_context():  # a worker who left early, to replace
        leaver = enrol(enrolment, new_cin()).contract
        beneficiaries.end_contract(
            leaver, date(2027, 4, 30), "resigned", by=db.session.get(User, enrolment.editor.id)
        )
        db.session.commit()
        leaver_id = leaver.id
    visit = planned(app, enrolment, date(2026, 10, 15))  # a field visit to record
    partner = app.test_client()
    login(partner, enrolment.editor)
    return {
        "partner": partner,
        "enrolment": enrolment,
        "leaver": leaver_id,
        "visit": visit,
        "session": session_id,
        "on_agenda": on_agenda,
        "edition": edition,
        "turnover": turnover,
        "review": application_id,
        "grid": [c["code"] for c in grid],
        "agreement": agreement_id,
        "provinces": provinces,
    }


def form_cases(app, people, forms) -> dict[str, tuple]:
    """qualified name of the form class: (who, path, valid answers, its numeric fields); the path
    is (where the form posts, the page it is on) when they differ."""
    c1, c2 = people["c1"], people["c2"]
    posts = ["posts-0-count", "posts-0-contract_months", "posts-0-monthly_wage"]
    return {
        "WorksiteForm": (
            "applicant",
            f"/applications/{c1}/steps/worksite",
            worksite(app, people["province_id"]),
            ["workers_planned", "supervisors", "duration_months"],
        ),
        "posts_form.<locals>.PostsForm": (
            "applicant",
            f"/applications/{c2}/steps/posts",
            POSTS,
            [*posts, "posts-0-cat_covid_job_loss"],
        ),
        "TurnoverForm": (
            "applicant",
            f"/applications/{forms['turnover']}/steps/turnover",
            {"year_1": "900000", "year_2": "800000", "year_3": "700000"},
            ["year_1", "year_2", "year_3"],
        ),
        "review_form.<locals>.ReviewForm": (
            "staff",
            f"/backoffice/applications/{forms['review']}/review",
            {"no_conflict": "y"} | {f"score_{code}": "5" for code in forms["grid"]},
            [f"score_{code}" for code in forms["grid"]],
        ),
        "call_form.<locals>.CallForm": (
            "staff",
            "/backoffice/calls/new",
            {
                "edition_id": str(forms["edition"]),
                "component": "1",
                "title_ar": "طلب",
                "title_fr": "Appel",
                "opens_at": "2027-01-04T09:00",
                "closes_at": "2027-02-04T17:00",
                "committee_level": "regional",
                "signatories": "الوالي | Le Wali",
            }
            | {f"quota_{p}": "10" for p in forms["provinces"]},
            [f"quota_{p}" for p in forms["provinces"]],
        ),
        "BatchDecisionForm": (
            "staff",
            # posted to the agenda's action, its token from the session's page
            (
                f"/backoffice/sessions/{forms['session']}/decide",
                f"/backoffice/sessions/{forms['session']}",
            ),
            {"application_id": str(forms["on_agenda"]), "outcome": "approve"},
            ["votes_for", "votes_against", "votes_abstaining"],
        ),
        "EnrolForm": (
            "partner",
            f"/agreements/{forms['enrolment'].agreement_id}/workers/new",
            enrol_form(forms["enrolment"].commune_id, new_cin()),
            ["monthly_wage"],
        ),
        "FillForm": (
            "partner",
            f"/statements/{forms['enrolment'].statement_id}",
            {"lines-0-days_worked": "26", "lines-0-situation": ""},
            ["lines-0-days_worked"],
        ),
        "ReportForm": (
            "partner",
            f"/reports/{forms['enrolment'].report_id}",
            {"progress": "40", "language": "ar", "narrative": "أشغال"},
            ["progress"],
        ),
        "ReplaceForm": (
            "partner",
            f"/contracts/{forms['leaver']}/replace",
            enrol_form(forms["enrolment"].commune_id, new_cin(), start_date="2027-05-01"),
            ["monthly_wage"],
        ),
        "RecordForm": (
            "staff",
            f"/backoffice/visits/{forms['visit']}",
            {"done_on": "2026-10-15", "declared": "1", "present": "1"},
            ["declared", "present"],
        ),
        "amend_form.<locals>.Form": (
            "staff",
            f"/backoffice/agreements/{forms['agreement']}/amend",
            {"jobs": "20", "reason": "تعديل"},
            ["jobs"],
        ),
    }


def _numeric(unbound) -> bool:
    if not isinstance(unbound, UnboundField):
        return False
    if issubclass(unbound.field_class, IntegerField | DecimalField):
        return True
    return any(_numeric(arg) for arg in unbound.args) or any(
        isinstance(arg, type) and issubclass(arg, FlaskForm) and _has_numeric(arg)
        for arg in unbound.args
    )


def _has_numeric(form_class) -> bool:
    return any(_numeric(getattr(form_class, name)) for name in dir(form_class))


def forms_with_numbers() -> set[str]:
    """Every portal form class declaring a number, the ones made by a factory included (once
    made); row forms without a CSRF token of their own are covered by the form holding them."""
    found, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("portal.") or not cls.Meta.csrf:
            continue
        if _has_numeric(cls):
            found.add(cls.__qualname__)
    return found


def test_every_numeric_field_refuses_integers_past_the_database_range(app, people, forms):
    cases = form_cases(app, people, forms)
    clients = people | {"partner": forms["partner"]}
    for name, (who, path, valid, fields) in cases.items():
        client = clients[who]
        action, page_path = path if isinstance(path, tuple) else (path, path)
        for field in fields:
            for value in [*BEYOND, -(2**63) - 1]:
                response = post(client, action, valid | {field: str(value)}, token_from=page_path)
                page = response.get_data(as_text=True)
                assert response.status_code in (200, 400), (name, field, value)
                # the attacked field alone is refused, with a message
                assert re.findall(r'id="([\w-]+)-error"', page) == [field], (name, field, value)
                assert f'value="{value}"' in page, (name, field, value)  # what was typed stays
    assert forms_with_numbers() <= set(cases), "a form with a number is missing from this test"

"""Assignment, change request and resubmission, the difference, scores and recommendation."""

import re

import pytest
from sqlalchemy import select

from portal.applications.models import Application
from portal.extensions import db
from portal.review.models import Review
from tests.support.accounts import (
    add_documents,
    add_member,
    create_organisation,
    create_staff,
    create_user,
    csrf_token,
    login,
    post,
)
from tests.support.agreements import submitted
from tests.support.applications import fill_component1, planned_start, start


def test_from_assignment_to_recommendation_through_a_change_request(make_app, smtp_sink):
    app = make_app(**smtp_sink.settings())
    owner = create_user(app, full_name="Hassan Ouali")
    organisation = create_organisation(app, owner, province="Guelmim")
    add_documents(app, organisation, owner)
    applicant = app.test_client()
    login(applicant, owner)
    application_id, province_id = start(app, applicant, organisation, 1, province="Guelmim")
    fill_component1(app, applicant, application_id, province_id)
    post(
        applicant,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    staff_page = f"/backoffice/applications/{application_id}"

    reviewer = create_staff(app, "technical_committee", provinces=("Guelmim",))
    conflicted = create_staff(app, "technical_committee", provinces=("Guelmim",))
    add_member(app, organisation, conflicted)  # a reviewer who belongs to the applicant
    secretariat = app.test_client()
    login(secretariat, create_staff(app, "secretariat", provinces=("Guelmim",)))
    page = secretariat.get(staff_page).get_data(as_text=True)
    assert f'value="{reviewer.id}"' in page and f'value="{conflicted.id}"' not in page
    secretariat.post(
        f"{staff_page}/assign",
        data={"reviewer": str(conflicted.id), "csrf_token": csrf_token(secretariat, staff_page)},
    )
    with app.app_context():
        assert db.session.scalar(select(Review).filter_by(application_id=application_id)) is None
    secretariat.post(
        f"{staff_page}/assign",
        data={"reviewer": str(reviewer.id), "csrf_token": csrf_token(secretariat, staff_page)},
    )
    with app.app_context():
        assert db.session.get(Application, application_id).status == "in_review"

    other = app.test_client()
    login(other, create_staff(app, "technical_committee", provinces=("Guelmim",)))
    assert other.get(f"{staff_page}/review").status_code == 403
    member = app.test_client()
    login(member, reviewer)
    review_page = f"{staff_page}/review"
    refused = member.post(
        review_page, data={"score_experience": "15", "csrf_token": csrf_token(member, review_page)}
    )
    assert refused.status_code == 400  # no declaration of no conflict yet
    member.post(
        review_page,
        data={
            "no_conflict": "y",
            "score_experience": "15",
            "score_jobs": "20",
            "csrf_token": csrf_token(member, review_page),
        },
    )
    member.post(
        f"{staff_page}/changes",
        data={
            "what": "أضيفوا عاملين اثنين",
            "deadline": "2099-01-31",
            "csrf_token": csrf_token(member, staff_page),
        },
    )
    assert any(m["Subject"].startswith("تعديلات مطلوبة") for m in smtp_sink.messages)
    member.post(
        f"{staff_page}/comments",
        data={"body": "ملاحظة داخلية سرية", "csrf_token": csrf_token(member, staff_page)},
    )
    assert "ملاحظة داخلية سرية" not in applicant.get(f"/applications/{application_id}").get_data(
        as_text=True
    )

    # The applicant changes the number of workers and submits again.
    with app.app_context():
        commune_id = db.session.get(Application, application_id).details["commune_id"]
    post(
        applicant,
        f"/applications/{application_id}/steps/worksite",
        {
            "title": "تشجير مدخل المدينة",
            "sector": "forests",
            "commune_id": commune_id,
            "location": "الطريق الجهوية 104",
            "workers_planned": "26",
            "supervisors": "2",
            "duration_months": "6",
            "planned_start": planned_start(),
        },
    )
    post(
        applicant,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == "eligible" and len(application.submissions) == 2

    page = member.get(review_page).get_data(as_text=True)
    assert re.search(r"<td>العمال المراد تشغيلهم</td><td><bdi>24</bdi></td><td><bdi>26", page)
    assert 'value="15"' in page  # scores kept
    response = member.post(
        review_page,
        data={
            "score_experience": "15",
            "score_jobs": "22",
            "recommendation": "recommend",
            "note": "ورش مفيد",
            "submit_review": "1",
            "csrf_token": csrf_token(member, review_page),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id).status == "recommended"
        review = db.session.scalar(select(Review).filter_by(application_id=application_id))
        assert review.total == 37 and review.recommendation == "recommend"
    assert "ملاحظة داخلية سرية" in member.get(staff_page).get_data(as_text=True)


def test_a_rule_overridden_with_a_reason_recomputes_the_outcome(app):
    """Staff find the organisation's documents not valid after all: the rule, overridden with a
    reason, makes the application ineligible; overridden back, eligible again. (A draft whose
    documents are missing cannot be submitted: the rule blocks it.)"""
    application_id, _owner, applicant = submitted(app, 1, province="Guelmim")
    with app.app_context():
        assert db.session.get(Application, application_id).status == "eligible"
    staff_page = f"/backoffice/applications/{application_id}"
    secretariat = app.test_client()
    login(secretariat, create_staff(app, "secretariat", provinces=("Guelmim",)))

    def override(outcome: str, reason: str):
        return post(
            secretariat,
            f"{staff_page}/override",
            {"rule": "C1-ORG-DOCS", "outcome": outcome, "reason": reason},
            token_from=staff_page,
        )

    assert override("fail", "").status_code == 302  # refused: no reason
    with app.app_context():
        assert db.session.get(Application, application_id).status == "eligible"
    override("fail", "النظام الأساسي المودع لا يخص هذه الجمعية")
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == "ineligible" and application.eligibility_outcome == "fail"
        report = application.submissions[-1].reports[-1]
        assert report.results[1]["outcome"] == "pass"  # what the rule said is kept
    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "النظام الأساسي المودع لا يخص هذه الجمعية" in page
    override("pass", "الوثائق مودعة ورقيا لدى الكتابة")
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == "eligible" and application.eligibility_outcome == "pass"


@pytest.mark.parametrize(
    ("what", "deadline", "error"),
    [
        ("", "2099-01-31", "هذا الحقل إلزامي."),
        ("أضيفوا لائحة العمال", "2001-01-31", "يجب ألا يكون التاريخ في الماضي."),
    ],
)
def test_a_refused_change_request_says_why_and_keeps_what_the_reviewer_typed(
    app, what, deadline, error
):
    application_id, _owner, _client = submitted(app, 1, province="Guelmim")
    staff_page = f"/backoffice/applications/{application_id}"
    secretariat = app.test_client()
    login(secretariat, create_staff(app, "secretariat", provinces=("Guelmim",)))
    response = post(
        secretariat, f"{staff_page}/changes", {"what": what, "deadline": deadline}, staff_page
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error in page and 'aria-invalid="true"' in page
    assert re.search(rf">\s*{what}</textarea>", page) and f'value="{deadline}"' in page
    assert re.search(r"<details[^>]*\bopen\b[^>]*><summary>طلب تعديلات", page)
    with app.app_context():
        assert db.session.get(Application, application_id).status == "eligible"

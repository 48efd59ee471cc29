"""A submission is a frozen snapshot: later changes to the call do not change its report."""

from datetime import timedelta

import pytest
from sqlalchemy import delete

from portal.applications import services
from portal.applications.models import Application, EligibilityReport
from portal.auth.models import User
from portal.calls.models import Call
from portal.extensions import db
from portal.timeutil import utcnow
from tests.support.accounts import (
    add_documents,
    add_member,
    create_organisation,
    create_staff,
    create_user,
    login,
    post,
)
from tests.support.applications import fill_component1, planned_start, start


def ready_draft(app, member: User | None = None):
    """(owner, the owner's client, a complete draft ready to submit); `member` an editor too."""
    owner = create_user(app)
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner)
    if member is not None:
        add_member(app, organisation, member)
    client = app.test_client()
    login(client, owner)
    application_id, province_id = start(app, client, organisation, 1)
    fill_component1(app, client, application_id, province_id)
    return owner, client, application_id


def submitted_application(app):
    owner, client, application_id = ready_draft(app)
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    return owner, client, application_id


def test_a_call_edited_after_submission_does_not_change_the_report(app):
    _owner, _client, application_id = submitted_application(app)
    with app.app_context():
        application = db.session.get(Application, application_id)
        submission = application.submissions[-1]
        before = submission.reports[-1].results
        call = db.session.get(Call, application.call_id)
        original = (call.opens_at, call.closes_at)
        call.closes_at = utcnow() - timedelta(days=30)  # closed before the submission
        call.opens_at = utcnow() - timedelta(days=60)
        db.session.commit()
        db.session.execute(delete(EligibilityReport).filter_by(submission_id=submission.id))
        db.session.commit()
        services.check_eligibility(submission.id)
        after = db.session.get(Application, application_id).submissions[-1].reports[-1].results
        call = db.session.get(Call, application.call_id)
        call.opens_at, call.closes_at = original
        db.session.commit()
    assert after == before


def test_request_changes_then_resubmit_keeps_the_number_and_checks_again(app):
    _owner, client, application_id = submitted_application(app)
    staff = create_staff(app, "technical_committee", provinces=("Sidi Ifni",))
    with app.app_context():
        application = db.session.get(Application, application_id)
        number = application.number
        services.request_changes(
            application,
            "أضيفوا عدد النساء المستفيدات",
            utcnow().date() + timedelta(days=10),
            by=db.session.get(User, staff.id),
        )
        db.session.commit()
        assert application.status == "changes_requested"
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "أضيفوا عدد النساء المستفيدات" in page
    response = post(
        client,
        f"/applications/{application_id}/steps/worksite",
        {
            "title": "تشجير مدخل المدينة (معدل)",
            "sector": "forests",
            "commune_id": _commune(app, application_id),
            "location": "الطريق 104",
            "workers_planned": "30",
            "supervisors": "3",
            "duration_months": "6",
            "planned_start": planned_start(120),
        },
    )
    assert response.status_code == 302
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.number == number and application.status == "eligible"
        first, second = application.submissions
        assert second.sequence == 2 and second.reports and first.reports
        assert second.data["application"]["details"]["workers_planned"] == "30"
        assert first.data["application"]["details"]["workers_planned"] == "24"


def _commune(app, application_id):
    with app.app_context():
        return db.session.get(Application, application_id).details["commune_id"]


def test_the_application_page_runs_as_many_queries_with_many_documents_as_with_few(app):
    from tests.support.accounts import add_documents
    from tests.support.queries import count_queries

    counts = []
    for extra in (0, 6):
        owner = create_user(app)
        organisation = create_organisation(app, owner)
        add_documents(app, organisation, owner)
        for _ in range(extra):  # more files of the same kinds
            add_documents(app, organisation, owner, codes=["statutes"])
        client = app.test_client()
        login(client, owner)
        application_id, province_id = start(app, client, organisation, 1)
        fill_component1(app, client, application_id, province_id)
        post(
            client,
            f"/applications/{application_id}/submit",
            {},
            token_from=f"/applications/{application_id}/preview",
        )
        client.get(f"/applications/{application_id}")  # warm
        with count_queries(app) as queries:
            assert client.get(f"/applications/{application_id}").status_code == 200
        counts.append(queries["n"])
    assert counts[0] == counts[1] and counts[0] <= 15


def test_my_applications_runs_as_many_queries_with_four_applications_as_with_one(app):
    from tests.support.queries import count_queries

    owner = create_user(app)
    client = app.test_client()
    login(client, owner)
    counts = []
    for province in ("Guelmim", "Tan-Tan", "Assa-Zag", "Sidi Ifni"):
        organisation = create_organisation(app, owner, province=province)
        start(app, client, organisation, 1, province=province)
        client.get("/applications/")
        with count_queries(app) as queries:
            assert client.get("/applications/").status_code == 200
        counts.append(queries["n"])
    assert counts[0] == counts[-1]


def test_the_service_refuses_to_submit_while_a_blocking_rule_fails(app):
    owner = create_user(app)
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner, codes=["statutes"])  # the bureau's minutes missing
    client = app.test_client()
    login(client, owner)
    application_id, province_id = start(app, client, organisation, 1)
    fill_component1(app, client, application_id, province_id)
    with app.app_context():
        application = db.session.get(Application, application_id)
        by = db.session.get(User, owner.id)
        with pytest.raises(services.SubmissionRefused) as refusal:
            services.submit(application, by=by)
        assert refusal.value.failing == ["C1-ORG-DOCS"] and refusal.value.missing == []
        db.session.rollback()
        application = db.session.get(Application, application_id)
        assert application.status == "draft" and application.number is None
        assert application.submissions == []


def test_the_receipts_and_the_result_are_written_by_their_tasks_once_not_while_waiting(
    app, monkeypatch
):
    from portal.notifications.models import Notification

    editor = create_user(app)
    owner, _client, application_id = ready_draft(app, member=editor)
    everyone = sorted([(owner.id, "ar"), (editor.id, "ar")])

    def told(event: str) -> list[tuple[int, str]]:
        rows = db.session.query(Notification).filter(
            Notification.event == event, Notification.user_id.in_((owner.id, editor.id))
        )
        return sorted((n.user_id, n.locale) for n in rows)

    with app.app_context():
        submission = services.submit(
            db.session.get(Application, application_id), by=db.session.get(User, owner.id)
        )
        db.session.flush()
        assert told("application_received") == []  # nothing rendered while the applicant waits
        submission.submitted_at -= timedelta(hours=1)
        assert ("send_receipts", submission.id) in swept(monkeypatch)  # had it been lost
        assert services.send_receipts(submission.id) == 2
        assert services.send_receipts(submission.id) == 0  # sent again by the sweep
        db.session.flush()
        assert told("application_received") == everyone
        services.check_eligibility(submission.id)
        db.session.flush()
        report = submission.reports[-1]
        assert db.session.get(Application, application_id).status == "eligible"
        assert told("eligibility_result") == []  # the report shows before the emails are made
        report.created_at -= timedelta(hours=1)
        assert ("send_result", report.id) in swept(monkeypatch)
        assert services.send_result(report.id) == 2
        assert services.send_result(report.id) == 0
        services.check_eligibility(submission.id)  # the check sent again: nothing more to tell
        db.session.flush()
        assert told("eligibility_result") == everyone
        assert {("send_receipts", submission.id), ("send_result", report.id)}.isdisjoint(
            swept(monkeypatch)
        )
        db.session.rollback()


def swept(monkeypatch) -> list[tuple[str, int]]:
    """What the sweep sends again: (task, id)."""
    sent = []
    with monkeypatch.context() as patch:
        patch.setattr(services, "after_commit", lambda task, *ids: sent.append((task, *ids)))
        services.sweep_receipts()
    return sent


def test_the_page_waiting_for_the_check_asks_a_small_address_of_its_own(app):
    from tests.support.queries import count_queries

    owner, client, application_id = ready_draft(app)
    check = f"/applications/{application_id}/check"
    assert client.get(check).get_json() == {"status": "draft", "checked": False}
    with app.app_context():
        submission = services.submit(
            db.session.get(Application, application_id), by=db.session.get(User, owner.id)
        )
        submission_id = submission.id
        db.session.commit()  # the eager worker checks it at once: take the report away
        db.session.execute(delete(EligibilityReport).filter_by(submission_id=submission_id))
        db.session.commit()
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert f'data-poll-url="{check}"' in page
    client.get(check)
    with count_queries(app) as queries:
        waiting = client.get(check)
    assert waiting.get_json() == {"status": "eligible", "checked": False}
    assert waiting.headers["Cache-Control"] == "private, no-store"
    assert queries["n"] <= 3  # the signed-in user, the application with its members, the report
    with app.app_context():
        services.check_eligibility(submission_id)
        db.session.commit()
    assert client.get(check).get_json()["checked"] is True
    assert f'data-poll-url="{check}"' not in client.get(f"/applications/{application_id}").get_data(
        as_text=True
    )
    stranger = app.test_client()
    login(stranger, create_user(app))
    assert stranger.get(check).status_code == 404

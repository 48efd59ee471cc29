"""Committee sessions: batch decisions within the quota, closing, decision emails."""

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import insert, select

from portal.agreements.models import Agreement
from portal.applications.models import Application, Submission
from portal.applications.services import snapshot
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.committees import services
from portal.committees.models import CommitteeSession
from portal.extensions import db
from portal.geo.models import Province
from portal.notifications.models import Notification
from portal.timeutil import utcnow
from tests.support.accounts import (
    create_organisation,
    create_staff,
    create_user,
    csrf_token,
    demo_call,
    login,
)


@pytest.fixture
def recommended(app):
    """Make `n` recommended applications of `jobs` jobs each in a fresh call of one province."""

    def make(n: int, jobs: int, quota: int, province: str = "Sidi Ifni"):
        owner = create_user(app)
        organisation = create_organisation(app, owner, province=province)
        template = demo_call(app, 1)
        with app.app_context():
            province_id = db.session.query(Province).filter_by(name_fr=province).one().id
            call = Call(
                edition_id=template.edition_id,
                component=1,
                title_ar="دورة اختبار",
                title_fr="Session d'essai",
                opens_at=template.opens_at,
                closes_at=template.closes_at,
            )
            call.provinces = [CallProvince(province_id=province_id, quota_jobs=quota)]
            db.session.add(call)
            db.session.flush()
            ids = [
                db.session.execute(
                    insert(Application)
                    .returning(Application.id)
                    .values(
                        organisation_id=organisation.id,
                        call_id=call.id,
                        component=1,
                        province_id=province_id,
                        status="recommended",
                        details={"workers_planned": str(jobs)},
                        number=f"T-{uuid.uuid4().hex[:10]}",
                        created_by_id=owner.id,
                    )
                ).scalar_one()
                for _ in range(n)
            ]
            # What a submission would have frozen: agreements are written from it.
            for application_id in ids:
                db.session.add(
                    Submission(
                        application_id=application_id,
                        sequence=1,
                        submitted_by_id=owner.id,
                        data=snapshot(
                            db.session.get(Application, application_id),
                            by=db.session.get(User, owner.id),
                            at=utcnow(),
                        ),
                    )
                )
            db.session.commit()
            return call.id, ids, owner

    return make


def test_approvals_up_to_the_quota_then_one_more_is_refused(app, recommended):
    call_id, ids, _owner = recommended(4, jobs=10, quota=30)
    staff = create_staff(app, "committee_member", provinces=("Sidi Ifni",))
    with app.app_context():
        by = db.session.get(User, staff.id)
        session = services.open_session(db.session.get(Call, call_id), date.today(), ["A"], by=by)
        for application_id in ids[:3]:
            services.decide(session, db.session.get(Application, application_id), "approve", by=by)
        with pytest.raises(services.QuotaExceeded) as refusal:
            services.decide(session, db.session.get(Application, ids[3]), "approve", by=by)
        assert refusal.value.remaining == 0
        # Changing one approval to a rejection frees its jobs for another.
        services.decide(session, db.session.get(Application, ids[0]), "reject", reason="x", by=by)
        services.decide(session, db.session.get(Application, ids[3]), "approve", jobs=10, by=by)
        ledger = db.session.get(CallProvince, (call_id, session_province(ids[0])))
        assert ledger.committed_jobs == 30


def session_province(application_id):
    return db.session.get(Application, application_id).province_id


@pytest.mark.integration
def test_two_approvals_at_the_same_moment_never_exceed_the_quota(app, recommended):
    call_id, ids, _owner = recommended(2, jobs=10, quota=15)
    staff = create_staff(app, "committee_member", provinces=("Sidi Ifni",))
    with app.app_context():
        by = db.session.get(User, staff.id)
        session_id = services.open_session(
            db.session.get(Call, call_id), date.today(), ["A"], by=by
        ).id
    barrier, outcomes = threading.Barrier(2), []

    def approve(application_id):
        with app.app_context():  # its own session, so its own PostgreSQL connection
            session = db.session.get(CommitteeSession, session_id)
            application = db.session.get(Application, application_id)
            user = db.session.get(User, staff.id)
            barrier.wait()
            try:
                services.decide(session, application, "approve", by=user)
                outcomes.append("approved")
            except services.QuotaExceeded:
                outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["approved", "refused"]
    with app.app_context():
        ledger = db.session.scalar(select(CallProvince).filter_by(call_id=call_id))
        assert ledger.committed_jobs == 10


def test_a_session_through_http_batch_approval_and_close_with_decision_emails(app, recommended):
    call_id, ids, owner = recommended(3, jobs=12, quota=30)
    client = app.test_client()
    login(client, create_staff(app, "committee_member", provinces=("Sidi Ifni",)))
    token = csrf_token(client, "/backoffice/sessions/")
    response = client.post(
        "/backoffice/sessions/",
        data={
            "call_id": str(call_id),
            "held_on": "2027-01-15",
            "members_present": "الكاتب العام\nANAPEC",
            "csrf_token": token,
        },
    )
    session_path = response.headers["Location"]
    page = client.get(session_path).get_data(as_text=True)
    assert all(f'value="{i}"' in page for i in ids)
    token = csrf_token(client, session_path)
    client.post(
        f"{session_path}/decide",
        data={"application_id": [str(i) for i in ids], "outcome": "approve", "csrf_token": token},
    )
    page = client.get(session_path).get_data(as_text=True)
    assert page.count("<td>مقبول") == 2  # the third would exceed 30 jobs, and says so
    assert "ولا يتبقى سوى 6 في الإقليم" in page
    client.post(
        f"{session_path}/decide",
        data={"application_id": str(ids[2]), "outcome": "defer", "csrf_token": token},
    )
    client.post(f"{session_path}/close", data={"confirm": "y", "csrf_token": token})
    with app.app_context():
        statuses = sorted(db.session.get(Application, i).status for i in ids)
        # Approved, then (eager worker) the agreement rendered: one per approval, numbered
        # one after the other in the series of the region, year and component.
        assert statuses == ["agreement_issued", "agreement_issued", "deferred"]
        numbers = sorted(
            db.session.scalars(
                select(Agreement.number).where(Agreement.application_id.in_(ids))
            ).all()
        )
        assert len(numbers) == 2
        first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
        assert second == first + 1
        assert db.session.get(Application, ids[0]).jobs_granted == 12
        events = [
            n.subject
            for n in db.session.scalars(
                select(Notification).filter_by(user_id=owner.id, event="committee_decision")
            )
        ]
    assert len(events) == 3
    refused = client.post(
        f"{session_path}/decide",
        data={"application_id": str(ids[2]), "outcome": "approve", "csrf_token": token},
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Application, ids[2]).status == "deferred"

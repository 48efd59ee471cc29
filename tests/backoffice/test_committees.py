"""Committee sessions: batch decisions within the quota, closing, decision emails."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.committees import services
from portal.committees.models import CommitteeSession, Decision
from portal.extensions import db
from portal.geo.models import Province
from portal.notifications.models import Notification
from portal.timeutil import local_date
from tests.support.accounts import create_staff, csrf_token, login
from tests.support.agreements import new_call, recommended_in, recommended_in_new_call


@pytest.fixture
def recommended(app):
    """Make `n` recommended applications of `jobs` jobs each in a fresh call of one province."""

    def make(n: int, jobs: int, quota: int, province: str = "Sidi Ifni"):
        return recommended_in_new_call(app, n, jobs, quota, province)

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
        db.session.commit()
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
        db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def approve(application_id):
        with app.app_context():  # its own session, so its own PostgreSQL connection
            session = db.session.get(CommitteeSession, session_id)
            application = db.session.get(Application, application_id)
            user = db.session.get(User, staff.id)
            barrier.wait()
            try:
                services.decide(session, application, "approve", by=user)
                db.session.commit()  # as the request does, releasing the ledger's lock
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
            "held_on": local_date().isoformat(),
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
    # A deferral states its reason: without one nothing is recorded.
    deferral = {"application_id": str(ids[2]), "outcome": "defer", "csrf_token": token}
    client.post(f"{session_path}/decide", data=deferral)
    with app.app_context():
        assert not db.session.scalar(select(Decision).filter_by(application_id=ids[2]))
    client.post(f"{session_path}/decide", data={**deferral, "reason": "الملف غير مكتمل"})
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
            (n.subject, n.body_text)
            for n in db.session.scalars(
                select(Notification).filter_by(user_id=owner.id, event="committee_decision")
            )
        ]
    assert len(events) == 3
    assert sum("الملف غير مكتمل" in body for _subject, body in events) == 1  # the deferral's
    refused = client.post(
        f"{session_path}/decide",
        data={"application_id": str(ids[2]), "outcome": "approve", "csrf_token": token},
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Application, ids[2]).status == "deferred"


def session_rows(app, call_id):
    """What the database holds for the call: its sessions (closed or not), decisions, ledger."""
    with app.app_context():
        sessions = db.session.scalars(select(CommitteeSession).filter_by(call_id=call_id)).all()
        return (
            sorted((s.id, s.closed_at is not None) for s in sessions),
            sorted((d.application_id, d.outcome) for s in sessions for d in s.decisions),
            sorted(
                (r.province_id, r.committed_jobs)
                for r in db.session.scalars(select(CallProvince).filter_by(call_id=call_id))
            ),
        )


def province_id(app, name):
    with app.app_context():
        return db.session.query(Province).filter_by(name_fr=name).one().id


def open_by_form(app, client, call_id, province, token):
    """Post the form that opens a session of the call's committee for `province`, today."""
    return client.post(
        "/backoffice/sessions/",
        data={
            "call_id": str(call_id),
            "province_id": str(province_id(app, province)),
            "held_on": local_date().isoformat(),
            "members_present": "ANAPEC",
            "csrf_token": token,
        },
    )


def test_a_provincial_session_is_closed_to_another_provinces_staff(app):
    call_id = new_call(app, {"Guelmim": 50, "Tan-Tan": 50}, committee="provincial")
    (guelmim_application,), _ = recommended_in(app, call_id, "Guelmim", 1, jobs=5)
    (tantan_application,), _ = recommended_in(app, call_id, "Tan-Tan", 1, jobs=5)
    guelmim = app.test_client()
    login(guelmim, create_staff(app, "committee_member", "secretariat", provinces=("Guelmim",)))
    token = csrf_token(guelmim, "/backoffice/sessions/")
    opened = open_by_form(app, guelmim, call_id, "Guelmim", token)
    session_path = opened.headers["Location"]
    page = guelmim.get(session_path).get_data(as_text=True)
    # The agenda holds the session's province alone; a decision outside it is refused whole.
    assert f'value="{guelmim_application}"' in page
    assert f'value="{tantan_application}"' not in page
    before = session_rows(app, call_id)
    assert len(before[0]) == 1 and before[1] == []
    outside = guelmim.post(
        f"{session_path}/decide",
        data={
            "application_id": [str(guelmim_application), str(tantan_application)],
            "outcome": "approve",
            "csrf_token": token,
        },
    )
    assert outside.status_code == 404
    assert session_rows(app, call_id) == before
    with app.app_context():
        session = db.session.get(CommitteeSession, int(session_path.rsplit("/", 1)[1]))
        with pytest.raises(services.OutsideSession):
            services.decide(
                session,
                db.session.get(Application, tantan_application),
                "approve",
                by=db.session.get(User, session.created_by_id),
            )

    # Staff of Tan-Tan neither see the session nor read or change anything in it.
    tantan_staff = create_staff(app, "committee_member", "secretariat", provinces=("Tan-Tan",))
    tantan = app.test_client()
    login(tantan, tantan_staff)
    listing = tantan.get("/backoffice/sessions/").get_data(as_text=True)
    assert session_path not in listing
    token = csrf_token(tantan, "/backoffice/sessions/")
    assert tantan.get(session_path).status_code == 404
    assert tantan.get(f"{session_path}/minutes.pdf").status_code == 404
    for action, data in (
        ("decide", {"application_id": str(guelmim_application), "outcome": "approve"}),
        ("decide", {"application_id": str(tantan_application), "outcome": "approve"}),
        ("close", {}),
    ):
        response = tantan.post(f"{session_path}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 404, action
    # Nor do they open a session of Guelmim's committee.
    refused = open_by_form(app, tantan, call_id, "Guelmim", token)
    assert refused.status_code == 200
    assert session_rows(app, call_id) == before
    with app.app_context():
        by = db.session.get(User, tantan_staff.id)
        with pytest.raises(services.NotEveryProvince):
            services.open_session(
                db.session.get(Call, call_id),
                local_date(),
                ["A"],
                by=by,
                province_id=province_id(app, "Guelmim"),
            )
        with pytest.raises(services.ProvinceNotCovered):
            services.open_session(
                db.session.get(Call, call_id),
                local_date(),
                ["A"],
                by=by,
                province_id=province_id(app, "Assa-Zag"),
            )
    assert session_rows(app, call_id) == before


def test_a_regional_session_is_for_staff_of_every_province_of_the_call(app):
    call_id = new_call(app, {"Guelmim": 50, "Tan-Tan": 50})
    recommended_in(app, call_id, "Guelmim", 1, jobs=5)
    recommended_in(app, call_id, "Tan-Tan", 1, jobs=5)
    one_province = create_staff(app, "committee_member", provinces=("Guelmim",))
    regional = create_staff(app, "committee_member", provinces=("Guelmim", "Tan-Tan"))
    with app.app_context():
        call = db.session.get(Call, call_id)
        with pytest.raises(services.NotEveryProvince):
            services.open_session(
                call, local_date(), ["A"], by=db.session.get(User, one_province.id)
            )
        session = services.open_session(
            call, local_date(), ["A"], by=db.session.get(User, regional.id)
        )
        assert session.province_ids == {province_id(app, "Guelmim"), province_id(app, "Tan-Tan")}
        assert len(services.agenda(session)) == 2
        session_path = f"/backoffice/sessions/{session.id}"
        db.session.commit()
    client = app.test_client()
    login(client, one_province)
    page = client.get("/backoffice/sessions/").get_data(as_text=True)
    assert session_path not in page
    assert f'<option value="{call_id}"' not in page  # a call this account cannot open
    assert client.get(session_path).status_code == 404
    client = app.test_client()
    login(client, regional)
    assert session_path in client.get("/backoffice/sessions/").get_data(as_text=True)
    assert client.get(session_path).status_code == 200


def test_a_session_closes_on_its_date_not_before(app, recommended):
    call_id, ids, _owner = recommended(1, jobs=10, quota=30)
    staff = create_staff(app, "committee_member", provinces=("Sidi Ifni",))
    tomorrow = local_date() + timedelta(days=1)
    with app.app_context():
        by = db.session.get(User, staff.id)
        session = services.open_session(db.session.get(Call, call_id), tomorrow, ["A"], by=by)
        services.decide(session, db.session.get(Application, ids[0]), "approve", by=by)
        db.session.commit()
        db.session.refresh(session)
        session_path = f"/backoffice/sessions/{session.id}"
    client = app.test_client()
    client.set_cookie("lang", "fr")
    login(client, staff)
    response = client.post(
        f"{session_path}/close",
        data={"confirm": "y", "csrf_token": csrf_token(client, session_path)},
    )
    assert response.status_code == 302
    page = client.get(session_path).get_data(as_text=True)
    expected = f"La session se tient le {tomorrow.strftime('%d/%m/%Y')}"
    assert expected in page
    with app.app_context():
        assert db.session.get(CommitteeSession, session.id).closed_at is None
        assert db.session.get(Application, ids[0]).status == "recommended"
        assert not db.session.scalar(select(Agreement).filter_by(application_id=ids[0]))
        with pytest.raises(services.NotYetHeld):
            services.close(db.session.get(CommitteeSession, session.id), by=by)

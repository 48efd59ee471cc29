"""Amending an issued agreement is a decision: its jobs go through the province's locked quota
ledger, and every figure that reads the ledger agrees with the new version afterwards."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.agreements import services
from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.applications.services import remaining_quota
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.calls.services import QuotaExceeded
from portal.extensions import db
from portal.reports.services import figures as dashboard
from portal.storage import get
from tests.support.accounts import create_staff, login, post
from tests.support.agreements import (
    approve_in_session,
    pdftotext,
    recommended_in_new_call,
    signed_in_staff,
    submitted,
)


def arabic_amount(amount: float) -> str:
    """An amount as the Arabic half and pages write it (ar_MA): "2.673.045,00"."""
    return f"{amount:,.2f}".translate(str.maketrans(",.", ".,"))


def figures(app, application_id: int, staff: User) -> dict:
    """What each reader of the quota says about the application's (call, province)."""
    with app.app_context():
        application = db.session.get(Application, application_id)
        call_id, province_id = application.call_id, application.province_id
        ledger = db.session.get(CallProvince, (call_id, province_id))
        line = next(
            line
            for line in dashboard(
                db.session.get(Call, call_id), db.session.get(User, staff.id)
            ).lines
            if line.province.id == province_id
        )
        return {
            "granted": application.jobs_granted,
            "allotted": ledger.quota_jobs,
            "ledger": ledger.committed_jobs,
            "dashboard_approved": line.approved,
            "dashboard_left": line.remaining,
            "remaining_quota": remaining_quota(call_id, province_id),
        }


def versions(app, application_id: int) -> list[Agreement]:
    with app.app_context():
        rows = db.session.scalars(
            select(Agreement).filter_by(application_id=application_id).order_by(Agreement.version)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def pdf_text(app, agreement: Agreement, name: str) -> str:
    out = Path("build/documents")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.pdf"
    with app.app_context():
        path.write_bytes(get(agreement.pdf_sha256))
    return pdftotext(path)


def amendments(app) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).filter_by(action="agreement.amended").order_by(AuditEvent.id)
        ).all()


def test_an_amendment_past_the_quota_is_refused_and_one_within_it_moves_every_figure(app):
    _call_id, (application_id,), _owner = recommended_in_new_call(app, 1, jobs=10, quota=200)
    _session_id, staff = approve_in_session(app, [application_id])
    (issued,) = versions(app, application_id)
    client = app.test_client()
    client.set_cookie("lang", "fr")
    login(client, staff)
    page = f"/backoffice/agreements/{issued.id}"
    before = figures(app, application_id, staff)
    assert before == {
        "granted": 10,
        "allotted": 200,
        "ledger": 10,
        "dashboard_approved": 10,
        "dashboard_left": 190,
        "remaining_quota": 190,
    }
    audited = len(amendments(app))

    # 9,999 jobs against a quota of 200: refused with the figures, what was typed kept.
    refused = post(client, f"{page}/amend", {"jobs": "9999", "reason": "Plus grand"}, page)
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "9999 emplois demandés mais seulement 200 restants" in text
    assert 'value="9999"' in text
    assert [(v.version, v.status) for v in versions(app, application_id)] == [(1, "issued")]
    assert figures(app, application_id, staff) == before
    assert len(amendments(app)) == audited
    # Past the form's bound, or none at all: refused before the ledger is asked.
    for jobs in ("10001", "0", "-5", "x"):
        response = post(client, f"{page}/amend", {"jobs": jobs, "reason": "r"}, page)
        assert response.status_code == 400, jobs
    # Staff of another province do not even see it.
    elsewhere = signed_in_staff(app, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    assert (
        post(elsewhere, f"{page}/amend", {"jobs": "20", "reason": "r"}, "/backoffice/").status_code
        == 404
    )
    assert figures(app, application_id, staff) == before

    # 150 jobs fit: version 2 states them, and the ledger, the dashboard, the remaining quota
    # and the application all hold them.
    response = post(client, f"{page}/amend", {"jobs": "150", "reason": "Chantier étendu"}, page)
    assert response.status_code == 302
    first, second = versions(app, application_id)
    assert (first.status, first.change_reason, first.changed_by_id) == (
        "amended",
        "Chantier étendu",
        staff.id,
    )
    assert (second.version, second.status, second.created_by_id) == (2, "issued", staff.id)
    assert second.number == first.number
    content = second.content
    wage, months = content["minimum_wage"], content["pay"]["months"]
    assert content["jobs"] == 150 and months == 6
    assert content["pay"] == {"monthly_mad": wage, "months": 6, "total": round(150 * 6 * wage, 2)}
    assert figures(app, application_id, staff) == {
        "granted": 150,
        "allotted": 200,
        "ledger": 150,
        "dashboard_approved": 150,
        "dashboard_left": 50,
        "remaining_quota": 50,
    }
    text = pdf_text(app, second, "agreement-c1-amended")
    total = arabic_amount(150 * 6 * wage)
    for expected in ("150 ouvriers", total, "version 2"):
        assert expected in text, expected
    assert arabic_amount(10 * 6 * wage) in pdf_text(app, first, "agreement-c1-first")
    (event,) = amendments(app)[audited:]
    assert event.actor_id == staff.id
    assert (event.before["jobs"], event.after["jobs"]) == (10, 150)
    assert event.after["reason"] == "Chantier étendu"
    verify = app.test_client()
    shown = verify.get(f"/verify/{second.verification_code}").get_data(as_text=True)
    assert (
        '<dd><bdi dir="ltr">150</bdi></dd>' in shown and total in shown
    )  # amounts as the Arabic pages print them
    verify.set_cookie("lang", "fr")
    assert "remplacée" in verify.get(f"/verify/{first.verification_code}").get_data(as_text=True)

    # A decrease gives the jobs back.
    newer = f"/backoffice/agreements/{second.id}"
    assert (
        post(client, f"{newer}/amend", {"jobs": "4", "reason": "Moins"}, newer).status_code == 302
    )
    assert figures(app, application_id, staff) == {
        "granted": 4,
        "allotted": 200,
        "ledger": 4,
        "dashboard_approved": 4,
        "dashboard_left": 196,
        "remaining_quota": 196,
    }
    # The replaced version cannot be amended again.
    assert post(client, f"{page}/amend", {"jobs": "5", "reason": "r"}, page).status_code == 302
    assert len(versions(app, application_id)) == 3


@pytest.mark.integration
def test_two_amendments_at_the_same_moment_never_exceed_the_quota(app):
    _call_id, ids, _owner = recommended_in_new_call(app, 2, jobs=10, quota=30)
    _session_id, staff = approve_in_session(app, ids)
    issued = [versions(app, application_id)[0].id for application_id in ids]
    barrier, outcomes = threading.Barrier(2), []

    def amend(agreement_id):
        with app.app_context():  # its own session, so its own PostgreSQL connection
            agreement = db.session.get(Agreement, agreement_id)
            user = db.session.get(User, staff.id)
            barrier.wait()
            try:
                services.amend(agreement, "+8", jobs=18, by=user)  # 10 left for both
                db.session.commit()  # as the request does, releasing the ledger's lock
                outcomes.append("amended")
            except QuotaExceeded as refusal:
                outcomes.append(("refused", refusal.remaining))

    threads = [threading.Thread(target=amend, args=(i,)) for i in issued]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes, key=str) == [("refused", 12), "amended"]
    rows = {i: versions(app, i) for i in ids}
    amended = next(i for i in ids if len(rows[i]) == 2)
    kept = next(i for i in ids if len(rows[i]) == 1)
    assert rows[kept][0].status == "issued" and rows[kept][0].content["jobs"] == 10
    assert rows[amended][1].content["jobs"] == 18
    assert figures(app, kept, staff)["granted"] == 10
    assert figures(app, amended, staff) == {
        "granted": 18,
        "allotted": 30,
        "ledger": 28,
        "dashboard_approved": 28,
        "dashboard_left": 2,
        "remaining_quota": 2,
    }


def test_a_component2_amendment_states_the_new_hires_per_post_and_the_grant(app):
    application_id, _owner, _client = submitted(app, 2, province="Tan-Tan")
    _session_id, staff = approve_in_session(app, [application_id], province="Tan-Tan")
    (issued,) = versions(app, application_id)
    assert [p["count"] for p in issued.content["grant"]["posts"]] == [3, 1]
    before = figures(app, application_id, staff)
    client = signed_in_staff(app, staff)
    page = f"/backoffice/agreements/{issued.id}"
    form = client.get(page).get_data(as_text=True)
    assert 'name="post_0"' in form and 'name="post_1"' in form and 'name="jobs"' not in form
    for counts in (("0", "0"), ("1001", "1"), ("-1", "2")):
        response = post(
            client, f"{page}/amend", {"post_0": counts[0], "post_1": counts[1], "reason": "r"}, page
        )
        assert response.status_code == 400, counts
    response = post(
        client, f"{page}/amend", {"post_0": "2", "post_1": "1", "reason": "سائق واحد"}, page
    )
    assert response.status_code == 302
    _first, second = versions(app, application_id)
    grant = second.content["grant"]
    per_hire = grant["per_hire"]  # 1,500 MAD a month × 18 months (edition 1): 27,000
    assert second.content["jobs"] == 3
    assert [(p["count"], p["amount"]) for p in grant["posts"]] == [
        (2, 2 * per_hire),
        (1, per_hire),
    ]
    assert grant["total"] == 3 * per_hire == 81_000
    # One hire fewer: given back to the province's quota, everywhere it is read.
    after = figures(app, application_id, staff)
    assert after["granted"] == 3
    for name in ("ledger", "dashboard_approved"):
        assert after[name] == before[name] - 1, name
    for name in ("dashboard_left", "remaining_quota"):
        assert after[name] == before[name] + 1, name
    text = pdf_text(app, second, "agreement-c2-amended")
    for expected in ("81.000,00", "4.500,00", "3 embauches"):  # the total, a month's payment
        assert expected in text, expected
    shown = app.test_client().get(f"/verify/{second.verification_code}").get_data(as_text=True)
    assert '<dd><bdi dir="ltr">3</bdi></dd>' in shown and "81.000,00" in shown


def test_a_revoked_agreement_gives_its_jobs_back_to_every_figure(app):
    _call_id, (application_id,), owner = recommended_in_new_call(app, 1, jobs=10, quota=200)
    _session_id, staff = approve_in_session(app, [application_id])
    (issued,) = versions(app, application_id)
    client = signed_in_staff(app, staff)
    page = f"/backoffice/agreements/{issued.id}"
    assert figures(app, application_id, staff)["ledger"] == 10

    assert post(client, f"{page}/revoke", {"reason": "لم ينطلق الورش"}, page).status_code == 302
    after = figures(app, application_id, staff)
    assert after["ledger"] == 0 and after["dashboard_approved"] == 0
    assert after["dashboard_left"] == after["remaining_quota"] == 200
    with app.app_context():
        assert db.session.get(Application, application_id).status == "agreement_revoked"
        event = db.session.scalar(
            select(AuditEvent).filter_by(action="agreement.revoked", object_id=application_id)
        )
        assert event.after["jobs_released"] == 10
    # A second revocation changes nothing, and the applicant reads the new status.
    assert post(client, f"{page}/revoke", {"reason": "encore"}, page).status_code in (302, 409)
    assert figures(app, application_id, staff) == after
    applicant = app.test_client()
    login(applicant, owner)
    assert "الاتفاقية ملغاة" in applicant.get(f"/applications/{application_id}").get_data(
        as_text=True
    )

"""Enrolment as the rules have it: on a signed agreement only, within its jobs (its posts for
component 2), by the partner's editors; validated or refused by the province's secretariat;
an early end with its reason; every step audited, the CIN masked in the trail."""

import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal.access import can
from portal.agreements.models import Agreement
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.beneficiaries import services
from portal.beneficiaries.models import Contract
from portal.extensions import db
from tests.support.accounts import create_staff, create_user, login
from tests.support.beneficiaries import enrol, new_cin, signed_agreement


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=2)


def reason_of(side, cin=None, **overrides) -> str | None:
    try:
        enrol(side, cin or new_cin(), **overrides)
    except services.EnrolmentRefused as refusal:
        return refusal.reason
    return None


def test_only_a_signed_agreement_takes_workers(app, side):
    with app.app_context():
        agreement = db.session.get(Agreement, side.agreement_id)
        editor = db.session.get(User, side.editor.id)
        assert can(editor, "enrol", agreement)
        for status in ("issued", "amended", "revoked"):
            agreement.status = status
            assert not can(editor, "enrol", agreement)
            assert reason_of(side) == "not_signed"


def test_a_closed_agreement_takes_no_more_workers(app, side):
    from portal.applications.models import Application

    with app.app_context():
        editor = db.session.get(User, side.editor.id)
        agreement = db.session.get(Agreement, side.agreement_id)
        db.session.get(Application, side.application_id).status = "closed"
        db.session.commit()
        assert agreement.status == "signed" and not can(editor, "enrol", agreement)
        assert reason_of(side) == "closed"
    client = app.test_client()
    login(client, side.editor)
    page = client.get(f"/agreements/{side.agreement_id}/workers").get_data(as_text=True)
    assert f"/agreements/{side.agreement_id}/workers/new" not in page
    assert "لم يعد يسجل" in page  # the closed notice, in Arabic
    assert client.get(f"/agreements/{side.agreement_id}/workers/new").status_code == 403


def test_the_contracts_holding_a_job_never_pass_the_agreements_jobs(app, side):
    with app.app_context():
        staff, editor = db.session.get(User, side.staff.id), db.session.get(User, side.editor.id)
        first, second = enrol(side, new_cin()).contract, enrol(side, new_cin()).contract
        assert reason_of(side) == "no_jobs_left"
        services.refuse(first, "ليس من الفئة المستهدفة", by=staff)
        third = enrol(side, new_cin()).contract  # the refused one held nothing
        assert reason_of(side) == "no_jobs_left"
        services.validate(second, by=staff)
        services.end_contract(second, date(2027, 4, 30), "resigned", "وجد عملا", by=editor)
        assert reason_of(side) is None  # the ended one's job is free again
        assert (second.actual_end, second.end_reason, second.end_note) == (
            date(2027, 4, 30),
            "resigned",
            "وجد عملا",
        )
        assert third.status == "proposed" and services.holding_count(side.application_id) == 2


def test_component_2_hires_fill_the_agreements_posts(app):
    side = signed_agreement(app, component=2)
    with app.app_context():
        posts = services.posts_of(db.session.get(Agreement, side.agreement_id))
        assert [(p["title"], p["count"]) for p in posts] == [("عامل تلفيف", 3), ("سائق", 1)]
        driver = enrol(side, new_cin(), post_index=1).contract
        assert driver.role == "سائق" and driver.component == 2
        assert reason_of(side, post_index=1) == "post_full"
        assert reason_of(side, post_index=0) is None


def test_who_may_enrol_see_validate_and_end(app, side):
    stranger = create_user(app)
    elsewhere = create_staff(app, "secretariat", provinces=("Tan-Tan",))
    reviewer = create_staff(app, "technical_committee", provinces=("Sidi Ifni",))
    admin = create_staff(app, "admin")
    with app.app_context():
        contract = enrol(side, new_cin()).contract
        agreement = contract.agreement
        users = {
            name: db.session.get(User, user.id)
            for name, user in {
                "owner": side.owner,
                "editor": side.editor,
                "stranger": stranger,
                "secretariat": side.staff,
                "elsewhere": elsewhere,
                "reviewer": reviewer,
                "admin": admin,
            }.items()
        }
        allowed = {
            (name, what)
            for name, user in users.items()
            for what, action, obj in (
                ("enrol", "enrol", agreement),
                ("workers", "workers", agreement),
                ("contract", "view", contract),
                ("validate", "validate", contract),
                ("refuse", "refuse", contract),
                ("end", "end", contract),
                ("person", "view", contract.person),
            )
            if can(user, action, obj)
        }
    partner = {"enrol", "workers", "contract", "end"}
    staff_here = {"workers", "contract"}
    managers = staff_here | {"validate", "refuse", "person"}
    assert allowed == (
        {(who, a) for who in ("owner", "editor") for a in partner}
        | {("reviewer", a) for a in staff_here}
        | {(who, a) for who in ("secretariat", "admin") for a in managers}
        | {("elsewhere", "person")}  # the person's history, to see where someone works
    )


def test_a_decided_contract_is_not_decided_again_and_every_step_is_audited(app, side):
    cin = new_cin()
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        contract = enrol(side, cin).contract
        services.validate(contract, by=staff)
        with pytest.raises(services.NotProposed):
            services.refuse(contract, "متأخر", by=staff)
        with pytest.raises(ValueError):  # an end outside the contract's days
            services.end_contract(
                contract, date(2027, 9, 1), "other", by=db.session.get(User, side.editor.id)
            )
        services.end_contract(
            contract, date(2027, 8, 31), "completed", by=db.session.get(User, side.editor.id)
        )
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type.in_(("contract", "person")))
            .where(AuditEvent.object_id.in_((contract.id, contract.person_id)))
            .order_by(AuditEvent.id)
        ).all()
        trail = [(e.action, e.after["cin"]) for e in events]
    masked = "•" * (len(cin) - 4) + cin[-4:]
    assert trail == [
        ("person.created", masked),
        ("contract.enrolled", masked),
        ("contract.validated", masked),
        ("contract.ended", masked),
    ]


@pytest.mark.integration
def test_two_enrolments_on_the_last_job_at_the_same_moment_one_is_refused(app):
    side = signed_agreement(app, jobs=1)
    barrier, outcomes = threading.Barrier(2), []

    def enrol_one():
        with app.app_context():  # its own session, so its own PostgreSQL connection
            barrier.wait()
            try:
                enrol(side, new_cin())
                db.session.commit()  # as the request does, releasing the agreement's lock
                outcomes.append("enrolled")
            except services.EnrolmentRefused as refusal:
                db.session.rollback()
                outcomes.append(refusal.reason)

    threads = [threading.Thread(target=enrol_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["enrolled", "no_jobs_left"]
    with app.app_context():
        held = db.session.scalars(
            select(Contract).filter_by(application_id=side.application_id)
        ).all()
    assert len(held) == 1

"""B1-UNIQUE-ACTIVE: one person, one contract on any day, whatever the worksite, employer,
province or edition; the service refuses it everywhere, the database on PostgreSQL even when
two partners enrol one person at the same moment."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.beneficiaries import services
from portal.beneficiaries.models import Contract, ContractStatus, Person
from portal.calls.models import Edition
from portal.extensions import db
from tests.support.beneficiaries import enrol, new_cin, person_details, signed_agreement
from tests.support.services import SERVER_DATABASE_URL

ON_POSTGRESQL = SERVER_DATABASE_URL.startswith("postgresql")


@pytest.fixture
def sides(app):
    """Two signed agreements of two organisations in two provinces."""
    return signed_agreement(app, "Sidi Ifni"), signed_agreement(app, "Tan-Tan")


def refusal_of(side, cin, **overrides) -> str | None:
    try:
        enrol(side, cin, **overrides)
    except services.EnrolmentRefused as refusal:
        return refusal.reason
    return None


def test_a_person_under_contract_is_refused_elsewhere_on_any_shared_day(app, sides):
    here, there = sides
    cin = new_cin()
    with app.app_context():
        enrol(here, cin, start=date(2027, 3, 1), end=date(2027, 8, 31))
        for start, end in (
            (date(2027, 3, 1), date(2027, 8, 31)),  # the same months
            (date(2027, 8, 31), date(2028, 2, 28)),  # the last day is shared (both ends count)
            (date(2026, 9, 1), date(2027, 3, 1)),  # the first day is shared
            (date(2027, 4, 1), date(2027, 5, 31)),  # inside
        ):
            assert refusal_of(there, cin, start=start, end=end) == "already_under_contract"
        # The day after the end, another employer in another province may take them on.
        assert refusal_of(there, cin, start=date(2027, 9, 1), end=date(2028, 2, 29)) is None


def test_a_refused_contract_holds_no_day_and_an_early_end_frees_the_rest(app, sides):
    here, there = sides
    cin = new_cin()
    with app.app_context():
        staff = db.session.get(User, here.staff.id)
        first = enrol(here, cin).contract
        services.refuse(first, "الملف ناقص", by=staff)
        second = enrol(there, cin).contract  # the same months, the first refused
        services.validate(second, by=db.session.get(User, there.staff.id))
        services.end_contract(
            second, date(2027, 5, 15), "resigned", by=db.session.get(User, there.editor.id)
        )
        assert refusal_of(here, cin, start=date(2027, 5, 15)) == "already_under_contract"
        assert refusal_of(here, cin, start=date(2027, 5, 16)) is None


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the exclusion constraint is PostgreSQL's")
def test_the_database_refuses_an_overlapping_row_written_past_the_service(app, sides):
    here, _there = sides
    with app.app_context():
        contract = enrol(here, new_cin()).contract
        twin = Contract(
            **{
                column: getattr(contract, column)
                for column in (
                    "person_id",
                    "agreement_id",
                    "application_id",
                    "organisation_id",
                    "component",
                    "edition_id",
                    "kind",
                    "role",
                    "monthly_wage",
                    "created_by_id",
                )
            },
            start_date=date(2027, 8, 31),
            planned_end=date(2027, 12, 31),
        )
        overlap = pytest.raises(IntegrityError, match=services.OVERLAP_CONSTRAINT)
        with overlap, db.session.begin_nested():
            db.session.add(twin)
        twin.status = ContractStatus.REFUSED  # a refused contract holds no day
        db.session.add(twin)
        db.session.flush()


@pytest.mark.parametrize(("setting", "outcome"), [("allow", []), ("warn", ["earlier_edition"])])
def test_a_person_of_an_earlier_edition_is_enrolled_again_by_the_editions_setting(
    app, sides, setting, outcome
):
    here, there = sides
    cin = new_cin()
    with app.app_context():
        earlier = enrol(here, cin, start=date(2023, 3, 1), end=date(2023, 8, 31)).contract
        earlier.edition_id = db.session.scalar(select(Edition.id).filter_by(code="awrach2_2023"))
        set_repeat(there, setting)
        assert enrol(there, cin).warnings == outcome


def test_an_edition_may_block_a_second_participation(app, sides):
    here, there = sides
    cin = new_cin()
    with app.app_context():
        earlier = enrol(here, cin, start=date(2023, 3, 1), end=date(2023, 8, 31)).contract
        earlier.edition_id = db.session.scalar(select(Edition.id).filter_by(code="awrach2_2023"))
        set_repeat(there, "block")
        assert refusal_of(there, cin) == "earlier_edition"
        assert enrol(here, new_cin()).warnings == []  # a first participation


def set_repeat(side, setting: str) -> None:
    edition = db.session.get(Agreement, side.agreement_id).application.call.edition
    edition.parameters = edition.parameters | {"beneficiaries": {"repeat_participation": setting}}


@pytest.mark.integration
@pytest.mark.skipif(not ON_POSTGRESQL, reason="the exclusion constraint is PostgreSQL's")
def test_two_partners_enrolling_one_person_at_the_same_moment_one_is_refused(
    app, sides, monkeypatch
):
    """Each on its own connection, both past the service's check before either writes (the
    race the check cannot see): the database keeps one contract and refuses the other."""
    cin = new_cin()
    with app.app_context():
        db.session.add(
            Person(cin=cin, created_by_id=sides[0].editor.id, **person_details(sides[0].commune_id))
        )
        db.session.commit()
    both_checked, outcomes = threading.Barrier(2, timeout=30), []
    check = services.overlapping

    def overlapping_then_wait(*args, **kwargs):
        found = check(*args, **kwargs)
        both_checked.wait()
        return found

    monkeypatch.setattr(services, "overlapping", overlapping_then_wait)

    def enrol_on(side):
        with app.app_context():  # its own session, so its own PostgreSQL connection
            try:
                enrol(side, cin)
                db.session.commit()  # as the request does
                outcomes.append("enrolled")
            except services.EnrolmentRefused as refusal:
                db.session.rollback()
                outcomes.append(refusal.reason)

    threads = [threading.Thread(target=enrol_on, args=(side,)) for side in sides]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["already_under_contract", "enrolled"]
    with app.app_context():
        person = db.session.scalar(select(Person).filter_by(cin=cin))
        held = db.session.scalar(
            select(func.count(Contract.id)).where(
                Contract.person_id == person.id, Contract.status != ContractStatus.REFUSED
            )
        )
    assert held == 1

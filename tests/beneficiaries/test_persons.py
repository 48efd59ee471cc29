"""Persons by CIN and their contracts: one row per person, the SMIG of the start date."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from portal.applications.models import Application
from portal.beneficiaries import services
from portal.beneficiaries.models import ContractStatus, Person
from portal.extensions import db
from portal.geo.models import Commune
from tests.support.beneficiaries import enrol, new_cin, signed_agreement


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=3)


@pytest.mark.parametrize(
    ("typed", "stored"), [(" ab 123456 ", "AB123456"), ("j\t4521", "J4521"), ("Jb1", "JB1")]
)
def test_a_cin_is_stored_upper_case_without_spaces(typed, stored):
    assert services.normalise_cin(typed) == stored


@pytest.mark.parametrize("cin", ["AB123456", "J4521", "T123"])
def test_a_cin_is_one_or_two_letters_then_digits(cin):
    assert services.cin_format_ok(cin)


@pytest.mark.parametrize("cin", ["", "123456", "ABC12345", "AB1234567", "A12", "AB12-34", "É12345"])
def test_anything_else_is_not_a_cin(cin):
    assert not services.cin_format_ok(cin)


@pytest.mark.parametrize(
    ("cin", "masked"), [("AB123456", "AB••••56"), ("J4521", "J4•21"), ("T123", "••••")]
)
def test_a_cin_shows_masked_its_first_and_last_two_characters(cin, masked):
    assert services.mask_cin(cin) == masked


def test_enrolling_creates_the_person_once_whatever_the_spelling_of_the_cin(app, side):
    cin = new_cin()
    with app.app_context():
        first = enrol(side, cin.lower()).contract
        first.status = ContractStatus.ENDED
        first.actual_end = date(2027, 3, 31)
        second = enrol(side, f" {cin[:2]} {cin[2:]} ", start=date(2027, 4, 1)).contract
        assert first.person_id == second.person_id
        person = db.session.get(Person, first.person_id)
        assert person.cin == cin and len(person.contracts) == 2
        assert first.status == "ended" and second.status == "proposed"
        assert (second.organisation_id, second.component) == (side.organisation_id, 1)
        assert second.edition_id == second.application.call.edition_id
        commune = db.session.get(Commune, side.commune_id)
        assert person.is_urban == commune.is_urban


def test_the_database_holds_one_person_per_cin(app, side):
    cin = new_cin()
    with app.app_context():
        person = enrol(side, cin).contract.person
        twin = Person(
            cin=cin,
            created_by_id=side.editor.id,
            **{k: getattr(person, k) for k in services.PERSON_FIELDS},
        )
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(twin)


def test_an_edition_1_contract_of_2024_is_held_to_the_2024_smig(app, side):
    """Edition 1's own copy of the SMIG stopped at 2,970.05 (2022)."""
    with app.app_context():
        assert side_edition(side) == "awrach1_2022"
        start, end = date(2024, 6, 1), date(2024, 11, 30)
        with pytest.raises(services.EnrolmentRefused) as refusal:
            enrol(side, new_cin(), start=start, end=end, wage=Decimal("2970.05"))
        assert refusal.value.reason == "wage_below_minimum"
        assert refusal.value.values["minimum"] == 3111.39
        contract = enrol(side, new_cin(), start=start, end=end, wage=Decimal("3111.39")).contract
        assert contract.monthly_wage == Decimal("3111.39")


def test_a_contract_ends_after_it_starts_in_the_database(app, side):
    with app.app_context():
        contract = enrol(side, new_cin()).contract
        with pytest.raises(IntegrityError), db.session.begin_nested():
            contract.planned_end = date(2027, 2, 1)
            db.session.flush()


def side_edition(side) -> str:
    return db.session.get(Application, side.application_id).call.edition.code

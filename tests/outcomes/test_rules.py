"""The dashboard's definitions on plain data, one table each: started, active, completed,
early exits, age bands, person-months, shares and the post a replacement holds."""

from datetime import date

import pytest

from portal.outcomes import rules
from portal.outcomes.rules import ContractFacts

TODAY = date(2027, 6, 15)
C1 = dict(component=1, start=date(2027, 3, 1), planned_end=date(2027, 8, 31))
C2 = dict(component=2, start=date(2025, 6, 1), planned_end=date(2028, 5, 31), min_months=24)


@pytest.mark.parametrize(
    ("facts", "started", "active", "completed", "early"),
    [
        # component 1: running, not yet started, ended early, ended on its planned end
        (ContractFacts(**C1), True, True, False, False),
        (ContractFacts(**C1 | {"start": date(2027, 6, 16)}), False, False, False, False),
        (ContractFacts(**C1 | {"start": TODAY}), True, True, False, False),
        (
            ContractFacts(**C1, actual_end=date(2027, 5, 10), end_reason="resigned"),
            True,
            False,
            False,
            True,
        ),
        (
            ContractFacts(**C1 | {"planned_end": date(2027, 5, 31)}, actual_end=date(2027, 5, 31)),
            True,
            False,
            True,
            False,
        ),
        # its planned end past, not formally ended: completed, no longer active
        (ContractFacts(**C1 | {"planned_end": date(2027, 6, 14)}), True, False, True, False),
        # the last day is the planned end: still active on it
        (ContractFacts(**C1 | {"planned_end": TODAY}), True, True, True, False),
        # component 2: 24 months from 1 June 2025 are reached on 31 May 2027
        (ContractFacts(**C2), True, True, True, False),
        (ContractFacts(**C2 | {"start": date(2025, 6, 17)}), True, True, False, False),
        (ContractFacts(**C2 | {"start": date(2025, 6, 16)}), True, True, True, False),
        (
            ContractFacts(**C2, actual_end=date(2027, 5, 30), end_reason="dismissed"),
            True,
            False,
            False,
            True,
        ),
        (ContractFacts(**C2, actual_end=date(2027, 5, 31)), True, False, True, False),
    ],
)
def test_started_active_completed_and_early_exits(facts, started, active, completed, early):
    assert rules.started(facts, TODAY) is started
    assert rules.active(facts, TODAY) is active
    assert rules.completed(facts, TODAY) is completed
    assert rules.early_exit(facts) is early


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (ContractFacts(**C1, actual_end=date(2027, 4, 1), end_reason="died"), "died"),
        (ContractFacts(**C1, actual_end=date(2027, 4, 1)), "other"),
    ],
)
def test_an_early_exit_counts_under_its_reason(facts, reason):
    assert rules.exit_reason(facts) == reason


BANDS = (18, 25, 35, 45)


@pytest.mark.parametrize(
    ("birth_year", "year", "band"),
    [
        (2009, 2027, "18-24"),
        (2003, 2027, "18-24"),
        (2002, 2027, "25-34"),
        (1993, 2027, "25-34"),
        (1992, 2027, "35-44"),
        (1983, 2027, "35-44"),
        (1982, 2027, "45+"),
        (1950, 2027, "45+"),
        (2010, 2027, "<18"),
    ],
)
def test_age_bands_from_the_birth_year(birth_year, year, band):
    assert rules.age_band(birth_year, year, BANDS) == band


def test_age_bands_follow_the_setting():
    assert rules.age_band(1997, 2027, (18, 30)) == "30+"
    assert rules.age_band(1998, 2027, (18, 30)) == "18-29"
    assert rules.age_bands(BANDS) == ["18-24", "25-34", "35-44", "45+", "<18"]


@pytest.mark.parametrize(("days", "months"), [(0, 0), (26, 1), (13, 0.5), (26 * 12 + 13, 12.5)])
def test_person_months_are_days_over_26(days, months):
    assert rules.person_months(days) == months


@pytest.mark.parametrize(
    ("part", "whole", "share"), [(1, 4, 25.0), (0, 4, 0.0), (3, 3, 100.0), (0, 0, None)]
)
def test_shares_are_computed_never_typed(part, whole, share):
    assert rules.share(part, whole) == share


@pytest.mark.parametrize(
    ("contract", "replaces", "post"),
    [
        (7, {}, 7),
        (8, {8: 7}, 7),  # a replacement holds the post of the worker it replaces
        (9, {9: 8, 8: 7}, 7),  # and the replacement of a replacement too
        (5, {5: 6, 6: 5}, 5),  # a loop in bad data ends
    ],
)
def test_a_post_is_its_first_contract(contract, replaces, post):
    assert rules.post_of(contract, replaces) == post


def test_months_are_added_on_the_last_day_when_shorter():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)

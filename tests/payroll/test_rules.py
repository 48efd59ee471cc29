"""The month's arithmetic (P-DAYS-MAX, P-DAYS-IN-CONTRACT, P-WAGE-MONTH, P-SITUATION,
P-STATEMENT-DUE), table-driven."""

from datetime import date
from decimal import Decimal

import pytest

from portal.payroll import rules

D = date


@pytest.mark.parametrize(
    ("start", "end", "period", "days"),
    [
        (D(2026, 1, 1), D(2026, 6, 30), D(2026, 3, 1), 26),  # a whole month
        (D(2026, 1, 1), D(2026, 6, 30), D(2026, 2, 1), 26),  # a whole February
        (D(2026, 1, 15), D(2026, 6, 30), D(2026, 1, 1), 14),  # 17 of 31 days: 14.26 → 14
        (D(2026, 1, 1), D(2026, 6, 10), D(2026, 6, 1), 9),  # 10 of 30 days: 8.67 → 9
        (D(2026, 4, 16), D(2026, 9, 30), D(2026, 4, 1), 13),  # 15 of 30 days: exactly 13
        (D(2026, 3, 31), D(2026, 9, 30), D(2026, 3, 1), 1),  # 1 of 31 days: 0.84 → 1
        (D(2026, 3, 10), D(2026, 3, 10), D(2026, 3, 1), 1),  # a one-day contract
        (D(2026, 3, 1), D(2026, 6, 30), D(2026, 2, 1), 0),  # before it starts
        (D(2026, 3, 1), D(2026, 6, 30), D(2026, 7, 1), 0),  # after it ends
    ],
)
def test_days_a_contract_may_be_declared_for(start, end, period, days):
    assert rules.contract_days(start, end, period) == days


@pytest.mark.parametrize(
    ("period", "farm", "floor"),
    [
        (D(2022, 8, 1), False, Decimal("2828.71")),
        (D(2022, 9, 1), False, Decimal("2970.05")),  # decree 2-22-606
        (D(2024, 6, 1), False, Decimal("3111.39")),  # not the 2022 value
        (D(2025, 2, 1), False, Decimal("3266.10")),
        (D(2025, 2, 1), True, Decimal("2303.08")),  # SMAG 88.58 × 26 until April 2025
        (D(2025, 4, 1), True, Decimal("2418.00")),  # SMAG 93.00 × 26
    ],
)
def test_the_floor_is_the_minimum_wage_in_force_that_month(period, farm, floor):
    assert rules.wage_floor(period, farm=farm) == floor


@pytest.mark.parametrize(
    ("wage", "days", "floor", "due"),
    [
        ("3500.00", 26, "3266.10", "3500.00"),  # a full month at the contract's wage
        ("3500.00", 13, "3266.10", "1750.00"),  # half the days, half the wage
        ("3000.00", 26, "3266.10", "3266.10"),  # never below the floor
        ("3000.00", 10, "3266.10", "1256.19"),  # 3266.10 × 10 / 26 = 1256.1923…
        ("3266.10", 0, "3266.10", "0.00"),
        ("3111.39", 1, "3111.39", "119.67"),  # 119.6688… half up
    ],
)
def test_wage_due_is_the_wage_times_days_over_26(wage, days, floor, due):
    assert rules.wage_due(Decimal(wage), days, Decimal(floor)) == Decimal(due)


@pytest.mark.parametrize(
    ("period", "day", "due"),
    [
        (D(2026, 1, 1), 10, D(2026, 2, 10)),
        (D(2026, 12, 1), 10, D(2027, 1, 10)),  # across the year
        (D(2026, 1, 1), 31, D(2026, 2, 28)),  # a day February lacks
    ],
)
def test_a_statement_is_due_in_the_next_month(period, day, due):
    assert rules.due_on(period, day) == due


MARCH = D(2026, 3, 1)


@pytest.mark.parametrize(
    ("days", "max_days", "situation", "end", "problems"),
    [
        (26, 26, "", D(2026, 6, 30), []),
        (20, 26, "IL", D(2026, 6, 30), []),
        (20, 26, "", D(2026, 6, 30), ["P-SITUATION"]),  # short without a reason
        (27, 26, "", D(2026, 6, 30), ["P-DAYS-MAX"]),
        (-1, 26, "IL", D(2026, 6, 30), ["P-DAYS-MAX"]),
        (14, 9, "", D(2026, 3, 10), ["P-DAYS-IN-CONTRACT"]),  # more than the contract's days
        (9, 9, "", D(2026, 3, 10), []),  # the last month, pro rata, is not short
        (5, 9, "SO", D(2026, 3, 10), []),  # left in the month it ends
        (5, 26, "SO", D(2026, 6, 30), ["P-SITUATION"]),  # "left" but the contract runs on
    ],
)
def test_line_problems(days, max_days, situation, end, problems):
    assert (
        rules.line_problems(days, max_days, situation, contract_end=end, period=MARCH) == problems
    )

"""M-HEADCOUNT and M-VISIT-MIN, pure: the gap past the threshold (strictly), nobody declared,
the months begun of a running period."""

from datetime import date

import pytest

from portal.monitoring import rules


@pytest.mark.parametrize(
    ("declared", "present", "threshold", "flagged"),
    [
        (10, 10, 0.20, False),
        (10, 8, 0.20, False),  # 20 % exactly is not above it
        (10, 12, 0.20, False),
        (10, 7, 0.20, True),  # 30 % fewer
        (10, 13, 0.20, True),  # 30 % more
        (5, 4, 0.20, False),  # 20 %
        (5, 3, 0.20, True),  # 40 %
        (3, 2, 0.20, True),  # 33 %
        (3, 2, 0.50, False),
        (100, 79, 0.20, True),
        (100, 80, 0.20, False),
        (0, 0, 0.20, False),  # nobody declared, nobody there
        (0, 1, 0.20, True),  # someone at work without a contract
        (10, 0, 0.20, True),
        (10, 9, 0.0, True),  # a threshold of 0: any difference
    ],
)
def test_a_gap_above_the_threshold_flags(declared, present, threshold, flagged):
    assert rules.has_gap(declared, present, threshold) is flagged


def test_the_share_is_of_the_declared():
    assert rules.gap_share(10, 7) == pytest.approx(0.3)
    assert rules.gap_share(10, 13) == pytest.approx(0.3)
    assert rules.gap_share(0, 3) is None


START, END = date(2026, 10, 15), date(2027, 3, 31)


@pytest.mark.parametrize(
    ("today", "per_month", "required"),
    [
        (date(2026, 10, 14), 1, 0),  # before the first contract starts
        (date(2026, 10, 15), 1, 1),  # its first month has begun
        (date(2026, 10, 31), 1, 1),
        (date(2026, 11, 1), 1, 2),
        (date(2026, 12, 2), 1, 3),
        (date(2026, 12, 2), 2, 6),
        (date(2027, 3, 31), 1, 6),
        (date(2027, 9, 1), 1, 6),  # after the end: the running period only
        (date(2026, 12, 2), 0, 0),
    ],
)
def test_visits_are_required_for_each_month_begun(today, per_month, required):
    assert rules.required_visits(START, END, today, per_month) == required


def test_no_visit_is_required_without_a_running_period():
    assert rules.required_visits(None, None, date(2026, 12, 2), 1) == 0

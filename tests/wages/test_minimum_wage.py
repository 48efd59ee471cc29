"""The national minimum wage table: each amount read for the day at hand."""

import csv
from datetime import date

import pytest

from portal.wages import TABLE, minimum_wage


def test_each_amount_changes_on_its_own_date():
    before, after = minimum_wage(date(2025, 3, 31)), minimum_wage(date(2025, 4, 1))
    # 2025: the SMIG rose on 1 January, the SMAG on 1 April (decree 2.24.1122).
    assert (before.smig_monthly, before.smig_hourly, before.smag_daily) == (3266.10, 17.10, 88.58)
    assert after.smag_daily == 93.00 and after.since["smag_daily"] == date(2025, 4, 1)
    assert after.since["smig_monthly"] == date(2025, 1, 1)
    assert after.decree["smig_monthly"] == "2.24.1122"


@pytest.mark.parametrize(
    ("on", "monthly"),
    [
        (date(2019, 7, 1), 2828.71),
        (date(2022, 8, 31), 2828.71),
        (date(2022, 9, 1), 2970.05),
        (date(2024, 6, 1), 3111.39),
        (date(2026, 12, 2), 3266.10),
    ],
)
def test_the_smig_in_force_on_a_day(on, monthly):
    assert minimum_wage(on).smig_monthly == monthly


def test_a_day_before_the_table_is_refused():
    with pytest.raises(ValueError, match="2019-06-30"):
        minimum_wage(date(2019, 6, 30))


def test_the_table_carries_its_sources_and_its_months_are_191_hours():
    with open(TABLE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["source"] for row in rows)
    for row in rows:
        if row["smig_hourly"]:
            assert abs(float(row["smig_hourly"]) * 191 - float(row["smig_monthly"])) < 1

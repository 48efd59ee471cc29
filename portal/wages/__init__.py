"""The national minimum wage, dated: the SMIG (per hour and per month) and the SMAG (per day) in
force on a given day, from one table in the project (`data/minimum_wage.csv`, with its sources).

Pure: no Flask, no database. Every edition, rule, agreement and contract reads the same table.
"""

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "minimum_wage.csv"
AMOUNTS = ("smig_hourly", "smig_monthly", "smag_daily")


@dataclass(frozen=True)
class MinimumWage:
    """The amounts in force on a day (MAD), each with the date it took effect."""

    smig_hourly: float
    smig_monthly: float
    smag_daily: float
    since: dict[str, date]
    decree: dict[str, str]


@cache
def _rows() -> tuple[dict, ...]:
    with open(TABLE, newline="", encoding="utf-8") as handle:
        rows = [
            {**row, "since": date.fromisoformat(row["since"])} for row in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda row: row["since"]))


def minimum_wage(on: date) -> MinimumWage:
    """The SMIG and SMAG in force on `on`: for each amount, the latest row that sets it and whose
    date has come. A date before the table's first row is refused (ValueError)."""
    rows = [row for row in _rows() if row["since"] <= on]
    if not rows:
        raise ValueError(f"no minimum wage is known for {on.isoformat()}")
    values, since, decree = {}, {}, {}
    for row in rows:
        for amount in AMOUNTS:
            if row[amount]:
                values[amount] = float(row[amount])
                since[amount] = row["since"]
                decree[amount] = row["decree"]
    return MinimumWage(**values, since=since, decree=decree)

"""The dashboard's definitions, pure (no Flask, no database): what makes a contract started,
active, completed or an early exit, a person's age band, person-months and shares. The
refresh applies them to rows; the tests apply them to plain data."""

import calendar
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

FULL_MONTH_DAYS = 26  # the CNSS's working days of a full month (P-DAYS-MAX)


@dataclass(frozen=True)
class ContractFacts:
    """What the definitions read of a validated contract on a signed agreement."""

    component: int
    start: date
    planned_end: date
    actual_end: date | None = None
    end_reason: str | None = None
    min_months: int = 0  # component 2: the edition's contract_min_months


def add_months(day: date, months: int) -> date:
    """`day` `months` later, on the last day of the month when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day(contract: ContractFacts) -> date:
    """The last day the contract holds: its actual end once known, else the planned one."""
    return contract.actual_end or contract.planned_end


def started(contract: ContractFacts, today: date) -> bool:
    """Started: its start date is today or past."""
    return contract.start <= today


def active(contract: ContractFacts, today: date) -> bool:
    """Active today: today falls between its start and its last day."""
    return contract.start <= today <= last_day(contract)


def completion_day(contract: ContractFacts) -> date:
    """The day it counts as completed: its planned end (component 1), or the last day of its
    `min_months` from the start (component 2)."""
    if contract.component == 2:
        return add_months(contract.start, contract.min_months) - timedelta(days=1)
    return contract.planned_end


def completed(contract: ContractFacts, today: date) -> bool:
    """Completed: its completion day is past or today and it did not end before."""
    day = completion_day(contract)
    return day <= today and last_day(contract) >= day


def early_exit(contract: ContractFacts) -> bool:
    """An early exit: it ended before its completion day."""
    return contract.actual_end is not None and contract.actual_end < completion_day(contract)


def exit_reason(contract: ContractFacts) -> str:
    return contract.end_reason or "other"


def age_band(birth_year: int, year: int, bounds: tuple[int, ...]) -> str:
    """The band of the age reached in `year` (the contract's start year: birth years survive
    the purge, birth days do not) among the bands starting at `bounds` (18, 25, 35, 45 →
    "18-24", "25-34", "35-44", "45+"); below the first, "<18"."""
    age = year - birth_year
    if age < bounds[0]:
        return f"<{bounds[0]}"
    for low, high in itertools.pairwise(bounds):
        if age < high:
            return f"{low}-{high - 1}"
    return f"{bounds[-1]}+"


def age_bands(bounds: tuple[int, ...]) -> list[str]:
    """Every band of `bounds`, in order (the one below the first last, seldom used)."""
    bands = [f"{low}-{high - 1}" for low, high in itertools.pairwise(bounds)]
    return [*bands, f"{bounds[-1]}+", f"<{bounds[0]}"]


def person_months(days_worked: int) -> float:
    """Person-months: days worked over the 26 days of a full month."""
    return days_worked / FULL_MONTH_DAYS


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` as a percentage, None when there is no whole to share."""
    return part * 100 / whole if whole else None


def post_of(contract_id: int, replaces: dict[int, int]) -> int:
    """The post a contract holds: the first contract of its chain of replacements
    (B1-REPLACEMENT: a post counts once in the jobs created, whoever held it)."""
    seen = set()
    while contract_id in replaces and contract_id not in seen:
        seen.add(contract_id)
        contract_id = replaces[contract_id]
    return contract_id

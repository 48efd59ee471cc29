"""The declared schedule cut into phases (M-PROGRESS) and the final report's due date (T-FINAL).
Pure functions on dates: no Flask, no database.

The application form asks no list of phases: it declares a start and a duration in months
(component 1) or posts with their contract lengths (component 2). A phase is therefore a run of
`phase_months` months of that declared schedule, the last one shorter when the duration does
not divide; each phase gets its progress report."""

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Phase:
    number: int  # 1…n
    start: date
    end: date  # its last day


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def phases(start: date, months: int, phase_months: int) -> list[Phase]:
    """The declared `months` from `start`, in phases of `phase_months` months."""
    months, phase_months = max(months, 1), max(phase_months, 1)
    count = math.ceil(months / phase_months)
    return [
        Phase(
            number,
            add_months(start, (number - 1) * phase_months),
            add_months(start, min(number * phase_months, months)) - timedelta(days=1),
        )
        for number in range(1, count + 1)
    ]


def declared_end(start: date, months: int) -> date:
    return add_months(start, max(months, 1)) - timedelta(days=1)


def final_due_on(worksite_end: date, days: int) -> date:
    """T-FINAL: the final report is due within `days` of the worksite's last day."""
    return worksite_end + timedelta(days=days)


def undeclared_months(spans: list[tuple[date, date]], declared: set[date]) -> list[date]:
    """The months (their first days) a contract of `spans` (first and last day) held a day of,
    with no statement among `declared`: closing them out unpaid would leave wages owed
    (T-FINAL)."""
    held = set()
    for start, end in spans:
        period = start.replace(day=1)
        while period <= end:
            held.add(period)
            period = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return sorted(held - declared)

"""The month's arithmetic of the payroll (rules P-* of the execution brief), pure: no Flask, no
database. A full month is 26 days (the CNSS's limit of working days per calendar month)."""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.wages import minimum_wage

FULL_MONTH_DAYS = 26
CENT = Decimal("0.01")


def period_of(day: date) -> date:
    """The month a day belongs to, as its first day."""
    return day.replace(day=1)


def last_day(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def next_period(period: date) -> date:
    return last_day(period) + timedelta(days=1)


def contract_days(start: date, end: date, period: date) -> int:
    """P-DAYS-IN-CONTRACT: the most days a contract running from `start` to `end` (both
    included) may be declared for in the month: 26 for a whole month, pro rata of the calendar
    days it covers in its first and last months, half up; 0 outside it."""
    first, last = max(start, period), min(end, last_day(period))
    if first > last:
        return 0
    covered = (last - first).days + 1
    in_month = last_day(period).day
    if covered == in_month:
        return FULL_MONTH_DAYS
    share = Decimal(FULL_MONTH_DAYS * covered) / Decimal(in_month)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def wage_floor(period: date, *, farm: bool = False) -> Decimal:
    """P-WAGE-MONTH: the least monthly wage for the month, from the national dated table in
    force on its first day: the SMIG per month, or the SMAG per day × 26 for farm work."""
    wage = minimum_wage(period)
    amount = wage.smag_daily * FULL_MONTH_DAYS if farm else wage.smig_monthly
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)


def wage_due(monthly_wage: Decimal, days: int, floor: Decimal) -> Decimal:
    """P-WAGE-MONTH: the contract's monthly wage, never below the month's floor, × days / 26,
    to the centime, half up."""
    base = max(Decimal(monthly_wage), floor)
    return (base * days / FULL_MONTH_DAYS).quantize(CENT, rounding=ROUND_HALF_UP)


def due_on(period: date, due_day: int) -> date:
    """P-STATEMENT-DUE: the statement of `period` is due on day `due_day` of the next month
    (the month's last day when it has fewer)."""
    following = next_period(period)
    return following.replace(day=min(due_day, last_day(following).day))


def line_problems(
    days: int, max_days: int, situation: str, *, contract_end: date, period: date
) -> list[str]:
    """The rules a line of a statement breaks, by id: P-DAYS-MAX (0–26), P-DAYS-IN-CONTRACT
    (no more than the contract's days in the month), P-SITUATION (fewer days than the
    contract's need a situation code; "left" only in the month the contract ends)."""
    problems = []
    if not 0 <= days <= FULL_MONTH_DAYS:
        problems.append("P-DAYS-MAX")
    elif days > max_days:
        problems.append("P-DAYS-IN-CONTRACT")
    short_without_reason = days < max_days and not situation
    left_but_runs_on = situation == "SO" and period_of(contract_end) != period
    if short_without_reason or left_but_runs_on:
        problems.append("P-SITUATION")
    return problems

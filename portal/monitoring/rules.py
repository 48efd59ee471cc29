"""The monitoring rules of the execution brief, pure: no Flask, no database.

M-HEADCOUNT: a visit whose head count present differs from the one declared by more than a
share of the declared (the edition's `headcount_gap`, 20 %) flags that month's statement.
M-VISIT-MIN: a worksite (or employer) needs `visits_per_worksite` visits for each month of its
running period begun so far."""

from datetime import date


def gap_share(declared: int, present: int) -> float | None:
    """|present − declared| / declared; None when nobody is declared (no share of nothing)."""
    if declared <= 0:
        return None
    return abs(present - declared) / declared


def has_gap(declared: int, present: int, threshold: float) -> bool:
    """Past the threshold (strictly). With nobody declared, anyone present is a gap: people at
    work without a contract."""
    share = gap_share(declared, present)
    if share is None:
        return present > 0
    return share > threshold + 1e-9  # 2 of 10 is 20 %, not above it, whatever the floats say


def months_begun(start: date, end: date, today: date) -> int:
    """The calendar months of the period start–end begun by `today` (the start's month counts
    from its first day of work, the current month from its first day); 0 before the start."""
    last = min(end, today)
    if last < start:
        return 0
    return (last.year - start.year) * 12 + last.month - start.month + 1


def required_visits(start: date | None, end: date | None, today: date, per_month: int) -> int:
    """M-VISIT-MIN: `per_month` visits for each month begun of the running period; none before
    it has begun (no contract yet)."""
    if start is None or end is None or per_month <= 0:
        return 0
    return per_month * months_begun(start, end, today)

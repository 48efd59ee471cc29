"""Time is stored as naive UTC; people type and read it in Africa/Casablanca.

One time-zone database for both ways: pytz's, the one Flask-Babel formats every shown time
with, so that a time typed and the same time shown can never be an hour apart (the system's
zoneinfo files may be older than the pinned pytz, and Morocco's rules change often).
"""

from datetime import date, datetime, timedelta

import pytz

CASABLANCA = pytz.timezone("Africa/Casablanca")


def utcnow() -> datetime:
    return datetime.now(pytz.UTC).replace(tzinfo=None)


def utc_to_local(value: datetime) -> datetime:
    """A stored time (naive UTC) as the clock in Morocco read it (naive)."""
    return pytz.UTC.localize(value).astimezone(CASABLANCA).replace(tzinfo=None)


def local_to_utc(value: datetime) -> datetime:
    """A time typed in Morocco (naive), as stored (naive UTC)."""
    return CASABLANCA.localize(value).astimezone(pytz.UTC).replace(tzinfo=None)


def local_date(at: datetime | None = None) -> date:
    """The calendar day in Morocco at `at` (naive UTC; now by default): the day a session is
    held on, or an agreement issued on."""
    return utc_to_local(at or utcnow()).date()


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))

"""Time is stored as naive UTC; pages show it in Africa/Casablanca (see portal.i18n)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CASABLANCA = ZoneInfo("Africa/Casablanca")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_date(at: datetime | None = None) -> date:
    """The calendar day in Morocco at `at` (naive UTC; now by default): the day a session is
    held on, or an agreement issued on."""
    at = at or utcnow()
    return at.replace(tzinfo=UTC).astimezone(CASABLANCA).date()

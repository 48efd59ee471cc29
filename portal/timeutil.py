"""Time is stored as naive UTC; pages show it in Africa/Casablanca (see portal.i18n)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CASABLANCA = ZoneInfo("Africa/Casablanca")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The date in Morocco, for what may not be in the past or in the future."""
    return datetime.now(CASABLANCA).date()

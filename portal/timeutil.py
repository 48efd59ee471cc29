"""Time is stored as naive UTC; pages show it in Africa/Casablanca (see portal.i18n)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

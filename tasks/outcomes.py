"""Refreshing the outcome dashboard's figures."""

from celery import shared_task

from portal.outcomes import services


@shared_task(name="refresh_outcomes")
def refresh_outcomes(force: int = 0) -> int | None:
    """Rebuild the dashboard's aggregate rows when the data changed or a day passed (run by
    beat), or at once when `force` (a staff member asked); the contracts read, None when the
    figures were still right. Safe to run twice."""
    refresh = services.refresh() if force else services.refresh_if_stale()
    return refresh and refresh.contracts

"""The public figures."""

from celery import shared_task

from portal.opendata import services


@shared_task(name="refresh_open_data")
def refresh_open_data() -> int:
    """Compute a new release of the public figures and files (run by beat); safe to run twice.
    Returns the release's id."""
    return services.refresh().id

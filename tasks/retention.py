"""Retention of personal data: the purge job (beat runs it daily)."""

from celery import shared_task

from portal.core.jobs import run_committing
from portal.retention import services


@shared_task(name="purge_personal_data")
def purge_personal_data(requested_by_id: int | None = None) -> str:
    """Purge what is past its retention period, committing each batch; safe to run twice."""
    return run_committing(services.purge(by_id=requested_by_id))

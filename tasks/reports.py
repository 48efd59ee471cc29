"""Building exports."""

from celery import shared_task

from portal.core.jobs import run_committing
from portal.reports import exports


@shared_task(name="build_export")
def build_export(export_id: int) -> str:
    """Write one export's file, committing each step so its page shows the progress; safe to
    run twice."""
    return run_committing(exports.build(export_id))

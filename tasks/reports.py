"""Building exports."""

from celery import shared_task

from portal.reports import exports


@shared_task(name="build_export")
def build_export(export_id: int) -> str:
    """Write one export's file; safe to run twice."""
    return exports.build(export_id)

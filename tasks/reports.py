"""Building exports."""

from celery import shared_task

from portal.extensions import db
from portal.reports import exports


@shared_task(name="build_export")
def build_export(export_id: int) -> str:
    """Write one export's file, committing each step so its page shows the progress; safe to
    run twice."""
    steps = []
    for step in exports.build(export_id):
        db.session.commit()
        steps.append(step)
    return steps[-1]

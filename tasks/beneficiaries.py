"""Enrolment from a spreadsheet."""

from celery import shared_task

from portal.beneficiaries import imports
from portal.extensions import db


@shared_task(name="run_enrolment_import")
def run_enrolment_import(import_id: int) -> str:
    """Check an import's rows and enrol the valid ones, committing each step so its page shows
    the progress; safe to run twice."""
    steps = []
    for step in imports.run(import_id):
        db.session.commit()
        steps.append(step)
    return steps[-1]

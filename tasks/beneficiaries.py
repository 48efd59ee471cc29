"""Enrolment from a spreadsheet."""

from celery import shared_task

from portal.beneficiaries import imports
from portal.core.jobs import run_committing


@shared_task(name="run_enrolment_import")
def run_enrolment_import(import_id: int) -> str:
    """Check an import's rows and enrol the valid ones, committing each step so its page shows
    the progress; safe to run twice."""
    return run_committing(imports.run(import_id))

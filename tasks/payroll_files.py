"""Payroll files, built on the default queue."""

from celery import shared_task

from portal.payroll import files


@shared_task(name="build_payroll_file")
def build_payroll_file(file_id: int) -> str:
    """Build and store one payroll file (once); safe to run twice."""
    return files.build(file_id)


@shared_task(name="alert_late_returns")
def alert_late_returns() -> int:
    """Tell each province's secretariat of its files whose returns are late; once a file."""
    return files.alert_late_returns()

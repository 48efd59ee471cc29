"""The monthly statements' due dates."""

from celery import shared_task

from portal.payroll import statements


@shared_task(name="send_statement_notices")
def send_statement_notices() -> dict:
    """Open last month's statements, remind before the due date and tell the day after it;
    once each, safe to run twice (run by beat)."""
    return statements.send_due_notices()

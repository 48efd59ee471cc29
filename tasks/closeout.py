"""The final reports' due dates."""

from celery import shared_task

from portal.closeout import services


@shared_task(name="send_final_report_notices")
def send_final_report_notices() -> dict:
    """Open the final reports of the worksites that ended, remind before they are due; once
    each, safe to run twice (run by beat)."""
    return services.send_final_report_notices()

"""Checking an application's eligibility."""

from celery import shared_task

from portal.applications import services


@shared_task(name="check_eligibility")
def check_eligibility(submission_id: int) -> str:
    """Run the rules on one submission; safe to run twice."""
    return services.check_eligibility(submission_id)


@shared_task(name="send_receipts")
def send_receipts(submission_id: int) -> int:
    """Write the receipts of one submission for the members; safe to run twice."""
    return services.send_receipts(submission_id)


@shared_task(name="send_result")
def send_result(report_id: int) -> int:
    """Tell the members the result of one check; safe to run twice."""
    return services.send_result(report_id)


@shared_task(name="send_reminders")
def send_reminders() -> int:
    """Remind applicants of closing calls and due change requests; once each."""
    from portal.applications.reminders import send_reminders as remind

    return remind()

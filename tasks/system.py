"""Tasks that concern the worker itself."""

from celery import shared_task


@shared_task(name="ping", ignore_result=False)
def ping() -> str:
    """Answer 'pong': proves a message goes through the broker to a worker and back."""
    return "pong"

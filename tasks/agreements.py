"""Agreements, rendered on the `pdf` queue."""

from celery import shared_task

from portal.agreements import services


@shared_task(name="render_agreement")
def render_agreement(agreement_id: int) -> None:
    """Render and store one agreement version's PDF (once)."""
    services.render_agreement(agreement_id)

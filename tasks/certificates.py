"""End-of-worksite certificates, rendered on the `pdf` queue."""

from celery import shared_task

from portal.beneficiaries import certificates


@shared_task(name="render_certificate")
def render_certificate(certificate_id: int) -> None:
    """Render and store one certificate's PDF (once)."""
    certificates.render_certificate(certificate_id)

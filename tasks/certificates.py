"""End-of-worksite certificates, rendered on the `pdf` queue, and their ZIP per agreement."""

from celery import shared_task

from portal.beneficiaries import certificates
from portal.core.jobs import run_committing


@shared_task(name="render_certificate")
def render_certificate(certificate_id: int) -> None:
    """Render and store one certificate's PDF (once)."""
    certificates.render_certificate(certificate_id)


@shared_task(name="build_certificate_archive")
def build_certificate_archive(archive_id: int) -> str:
    """Put an agreement's ready certificates in one ZIP, committing each step so its page shows
    the progress; safe to run twice."""
    return run_committing(certificates.build_archive(archive_id))

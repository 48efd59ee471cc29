"""Tasks that concern the worker itself."""

from celery import shared_task

from portal.agreements.services import sweep as sweep_agreements
from portal.applications.services import sweep_checks, sweep_receipts
from portal.beneficiaries.certificates import sweep as sweep_certificates
from portal.beneficiaries.certificates import sweep_archives as sweep_certificate_archives
from portal.beneficiaries.imports import sweep as sweep_imports
from portal.committees.services import sweep_minutes
from portal.notifications.services import sweep as sweep_notifications
from portal.payroll.files import sweep as sweep_payroll_files
from portal.reports.exports import expire as expire_exports
from portal.reports.exports import sweep as sweep_exports


@shared_task(name="ping", ignore_result=False)
def ping() -> str:
    """Answer 'pong': proves a message goes through the broker to a worker and back."""
    return "pong"


@shared_task(name="sweep")
def sweep() -> dict:
    """Re-send what a lost message or a dead worker left behind, and remove the exports past
    their keeping period (run by beat)."""
    return {
        "notifications": sweep_notifications(),
        "eligibility_checks": sweep_checks(),
        "receipts": sweep_receipts(),
        "exports": sweep_exports(),
        "enrolment_imports": sweep_imports(),
        "agreements": sweep_agreements(),
        "minutes": sweep_minutes(),
        "certificates": sweep_certificates(),
        "payroll_files": sweep_payroll_files(),
        "certificate_archives": sweep_certificate_archives(),
        "exports_expired": expire_exports(),
    }

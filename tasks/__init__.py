"""Celery task shells, one module per area; the worker imports this package."""

from tasks import (  # noqa: F401
    agreements,
    applications,
    beneficiaries,
    certificates,
    closeout,
    committees,
    notifications,
    opendata,
    outcomes,
    payroll,
    payroll_files,
    reports,
    retention,
    system,
)

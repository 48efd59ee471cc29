"""Celery task shells, one module per area; the worker imports this package."""

from tasks import agreements, applications, committees, notifications, reports, system  # noqa: F401

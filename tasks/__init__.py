"""Celery task shells, one module per area; the worker imports this package."""

from tasks import applications, notifications, reports, system  # noqa: F401

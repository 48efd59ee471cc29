"""Retention of personal data (DP-RETENTION-B): the purge job, its dry run, and the admin's
page of what goes when."""

from flask import Blueprint

staff_bp = Blueprint("retention", __name__, url_prefix="/backoffice/retention")

from portal.retention import staff_views  # noqa: E402,F401  (routes register on import)

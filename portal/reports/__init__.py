"""Reports for staff: the dashboard (and, next, exports)."""

from flask import Blueprint

staff_bp = Blueprint("reports", __name__, url_prefix="/backoffice/reports")

from portal.reports import staff_views  # noqa: E402,F401  (routes register on import)

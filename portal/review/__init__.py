"""Technical review: assignment, scoring against the call's grid, comments, recommendation."""

from flask import Blueprint

staff_bp = Blueprint("review", __name__, url_prefix="/backoffice/applications")

from portal.review import staff_views  # noqa: E402,F401  (routes register on import)

"""Applications to a call: drafts in steps, submission snapshots, eligibility reports."""

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/applications")
staff_bp = Blueprint("applications_staff", __name__, url_prefix="/backoffice/applications")

from portal.applications import staff_views, views  # noqa: E402,F401  (routes register on import)

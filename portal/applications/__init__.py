"""Applications to a call: drafts in steps, submission snapshots, eligibility reports."""

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/applications")

from portal.applications import views  # noqa: E402,F401  (routes register on import)

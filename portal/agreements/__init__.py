"""Partnership agreements: written when a session closes, rendered by the worker, downloaded by
the partner's members and staff, signed, amended or revoked, and checked by anyone through the
public verification page."""

from flask import Blueprint

bp = Blueprint("agreements", __name__)
staff_bp = Blueprint("agreements_staff", __name__, url_prefix="/backoffice/agreements")

from portal.agreements import staff_views, views  # noqa: E402,F401  (routes register on import)

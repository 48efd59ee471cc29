"""Editions of the programme (parameters as data) and the calls for projects."""

from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls")
staff_bp = Blueprint("calls_admin", __name__, url_prefix="/backoffice/calls")

from portal.calls import staff_views, views  # noqa: E402,F401  (routes register on import)

"""Committee sessions: agendas, decisions within each province's quota, closing."""

from flask import Blueprint

staff_bp = Blueprint("committees", __name__, url_prefix="/backoffice/sessions")

from portal.committees import staff_views  # noqa: E402,F401  (routes register on import)

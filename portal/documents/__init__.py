"""Legal documents of organisations: kinds required, uploads checked by content, viewing."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from portal.documents import views  # noqa: E402,F401  (routes register on import)

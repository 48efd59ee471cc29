"""Legal documents of organisations: kinds required, uploads checked by content, viewing."""

from flask import Blueprint

from portal.documents.rendering import directed

bp = Blueprint("documents", __name__, url_prefix="/documents")
bp.add_app_template_filter(directed, "directed")

from portal.documents import views  # noqa: E402,F401  (routes register on import)

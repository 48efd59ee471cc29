"""Public pages shared by everyone: home, privacy notice, language switch, health."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from portal.public import views  # noqa: E402,F401  (routes register on import)

"""Notifications: one row per message and event, delivered by email and listed in the app."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
staff_bp = Blueprint("emails", __name__, url_prefix="/backoffice/emails")

from portal.notifications import staff_views, views  # noqa: E402,F401

"""Accounts: registration, sign-in, second factor for staff, passwords, personal data."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")
staff_bp = Blueprint("staff", __name__, url_prefix="/backoffice/staff")

from portal.auth import staff_views, views  # noqa: E402,F401  (routes register on import)

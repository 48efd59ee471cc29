"""Beneficiaries: the people behind the jobs of a signed agreement. The partner enrols each
worker (component 1) or hire (component 2) by CIN on a contract; the secretariat of the
province validates or refuses it; a person holds one active Awrach contract at a time."""

from flask import Blueprint

bp = Blueprint("beneficiaries", __name__)
staff_bp = Blueprint("beneficiaries_staff", __name__, url_prefix="/backoffice/beneficiaries")

from portal.beneficiaries import (  # noqa: E402,F401  (routes register on import)
    certificate_views,
    data_protection,
    import_views,
    staff_views,
    views,
)

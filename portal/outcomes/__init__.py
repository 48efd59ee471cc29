"""The outcome dashboard: what the signed agreements became (started, created, completed,
active today, person-months, early exits, wages and grants paid against due, who the
beneficiaries are), per province and cut, for staff. The figures are aggregate rows rebuilt by
the worker (`refresh_outcomes`, beat), so a page reads a few rows whatever the number of
contracts; the dashboard of `portal/reports` counts the applications up to the signature."""

from flask import Blueprint

staff_bp = Blueprint("outcomes", __name__, url_prefix="/backoffice/outcomes")

from portal.outcomes import models, staff_views  # noqa: E402,F401  (routes register on import)

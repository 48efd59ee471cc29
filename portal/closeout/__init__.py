"""Close-out: what the partner reports of the work (a progress report per phase of the declared
schedule, a final report after the worksite's end; M-PROGRESS, T-FINAL), certified by a second
person of the organisation, accepted or returned by the province's secretariat; and the
agreement's closing, once its final report is accepted, every statement paid or closed and
every certificate issued."""

from flask import Blueprint

bp = Blueprint("closeout", __name__)
staff_bp = Blueprint("closeout_staff", __name__, url_prefix="/backoffice/closeout")

from portal.closeout import models, staff_views, views  # noqa: E402,F401  (routes register on import)

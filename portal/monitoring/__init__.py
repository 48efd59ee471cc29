"""Monitoring: the province's staff plan field visits to a signed agreement's worksite
(component 1) or employer (component 2) and record them — the edition's checklist, the head
count declared against the one present, photos taken on a phone, findings and a follow-up. A
head-count gap past the edition's threshold flags the month's statement for review
(M-HEADCOUNT); visits made are counted against those required (M-VISIT-MIN)."""

from flask import Blueprint

staff_bp = Blueprint("monitoring_staff", __name__, url_prefix="/backoffice/visits")

from portal.monitoring import models, staff_views  # noqa: E402,F401  (routes register on import)

"""The monthly statements: the partner fills, submits and certifies; the secretariat accepts or returns."""

from portal.payroll import bp, staff_bp  # noqa: F401

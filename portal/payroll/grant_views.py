"""The hiring grant's ledger and schedules: the staff's and the partner's pages."""

from portal.payroll import bp, staff_bp  # noqa: F401

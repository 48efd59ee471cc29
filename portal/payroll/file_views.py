"""The payroll files of a province and month, and their returns: the secretariat's pages."""

from portal.payroll import bp, staff_bp  # noqa: F401

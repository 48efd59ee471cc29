"""The partner's side: the agreement's workers, enrolment, the end of a contract."""

from portal.beneficiaries import bp, services  # noqa: F401

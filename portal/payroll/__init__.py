"""Payroll: what happens each month after the enrolment. The partner declares, per agreement
and month, the days each contract worked (a statement, certified by a second person of the
organisation, accepted by the secretariat); the accepted statements of a province and month
make the file the paying body (the CNSS) pays from, through an adapter chosen by setting; its
returns are reconciled line by line; the component-2 hiring grant follows the statements month
by month, every amount due, paid, withheld or recovered written in one ledger."""

from flask import Blueprint

bp = Blueprint("payroll", __name__)
staff_bp = Blueprint("payroll_staff", __name__, url_prefix="/backoffice/payroll")

from portal.payroll import (  # noqa: E402,F401  (routes register on import)
    file_views,
    grant_views,
    models,
    statement_views,
)

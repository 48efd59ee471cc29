"""Accepted monthly statements made directly with the models (their workflow is tested with
the statements): one agreement's month with a line per enrolled worker."""

from datetime import date
from decimal import Decimal

from portal.extensions import db
from portal.payroll import rules
from portal.payroll.models import MonthlyStatement, StatementLine, StatementStatus
from tests.support.beneficiaries import enrol, new_cin

MARCH = date(2027, 3, 1)


def accepted_statement(app, side, workers: list[dict], period: date = MARCH) -> int:
    """Enrol each worker (overrides of tests/support/beneficiaries.py's person, plus `days` and
    `situation`) on the side's agreement and write the month's accepted statement; its id."""
    with app.app_context():
        lines = []
        for worker in workers:
            worker = dict(worker)
            days = worker.pop("days", 26)
            situation = worker.pop("situation", "")
            contract = enrol(side, worker.pop("cin", None) or new_cin(), **worker).contract
            floor = rules.wage_floor(period)
            lines.append(
                StatementLine(
                    contract_id=contract.id,
                    max_days=26,
                    days_worked=days,
                    situation=situation,
                    monthly_wage=contract.monthly_wage,
                    wage_floor=floor,
                    wage_due=rules.wage_due(Decimal(contract.monthly_wage), days, floor),
                )
            )
        statement = MonthlyStatement(
            application_id=side.application_id,
            agreement_id=side.agreement_id,
            province_id=side.province_id,
            period=period,
            status=StatementStatus.ACCEPTED,
            due_on=rules.due_on(period, 10),
            lines=lines,
        )
        db.session.add(statement)
        db.session.commit()
        return statement.id

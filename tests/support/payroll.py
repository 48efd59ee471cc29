"""Months of payroll as the secretariat's acceptance leaves them, written with the models."""

from datetime import date

from sqlalchemy import select

from portal.beneficiaries.models import Contract
from portal.extensions import db
from portal.payroll import grants, rules
from portal.payroll.models import (
    InstalmentStatus,
    LineOutcome,
    MonthlyStatement,
    StatementLine,
    StatementStatus,
)
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.services import SERVER_DATABASE_URL

MARCH, APRIL = date(2027, 3, 1), date(2027, 4, 1)


def shared_when_rolled_back(fixture_name, config) -> str:
    """A fixture's scope: once per module where each test's changes are rolled back
    (PostgreSQL), once per test where they stay (SQLite, `make test-fast`)."""
    return "module" if SERVER_DATABASE_URL.startswith("postgresql") else "function"


def accepted(contract: Contract, period: date, days: int | None = None, situation: str = ""):
    """The month's statement of the contract's agreement, accepted with this contract's line,
    and handed to the grant as the acceptance does."""
    statement = db.session.scalar(
        select(MonthlyStatement).filter_by(application_id=contract.application_id, period=period)
    )
    if statement is None:
        statement = MonthlyStatement(
            application_id=contract.application_id,
            agreement_id=contract.agreement_id,
            province_id=contract.application.province_id,
            period=period,
            due_on=rules.due_on(period, 10),
            status=StatementStatus.ACCEPTED,
        )
        db.session.add(statement)
    max_days = rules.contract_days(contract.start_date, contract.end, period)
    days = max_days if days is None else days
    floor = rules.wage_floor(period)
    line = StatementLine(
        contract=contract,
        max_days=max_days,
        days_worked=days,
        situation=situation,
        monthly_wage=contract.monthly_wage,
        wage_floor=floor,
        wage_due=rules.wage_due(contract.monthly_wage, days, floor),
    )
    statement.lines.append(line)
    db.session.flush()
    grants.on_accepted(statement)
    return line


def early_leaver(app):
    """A hire who left after two paid months, before the edition's minimum length of contract
    (12 or 24 months): both months flagged for review, the editions' default."""
    side = signed_agreement(app, component=2)
    with app.app_context():
        hire = enrol(side, new_cin(), post_index=0, end=date(2029, 2, 28)).contract
        for period in (MARCH, APRIL):
            line = accepted(hire, period)
            line.outcome, line.amount_paid = LineOutcome.PAID, grants.payable(line)
            grants.settle(line)
        hire.actual_end, hire.end_reason, hire.status = date(2027, 5, 10), "resigned", "ended"
        accepted(hire, date(2027, 5, 1), situation="SO")
        db.session.commit()
        side.hire = hire.id
        side.instalments = [
            i.id for i in grants.schedule(hire) if i.status == InstalmentStatus.REVIEW
        ]
        side.amount = grants.schedule(hire)[0].amount
    return side

"""Months of payroll as the secretariat's acceptance leaves them, written with the models."""

from datetime import date

from sqlalchemy import select

from portal.beneficiaries.models import Contract
from portal.extensions import db
from portal.payroll import grants, rules
from portal.payroll.models import MonthlyStatement, StatementLine, StatementStatus


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

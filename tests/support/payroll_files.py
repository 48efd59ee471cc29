"""Accepted monthly statements made directly with the models (their workflow is tested with
the statements): an agreement's month, a line per contract, accepted by the secretariat."""

import random
from datetime import date
from decimal import Decimal

from portal.agreements.models import Agreement
from portal.beneficiaries.models import Contract
from portal.extensions import db
from portal.payroll import grants, rules
from portal.payroll.models import MonthlyStatement, StatementLine, StatementStatus
from tests.support.beneficiaries import enrol, new_cin

MARCH = date(2027, 3, 1)


def new_cnss_number() -> str:
    """A CNSS number of 9 digits, new for this run."""
    return f"{random.randint(100_000_000, 999_999_999)}"


def accepted_statement(
    agreement: Agreement, contracts: list[Contract], period: date = MARCH, days: dict | None = None
) -> MonthlyStatement:
    """The month's statement of `agreement`, accepted, one line per contract (a full month, or
    `days[contract.id]` = (days, situation)); in the session, not committed."""
    floor = rules.wage_floor(period)
    lines = []
    for contract in contracts:
        worked, situation = (days or {}).get(contract.id, (26, ""))
        lines.append(
            StatementLine(
                contract_id=contract.id,
                max_days=26,
                days_worked=worked,
                situation=situation,
                monthly_wage=contract.monthly_wage,
                wage_floor=floor,
                wage_due=rules.wage_due(Decimal(contract.monthly_wage), worked, floor),
            )
        )
    statement = MonthlyStatement(
        application_id=agreement.application_id,
        agreement_id=agreement.id,
        province_id=agreement.application.province_id,
        period=period,
        status=StatementStatus.ACCEPTED,
        due_on=rules.due_on(period, 10),
        lines=lines,
    )
    db.session.add(statement)
    db.session.flush()
    grants.on_accepted(statement)  # what the acceptance writes: the wages and grant due
    return statement


def enrolled_statement(app, side, workers: list[dict], period: date = MARCH) -> int:
    """Enrol each worker (overrides of tests/support/beneficiaries.py's person, plus `days` and
    `situation`) on the side's agreement and commit the month's accepted statement; its id."""
    with app.app_context():
        contracts, days = [], {}
        for worker in workers:
            worker = dict(worker)
            worked, situation = worker.pop("days", 26), worker.pop("situation", "")
            contract = enrol(side, worker.pop("cin", None) or new_cin(), **worker).contract
            contracts.append(contract)
            days[contract.id] = (worked, situation)
        agreement = db.session.get(Agreement, side.agreement_id)
        statement = accepted_statement(agreement, contracts, period, days)
        db.session.commit()
        return statement.id

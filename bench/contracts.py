"""Contracts in bulk for the outcome dashboard's benchmark (bench/pages.py): people, validated
contracts on the signed applications of the bulk rows, and one accepted month of statement
lines each, then the dashboard's refresh, timed. The demo's signed agreement gives the
template rows (its agreement id stands for every contract's: the bulk applications have no
agreement of their own, which the dashboard does not read)."""

import random
import time
from datetime import date, timedelta

from sqlalchemy import func, insert, select, text

PERIOD = date(2026, 10, 1)
EDUCATION = ("none", "primary", "secondary", "baccalaureate", "vocational", "higher")
END_REASONS = ("resigned", "dismissed", "worksite_stopped", "other")
CHUNK = 5_000


def grow_to(app, total: int) -> tuple[float, float]:
    """Contracts until there are `total`; (seconds to insert, seconds the refresh took)."""
    from portal.applications.models import Application
    from portal.beneficiaries.models import Contract, Person
    from portal.extensions import db
    from portal.geo.models import Commune
    from portal.outcomes import services
    from portal.payroll import rules

    rng = random.Random(total)
    started = time.perf_counter()
    with app.app_context():
        template = db.session.scalar(
            select(Contract).where(Contract.status == "validated").order_by(Contract.id)
        )
        person_row = {
            c.name: getattr(template.person, c.name) for c in Person.__table__.columns
        } | {"cnss_number": None, "phone": None, "disability_card_no": None}
        contract_row = {c.name: getattr(template, c.name) for c in Contract.__table__.columns}
        for row in (person_row, contract_row):
            row.pop("id")
        signed = db.session.execute(
            select(Application.id, Application.province_id, Application.component).where(
                Application.status == "agreement_signed", Application.id != template.application_id
            )
        ).all()
        communes: dict[int, list[int]] = {}
        for commune_id, province_id in db.session.execute(select(Commune.id, Commune.province_id)):
            communes.setdefault(province_id, []).append(commune_id)
        have = db.session.scalar(select(func.count(Contract.id)))
        floor = rules.wage_floor(PERIOD)
        made = 0
        while have + made < total:
            n = min(CHUNK, total - have - made)
            chosen = [rng.choice(signed) for _ in range(n)]
            people = []
            for i, (_app, province_id, _component) in enumerate(chosen):
                number = have + made + i
                people.append(
                    person_row
                    | {
                        "cin": f"BO{number:07d}",
                        "sex": rng.choice(("female", "male", "male")),
                        "birth_date": date(rng.randint(1960, 2007), rng.randint(1, 12), 1),
                        "education_level": rng.choice(EDUCATION),
                        "disability_card_no": f"H{number}" if rng.random() < 0.02 else None,
                        "commune_id": rng.choice(communes[province_id]),
                    }
                )
            person_ids = db.session.execute(
                insert(Person).returning(Person.id, sort_by_parameter_order=True), people
            ).scalars()
            contracts = []
            for person_id, (application_id, _province, component) in zip(
                person_ids, chosen, strict=True
            ):
                start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 640))
                end = start + timedelta(days=180 if component == 1 else 760)
                early = rng.random() < 0.1
                contracts.append(
                    contract_row
                    | {
                        "person_id": person_id,
                        "application_id": application_id,
                        "component": component,
                        "status": "ended" if early else "validated",
                        "start_date": start,
                        "planned_end": end,
                        "actual_end": start + timedelta(days=60) if early else None,
                        "end_reason": rng.choice(END_REASONS) if early else None,
                    }
                )
            contract_ids = db.session.execute(
                insert(Contract).returning(Contract.id, sort_by_parameter_order=True), contracts
            ).scalars()
            provinces = {application_id: province for application_id, province, _c in chosen}
            _lines(db, provinces, floor, contracts, contract_ids)
            made += n
        db.session.commit()
    inserted = time.perf_counter() - started
    with app.app_context():
        db.session.execute(text("ANALYZE"))
        refreshed = time.perf_counter()
        services.refresh()
        db.session.commit()
        return inserted, time.perf_counter() - refreshed


def _lines(db, provinces: dict, floor, contracts, contract_ids) -> None:
    """October 2026 accepted for each contract: 26 days, one line in ten short."""
    from portal.payroll import rules
    from portal.payroll.models import MonthlyStatement, StatementLine

    statements = {}
    for row in db.session.execute(
        select(MonthlyStatement.application_id, MonthlyStatement.id).where(
            MonthlyStatement.period == PERIOD
        )
    ):
        statements[row[0]] = row[1]
    missing = {c["application_id"] for c in contracts} - set(statements)
    if missing:
        for application_id, statement_id in db.session.execute(
            insert(MonthlyStatement).returning(
                MonthlyStatement.application_id, MonthlyStatement.id
            ),
            [
                {
                    "application_id": application_id,
                    "agreement_id": contracts[0]["agreement_id"],
                    "province_id": provinces[application_id],
                    "period": PERIOD,
                    "status": "accepted",
                    "due_on": rules.due_on(PERIOD, 10),
                }
                for application_id in sorted(missing)
            ],
        ):
            statements[application_id] = statement_id
    lines = []
    for index, (contract, contract_id) in enumerate(zip(contracts, contract_ids, strict=True)):
        days = 13 if index % 10 == 0 else 26
        lines.append(
            {
                "statement_id": statements[contract["application_id"]],
                "contract_id": contract_id,
                "max_days": 26,
                "days_worked": days,
                "situation": "IL" if days < 26 else "",
                "monthly_wage": contract["monthly_wage"],
                "wage_floor": floor,
                "wage_due": rules.wage_due(contract["monthly_wage"], days, floor),
            }
        )
    db.session.execute(insert(StatementLine), lines)

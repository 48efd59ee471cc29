"""A signed agreement whose workers have months to declare, and its statements in each state."""

from datetime import date

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.extensions import db
from portal.payroll import statements
from portal.payroll.models import MonthlyStatement, StatementStatus
from tests.support.beneficiaries import enrol, new_cin, signed_agreement

# The day the statements' tests live on (the services' and pages' "today" is patched to it).
TODAY = date(2026, 12, 2)
SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
WORKERS = {
    # a whole month from June to December
    "full": (date(2026, 6, 1), date(2026, 12, 31), "خديجة", "Khadija", "البصري", "Basri"),
    # starts on 16 September: 15 of 30 days, 13 days that month
    "late": (
        date(2026, 9, 16),
        date(2027, 2, 28),
        "عبد الرحيم",
        "Abderrahim",
        "أيت بها",
        "Ait Baha",
    ),
    # left on 20 October, before the planned end: 20 of 31 days, 17 days that month
    "leaver": (date(2026, 8, 1), date(2027, 1, 31), "سعيد", "Said", "العلوي", "Alaoui"),
}
LEFT_ON = date(2026, 10, 20)


def on_today(monkeypatch, day: date = TODAY) -> None:
    """The statements' services and pages see `day` as today."""
    monkeypatch.setattr("portal.payroll.statements.local_date", lambda: day)
    monkeypatch.setattr("portal.payroll.statement_views.local_date", lambda: day)


def workforce(app, province: str = "Sidi Ifni", jobs: int = 4, **kwargs):
    """A signed agreement with the three validated contracts of WORKERS (the leaver's ended on
    LEFT_ON), committed: the side of tests/support/beneficiaries.py, with `contracts` by key."""
    side = signed_agreement(app, province, jobs=jobs, **kwargs)
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        contracts = {}
        for key, (start, end, first_ar, first_fr, last_ar, last_fr) in WORKERS.items():
            contract = enrol(
                side,
                new_cin(),
                start=start,
                end=end,
                first_name_ar=first_ar,
                first_name_fr=first_fr,
                last_name_ar=last_ar,
                last_name_fr=last_fr,
            ).contract
            beneficiaries.validate(contract, by=staff)
            contracts[key] = contract
        beneficiaries.end_contract(
            contracts["leaver"], LEFT_ON, "resigned", by=db.session.get(User, side.editor.id)
        )
        db.session.commit()
        side.contracts = {key: c.id for key, c in contracts.items()}
    return side


def statement_in(app, side, period: date, state: str = "draft") -> int:
    """The side's statement of `period`, opened by its editor and moved to `state` (draft,
    submitted by the editor, certified by the owner, accepted by the side's secretariat, or
    paid as the paying body's returns mark it), committed: its id."""
    with app.app_context():
        agreement = db.session.get(Agreement, side.agreement_id)
        editor, owner = db.session.get(User, side.editor.id), db.session.get(User, side.owner.id)
        statement = statements.open_statement(agreement, period, by=editor)
        if state in ("submitted", "certified", "accepted", "paid"):
            statements.submit(statement, by=editor)
        if state in ("certified", "accepted", "paid"):
            statements.certify(statement, by=owner)
        if state in ("accepted", "paid"):
            statements.accept(statement, by=db.session.get(User, side.staff.id))
        if state == "paid":
            paid(statement)
        db.session.commit()
        return statement.id


def paid(statement: MonthlyStatement) -> None:
    """The statement paid, as the paying body's returns of its province's file would mark it
    (journey 7 goes through the file and its returns; what comes after it starts here)."""
    statement.status = StatementStatus.PAID

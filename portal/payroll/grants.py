"""The component-2 hiring grant, month by month (rules G-*), and what each statement line is
worth to the paying body. Called by the statements (acceptance), the payroll file (what a line
pays) and its returns (settlement), in the caller's transaction; only flushes.

A contract's schedule is `grant_months` instalments of `grant_monthly_mad` from its edition,
written when its first statement is accepted (G-GRANT-SCHEDULE). Each accepted month then
takes the next instalment: due when the hire is declared with at least `grant_min_days` days on
a wage at least the month's floor, withheld otherwise (G-COND-DECLARED; with `grant_catch_up`
a withheld month becomes due again with the next declared one). The schedule starts with the
first month declared with days: months before it take nothing. A contract that ends before
`contract_min_months` cancels what is left and, unless its end reason is an exception, treats
the months paid by the edition's `early_end_recovery` (G-EARLY-END): "review" flags them for
staff, "none" keeps them, "all" recovers them, "prorata" recovers the share of the minimum
period not worked — recoveries are negative entries of the ledger."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.access import policy
from portal.applications.models import Application
from portal.audit.services import record
from portal.beneficiaries.models import Contract
from portal.calls.models import Edition
from portal.core.scope import in_provinces, manages_province, sees_province
from portal.extensions import db
from portal.payroll import ledger
from portal.payroll.models import (
    GrantInstalment,
    InstalmentStatus,
    LedgerEntry,
    LedgerKind,
    LineOutcome,
    MonthlyStatement,
    StatementLine,
)
from portal.payroll.rules import CENT
from portal.timeutil import months_after

_ONE_DAY = timedelta(days=1)
RECOVERY_POLICIES = ("review", "none", "prorata", "all")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class GrantTerms:
    """An edition's grant, as its data file sets it (editions/*.toml, [component2])."""

    monthly: Decimal
    months: int
    min_contract_months: int
    min_days: int
    catch_up: bool
    recovery: str
    exceptions: tuple[str, ...]

    @classmethod
    def of(cls, edition: Edition) -> "GrantTerms":
        params = edition.parameters.get("component2") or {}
        recovery = params.get("early_end_recovery", "review")
        return cls(
            monthly=Decimal(str(params.get("grant_monthly_mad", 0))).quantize(CENT),
            months=int(params.get("grant_months", 0)),
            min_contract_months=int(params.get("contract_min_months", 0)),
            min_days=max(1, int(params.get("grant_min_days", 1))),
            catch_up=bool(params.get("grant_catch_up", False)),
            recovery=recovery if recovery in RECOVERY_POLICIES else "review",
            exceptions=tuple(params.get("early_end_exceptions", ())),
        )


def terms(contract: Contract) -> GrantTerms:
    return GrantTerms.of(db.session.get(Edition, contract.edition_id))


def schedule(contract: Contract) -> list[GrantInstalment]:
    """The contract's instalments in order, written the first time they are asked for."""
    instalments = db.session.scalars(
        select(GrantInstalment)
        .where(GrantInstalment.contract_id == contract.id)
        .order_by(GrantInstalment.month_no)
    ).all()
    if not instalments:
        grant = terms(contract)
        instalments = [
            GrantInstalment(contract_id=contract.id, month_no=number, amount=grant.monthly)
            for number in range(1, grant.months + 1)
        ]
        db.session.add_all(instalments)
        db.session.flush()
    return list(instalments)


def _record(kind: LedgerKind, amount: Decimal, line: StatementLine, source: str) -> None:
    statement = line.statement
    ledger.record(
        kind,
        amount,
        application_id=statement.application_id,
        province_id=statement.province_id,
        period=statement.period,
        contract_id=line.contract_id,
        source=source,
    )


def _declared(line: StatementLine, grant: GrantTerms) -> bool:
    """G-COND-DECLARED: declared that month with enough days, on a wage at least the floor."""
    return line.days_worked >= grant.min_days and line.monthly_wage >= line.wage_floor


def _month_of_grant(line: StatementLine) -> None:
    contract = line.contract
    grant = terms(contract)
    instalments = schedule(contract)
    if any(instalment.statement_line_id == line.id for instalment in instalments):
        return  # this month has already taken its instalment
    started = any(instalment.period is not None for instalment in instalments)
    declared = _declared(line, grant)
    upcoming = [i for i in instalments if i.status == InstalmentStatus.SCHEDULED]
    if not upcoming or (not started and not declared):
        return
    period = line.statement.period
    if declared:
        taken = [upcoming[0]]
        if grant.catch_up:
            taken += [i for i in instalments if i.status == InstalmentStatus.WITHHELD]
        for instalment in taken:
            if instalment.status == InstalmentStatus.WITHHELD:
                # Caught up: the withheld month is released, then due with this one.
                _record(
                    LedgerKind.GRANT_WITHHELD,
                    -instalment.amount,
                    line,
                    f"instalment:{instalment.id}:release",
                )
            else:
                instalment.period = period
            instalment.status = InstalmentStatus.DUE
            instalment.statement_line_id = line.id
            _record(LedgerKind.GRANT_DUE, instalment.amount, line, f"instalment:{instalment.id}")
    else:
        instalment = upcoming[0]
        instalment.period, instalment.status = period, InstalmentStatus.WITHHELD
        instalment.statement_line_id = line.id
        instalment.reason = "not_declared"
        _record(LedgerKind.GRANT_WITHHELD, instalment.amount, line, f"instalment:{instalment.id}")


def _early_end(line: StatementLine) -> None:
    """G-EARLY-END, once the statement of the month the contract ended in is accepted."""
    contract = line.contract
    end = contract.actual_end
    if end is None or end.replace(day=1) != line.statement.period:
        return
    grant = terms(contract)
    if end >= months_after(contract.start_date, grant.min_contract_months) - _ONE_DAY:
        return
    instalments = schedule(contract)
    for instalment in instalments:
        if instalment.status in (InstalmentStatus.SCHEDULED, InstalmentStatus.WITHHELD):
            instalment.status, instalment.reason = InstalmentStatus.CANCELLED, "early_end"
    if contract.end_reason in grant.exceptions or grant.recovery == "none":
        return
    paid = [i for i in instalments if i.status == InstalmentStatus.PAID]
    if grant.recovery == "review":
        for instalment in paid:
            instalment.status, instalment.reason = InstalmentStatus.REVIEW, "early_end"
        return
    total = sum((i.amount for i in paid), ZERO)
    if grant.recovery == "prorata":
        worked = _months_between(contract.start_date, end)
        share = Decimal(max(grant.min_contract_months - worked, 0)) / grant.min_contract_months
        total = (total * share).quantize(CENT, rounding=ROUND_HALF_UP)
    for instalment in paid:
        instalment.status, instalment.reason = InstalmentStatus.RECOVERED, "early_end"
    if total:
        _record(LedgerKind.GRANT_RECOVERED, -total, line, f"contract:{contract.id}:recovery")


def _months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (both included)."""
    months = 0
    while months_after(start, months + 1) <= end + _ONE_DAY:
        months += 1
    return months


def on_accepted(statement: MonthlyStatement) -> None:
    """The secretariat accepted `statement`: write what it makes due in the ledger — each
    component-1 line's wage; each component-2 line's grant instalment for the month, due or
    withheld (G-COND-DECLARED), and an early end's consequences (G-EARLY-END)."""
    for line in statement.lines:
        if line.contract.component == 1:
            if line.wage_due:
                _record(LedgerKind.WAGE_DUE, line.wage_due, line, f"line:{line.id}")
            continue
        _month_of_grant(line)
        _early_end(line)
    db.session.flush()


def instalments_of(line: StatementLine) -> list[GrantInstalment]:
    """The instalments a component-2 line makes due (its month, and months caught up)."""
    return db.session.scalars(
        select(GrantInstalment)
        .where(GrantInstalment.statement_line_id == line.id)
        .order_by(GrantInstalment.month_no)
    ).all()


def payable(line: StatementLine) -> Decimal:
    """What the payroll file pays for an accepted line: a component-1 line's wage due; a
    component-2 line's instalments due that month (0 when withheld or none is left)."""
    if line.contract.component == 1:
        return line.wage_due
    return sum((i.amount for i in instalments_of(line) if i.status == InstalmentStatus.DUE), ZERO)


def settle(line: StatementLine) -> None:
    """The paying body's outcome of `line` has been recorded (`outcome`, `amount_paid`): write
    the amount paid in the ledger and mark its instalments paid; a rejected line leaves them
    due (the partner corrects it). Safe to call twice."""
    if line.outcome != LineOutcome.PAID:
        return
    if line.contract.component == 1:
        _record(LedgerKind.WAGE_PAID, line.amount_paid or ZERO, line, f"line:{line.id}")
        return
    for instalment in instalments_of(line):
        if instalment.status == InstalmentStatus.DUE:
            instalment.status = InstalmentStatus.PAID
            _record(LedgerKind.GRANT_PAID, instalment.amount, line, f"instalment:{instalment.id}")
    db.session.flush()


# The ledger's pages


def by_month(user, province_id: int | None = None) -> list[dict]:
    """Per month, newest first, the sums of each kind over the provinces the staff member sees
    (or one of them): one grouped query over the ledger."""
    query = (
        select(LedgerEntry.period, LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(in_provinces(user, LedgerEntry.province_id))
        .group_by(LedgerEntry.period, LedgerEntry.kind)
        .order_by(LedgerEntry.period.desc())
    )
    if province_id is not None:
        query = query.where(LedgerEntry.province_id == province_id)
    months: dict[date, dict] = {}
    for period, kind, total in db.session.execute(query):
        months.setdefault(period, dict.fromkeys(LedgerKind, ZERO))[kind] = Decimal(str(total))
    return [{"period": period, "totals": totals} for period, totals in months.items()]


def by_agreement(user, period: date, province_id: int | None = None) -> list[dict]:
    """For one month, the sums of each kind per application (its agreement), largest first."""
    query = (
        select(LedgerEntry.application_id, LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(in_provinces(user, LedgerEntry.province_id), LedgerEntry.period == period)
        .group_by(LedgerEntry.application_id, LedgerEntry.kind)
    )
    if province_id is not None:
        query = query.where(LedgerEntry.province_id == province_id)
    rows: dict[int, dict] = {}
    for application_id, kind, total in db.session.execute(query):
        rows.setdefault(application_id, dict.fromkeys(LedgerKind, ZERO))[kind] = Decimal(str(total))
    applications = {
        a.id: a
        for a in db.session.scalars(
            select(Application)
            .options(joinedload(Application.organisation))
            .where(Application.id.in_(rows))
        )
    }
    return sorted(
        ({"application": applications[i], "totals": t} for i, t in rows.items()),
        key=lambda row: -sum(row["totals"].values()),
    )


def to_review(user) -> list[GrantInstalment]:
    """Months of the grant flagged for review after an early end, in the staff's provinces."""
    return db.session.scalars(
        select(GrantInstalment)
        .join(GrantInstalment.contract)
        .join(Contract.application)
        .options(
            joinedload(GrantInstalment.contract).joinedload(Contract.person),
            joinedload(GrantInstalment.contract).joinedload(Contract.organisation),
        )
        .where(
            GrantInstalment.status == InstalmentStatus.REVIEW,
            in_provinces(user, Application.province_id),
        )
        .order_by(GrantInstalment.contract_id, GrantInstalment.month_no)
    ).all()


@policy(GrantInstalment)
def instalment_policy(user, action: str, instalment: GrantInstalment) -> bool:
    """Staff of the contract's province see it; its secretariat decides a month flagged for
    review."""
    province_id = instalment.contract.application.province_id
    if action == "view":
        return sees_province(user, province_id)
    return (
        action == "decide"
        and manages_province(user, province_id)
        and instalment.status == InstalmentStatus.REVIEW
    )


def decide(instalment: GrantInstalment, *, recover: bool, note: str, by) -> None:
    """A month paid before an early end, flagged for review: kept as paid, or recovered (a
    negative entry of the ledger). Audited with the staff member's note."""
    before = {"status": instalment.status}
    contract = instalment.contract
    if recover:
        instalment.status = InstalmentStatus.RECOVERED
        ledger.record(
            LedgerKind.GRANT_RECOVERED,
            -instalment.amount,
            application_id=contract.application_id,
            province_id=contract.application.province_id,
            period=instalment.period,
            contract_id=contract.id,
            source=f"instalment:{instalment.id}:recovery",
        )
    else:
        instalment.status = InstalmentStatus.PAID
    instalment.reason = note
    record(
        "grant.recovered" if recover else "grant.kept",
        actor=by,
        obj=contract,
        organisation_id=contract.organisation_id,
        before=before,
        after={"status": instalment.status, "month": instalment.month_no, "note": note},
    )
    db.session.flush()

"""The ledger: every amount due, paid, withheld or recovered, written once by the transition
that causes it (recoveries negative). Totals per statement, agreement, province and month are
sums over it, nowhere else."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.payroll.models import LedgerEntry, LedgerKind


def record(
    kind: str,
    amount: Decimal,
    *,
    application_id: int,
    province_id: int,
    period: date,
    source: str,
    contract_id: int | None = None,
) -> LedgerEntry:
    """The entry of `kind` for `source`, written once: asked again (a task run twice, a
    statement accepted after a return), the entry already there is returned unchanged."""
    entry = db.session.scalar(select(LedgerEntry).filter_by(kind=kind, source=source))
    if entry is None:
        entry = LedgerEntry(
            kind=kind,
            amount=amount,
            application_id=application_id,
            province_id=province_id,
            period=period,
            source=source,
            contract_id=contract_id,
        )
        db.session.add(entry)
        db.session.flush()
    return entry


def totals(**where) -> dict[str, Decimal]:
    """Sum per kind of the entries matching `where` (application_id, province_id, period,
    contract_id), every kind of the ledger present (0 where none)."""
    return totals_by(None, **where).get(None, _zeros())


def totals_by(column: str | None, **where) -> dict:
    """`totals` for each value of `column` (e.g. "application_id": the sums of every
    application in one statement), every kind present in each."""
    key = getattr(LedgerEntry, column) if column else None
    query = select(
        LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount), 0), *([key] if column else [])
    ).group_by(LedgerEntry.kind, *([key] if column else []))
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    result: dict = {}
    for kind, total, *value in db.session.execute(query):
        result.setdefault(value[0] if value else None, _zeros())[kind] = Decimal(str(total))
    return result


def _zeros() -> dict[str, Decimal]:
    return {kind.value: Decimal("0.00") for kind in LedgerKind}

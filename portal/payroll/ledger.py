"""The ledger: every amount due, paid, withheld or recovered, written once by the transition
that causes it (recoveries negative). Totals per statement, agreement, province and month are
sums over it, nowhere else."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.payroll.models import LedgerEntry


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
    from portal.payroll.models import LedgerKind

    query = select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount), 0)).group_by(
        LedgerEntry.kind
    )
    for column, value in where.items():
        query = query.where(getattr(LedgerEntry, column) == value)
    sums = {kind: Decimal(str(total)) for kind, total in db.session.execute(query)}
    return {kind.value: sums.get(kind.value, Decimal("0.00")) for kind in LedgerKind}

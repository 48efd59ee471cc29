"""The component-2 hiring grant, month by month (rules G-*), and what each statement line is
worth to the paying body. Called by the statements (acceptance), the payroll file (what a line
pays) and its returns (settlement), in the caller's transaction; only flushes."""

from decimal import Decimal

from portal.payroll.models import MonthlyStatement, StatementLine


def on_accepted(statement: MonthlyStatement) -> None:
    """The secretariat accepted `statement`: write what it makes due in the ledger — each
    component-1 line's wage; each component-2 line's grant instalment for the month, due or
    withheld (G-COND-DECLARED)."""


def payable(line: StatementLine) -> Decimal:
    """What the payroll file pays for an accepted line: a component-1 line's wage due; a
    component-2 line's instalment due that month (0 when withheld or none is left)."""
    return line.wage_due if line.contract.component == 1 else Decimal("0.00")


def settle(line: StatementLine) -> None:
    """The paying body's outcome of `line` has been recorded (`outcome`, `amount_paid`): write
    the amount paid in the ledger and mark its instalment paid, or leave it due when rejected."""

"""The hiring grant month by month (G-GRANT-SCHEDULE, G-COND-DECLARED, G-EARLY-END) and the
ledger as the one source of the totals: accepted months are written here with the models, as
the secretariat's acceptance leaves them, then handed to the grant."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.beneficiaries.models import Contract
from portal.calls.models import Edition
from portal.extensions import db
from portal.payroll import grants, ledger
from portal.payroll.models import (
    GrantInstalment,
    LedgerEntry,
    StatementLine,
)
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.payroll import accepted, shared_when_rolled_back

START = date(2027, 3, 1)


def month(n: int) -> date:
    """The n-th month of a contract starting in March 2027 (1 = March)."""
    year, index = divmod(START.month - 1 + n - 1, 12)
    return date(START.year + year, index + 1, 1)


def paid(line: StatementLine) -> None:
    line.outcome, line.amount_paid = "paid", grants.payable(line)
    grants.settle(line)


def statuses(contract: Contract) -> str:
    """The schedule as one letter per month: s scheduled, d due, w withheld, p paid,
    c cancelled, r review, x recovered."""
    letters = {"recovered": "x"}
    return "".join(letters.get(i.status, i.status[0]) for i in grants.schedule(contract))


def set_grant(contract: Contract, **values) -> None:
    edition = db.session.get(Edition, contract.edition_id)
    params = dict(edition.parameters)
    params["component2"] = dict(params["component2"], **values)
    edition.parameters = params
    db.session.flush()


@pytest.fixture(scope=shared_when_rolled_back)
def hiring(app):
    """A signed component-2 agreement, committed once for the module (each test's hires are
    rolled back with it)."""
    return signed_agreement(app, component=2)


@pytest.fixture(scope=shared_when_rolled_back)
def worksite(app):
    return signed_agreement(app)


@pytest.fixture
def hire(app, hiring):
    """A component-2 hire of two years from March 2027 on a grant of 1,500 MAD × 9 months
    (the second edition's figures, set here whatever the call's edition)."""
    side = hiring
    with app.app_context():
        contract = enrol(side, new_cin(), post_index=0, end=date(2029, 2, 28)).contract
        set_grant(contract, grant_monthly_mad=1500, grant_months=9, contract_min_months=12)
        yield contract


def test_the_schedule_is_the_editions_amount_times_its_months(hire):
    schedule = grants.schedule(hire)
    assert [(i.month_no, i.amount) for i in schedule] == [
        (n, Decimal("1500.00")) for n in range(1, 10)
    ]
    assert grants.schedule(hire) == schedule  # written once


def test_the_grant_starts_with_the_first_month_declared_with_days(hire):
    first = accepted(hire, month(1), days=0, situation="CS")
    assert grants.payable(first) == 0 and statuses(hire) == "s" * 9
    second = accepted(hire, month(2))
    assert grants.payable(second) == Decimal("1500.00")
    assert statuses(hire) == "d" + "s" * 8
    assert grants.schedule(hire)[0].period == month(2)


@pytest.mark.parametrize(
    ("months", "catch_up", "schedule", "due_in_month_4"),
    [
        # declared, declared, not declared, declared: the third month is lost…
        ([26, 26, 0, 26], False, "ddwd" + "s" * 5, "1500.00"),
        # …or, with catch-up, paid with the next declared month.
        ([26, 26, 0, 26], True, "dddd" + "s" * 5, "3000.00"),
    ],
)
def test_a_month_not_declared_is_withheld_and_the_grant_resumes(
    hire, months, catch_up, schedule, due_in_month_4
):
    set_grant(hire, grant_catch_up=catch_up)
    lines = [
        accepted(hire, month(n), days=days, situation="" if days else "CS")
        for n, days in enumerate(months, 1)
    ]
    assert statuses(hire) == schedule
    assert grants.payable(lines[2]) == 0
    assert grants.payable(lines[3]) == Decimal(due_in_month_4)
    totals = ledger.totals(contract_id=hire.id)
    withheld = Decimal("0.00") if catch_up else Decimal("1500.00")
    assert totals["grant_withheld"] == withheld
    assert totals["grant_due"] == Decimal("1500.00") * schedule.count("d")


def test_a_wage_below_the_floor_withholds_the_month(hire):
    accepted(hire, month(1))
    hire.monthly_wage = Decimal("2000.00")
    line = accepted(hire, month(2))
    assert grants.payable(line) == 0 and statuses(hire) == "dw" + "s" * 7


def test_the_grant_ends_with_its_months(hire):
    for n in range(1, 12):
        accepted(hire, month(n))
    assert statuses(hire) == "d" * 9
    assert grants.payable(accepted(hire, month(12))) == 0


def test_paid_lines_are_paid_once_and_rejected_ones_stay_due(hire):
    first, second = accepted(hire, month(1)), accepted(hire, month(2))
    paid(first)
    paid(first)  # the returns imported twice
    second.outcome, second.reject_code = "rejected", "R12"
    grants.settle(second)
    assert statuses(hire) == "pd" + "s" * 7
    totals = ledger.totals(contract_id=hire.id)
    assert totals["grant_paid"] == Decimal("1500.00")
    assert totals["grant_due"] == Decimal("3000.00")


def test_accepting_twice_writes_nothing_more(hire):
    line = accepted(hire, month(1))
    count = db.session.scalar(select(func.count(LedgerEntry.id)))
    grants.on_accepted(line.statement)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == count
    assert statuses(hire) == "d" + "s" * 8


def end_early(hire, reason: str, months_paid: int = 4):
    """Paid `months_paid` months, then the hire leaves in the next month."""
    for n in range(1, months_paid + 1):
        paid(accepted(hire, month(n)))
    hire.actual_end, hire.end_reason = date(2027, 3 + months_paid, 15), reason
    hire.status = "ended"
    return accepted(hire, month(months_paid + 1), situation="SO")


@pytest.mark.parametrize(
    ("policy", "reason", "schedule", "recovered"),
    [
        ("review", "resigned", "rrrrd" + "c" * 4, "0.00"),  # flagged for staff
        ("none", "resigned", "ppppd" + "c" * 4, "0.00"),
        ("all", "resigned", "xxxxd" + "c" * 4, "-6000.00"),
        # 4 whole months worked of the 12: 8/12 of the 6,000 paid.
        ("prorata", "resigned", "xxxxd" + "c" * 4, "-4000.00"),
        ("all", "died", "ppppd" + "c" * 4, "0.00"),  # an exception: only the rest cancelled
    ],
)
def test_an_early_end_cancels_the_rest_and_treats_the_months_paid(
    hire, policy, reason, schedule, recovered
):
    set_grant(hire, early_end_recovery=policy, early_end_exceptions=["died"])
    end_early(hire, reason)
    assert statuses(hire) == schedule
    assert ledger.totals(contract_id=hire.id)["grant_recovered"] == Decimal(recovered)


def test_an_end_after_the_minimum_period_cancels_nothing(hire):
    set_grant(hire, grant_months=9, contract_min_months=3, early_end_recovery="all")
    end_early(hire, "resigned")
    assert statuses(hire) == "ppppd" + "s" * 4


def test_component_1_lines_owe_their_wage(app, worksite):
    side = worksite
    with app.app_context():
        worker = enrol(side, new_cin(), wage=Decimal("3500.00")).contract
        full, short = accepted(worker, month(1)), accepted(worker, month(2), 13, "IL")
        assert grants.payable(full) == Decimal("3500.00")
        assert grants.payable(short) == Decimal("1750.00")
        paid(full)
        totals = ledger.totals(application_id=side.application_id)
        assert totals["wage_due"] == Decimal("5250.00")
        assert totals["wage_paid"] == Decimal("3500.00")
        assert totals["grant_due"] == 0
        assert not grants.instalments_of(full) and not db.session.scalar(
            select(func.count(GrantInstalment.id)).filter_by(contract_id=worker.id)
        )

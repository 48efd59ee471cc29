from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.beneficiaries.models import Contract
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.timeutil import utcnow

MONEY = Numeric(12, 2)


class StatementStatus(LabelledEnum):
    """The month's statement of an agreement: the partner's editor fills and submits it, a
    second person of the organisation certifies it (P-STATEMENT-CERT), the secretariat accepts
    it or returns it with reasons by line (back to the partner, editable again); accepted
    statements go out in the province's payroll file (sent) and come back paid, line by line,
    or rejected (every line refused by the paying body); a statement accepted with nothing to
    pay (every day short of the grant's minimum, no wage due) is closed there."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CERTIFIED = "certified"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    SENT = "sent"
    PAID = "paid"
    REJECTED = "rejected"
    CLOSED = "closed"

    __labels__: ClassVar[dict] = {
        "draft": _l("Being filled"),
        "submitted": _l("Submitted, waiting for certification"),
        "certified": _l("Certified, waiting for the secretariat"),
        "returned": _l("Returned for corrections"),
        "accepted": _l("Accepted"),
        "sent": _l("Sent for payment"),
        "paid": _l("Paid"),
        "rejected": _l("Rejected by the paying body"),
        "closed": _l("Accepted, nothing to pay"),
    }


# The partner may change the lines only in these states.
EDITABLE = (StatementStatus.DRAFT, StatementStatus.RETURNED)


class Situation(LabelledEnum):
    """Why a worker is declared for fewer days than the contract's in the month: the CNSS's
    situation codes (P-SITUATION; blank = a normal month)."""

    NONE = ""
    LEFT = "SO"
    DIED = "DE"
    MATERNITY = "IT"
    ILLNESS = "IL"
    WORK_ACCIDENT = "AT"
    UNPAID_LEAVE = "CS"
    LONG_ILLNESS = "MS"
    OCCUPATIONAL_DISEASE = "MP"

    __labels__: ClassVar[dict] = {
        "": _l("Normal month"),
        "SO": _l("Left the job"),
        "DE": _l("Died"),
        "IT": _l("Maternity leave"),
        "IL": _l("Illness"),
        "AT": _l("Work accident"),
        "CS": _l("Unpaid leave"),
        "MS": _l("Long illness"),
        "MP": _l("Occupational disease"),
    }


class MonthlyStatement(db.Model):
    """One agreement's month (`period`: its first day): one line per contract holding a day of
    that month, pre-filled from the contracts when the statement is opened. Keyed on the
    application, the agreement's identity across its versions (an amendment keeps the months)."""

    __table_args__ = (UniqueConstraint("application_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"))  # version at opening
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"))
    period: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default=StatementStatus.DRAFT, index=True)
    due_on: Mapped[date]  # P-STATEMENT-DUE: a day of the next month, from the edition
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    certified_at: Mapped[datetime | None]
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    payroll_file_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_file.id"), index=True)
    reminder_sent_at: Mapped[datetime | None]
    overdue_sent_at: Mapped[datetime | None]
    # Flagged for the secretariat to look at before accepting (M-HEADCOUNT: a field visit of
    # the month counted other than the contracts): why, and what was seen ({declared, present,
    # visited_on}); set once.
    review_flagged_at: Mapped[datetime | None]
    review_reason: Mapped[str | None] = mapped_column(String(20))
    review_detail: Mapped[dict | None] = mapped_column(JSON)

    application: Mapped[Application] = relationship()
    agreement: Mapped[Agreement] = relationship()
    lines: Mapped[list["StatementLine"]] = relationship(
        back_populates="statement", order_by="StatementLine.id", cascade="all, delete-orphan"
    )


class ReviewReason(LabelledEnum):
    """Why a statement is flagged for review."""

    HEADCOUNT_GAP = "headcount_gap"

    __labels__: ClassVar[dict] = {
        "headcount_gap": _l("A field visit counted other workers than the contracts"),
    }


class LineOutcome(LabelledEnum):
    """What the paying body answered for a line, from its returns (P-RECONCILE)."""

    PAID = "paid"
    REJECTED = "rejected"

    __labels__: ClassVar[dict] = {"paid": _l("Paid"), "rejected": _l("Rejected")}


class StatementLine(db.Model):
    """A contract's month: the days it could work (`max_days`, pro rata in its first and last
    months, P-DAYS-IN-CONTRACT), the days declared (0–26, P-DAYS-MAX), the situation when
    fewer, the floor of the month and the wage due (P-WAGE-MONTH); then the secretariat's
    reason when it returns the line, and the paying body's outcome."""

    __table_args__ = (
        UniqueConstraint("statement_id", "contract_id"),
        CheckConstraint("days_worked >= 0 AND days_worked <= 26", name="days_worked_0_26"),
        CheckConstraint("days_worked <= max_days", name="days_within_contract"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("monthly_statement.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    max_days: Mapped[int]
    days_worked: Mapped[int]
    situation: Mapped[str] = mapped_column(String(2), default=Situation.NONE)
    monthly_wage: Mapped[Decimal] = mapped_column(MONEY)  # the contract's, at the opening
    wage_floor: Mapped[Decimal] = mapped_column(MONEY)  # the minimum wage of the month
    wage_due: Mapped[Decimal] = mapped_column(MONEY)
    return_reason: Mapped[str | None] = mapped_column(Text)  # the secretariat's, by line
    outcome: Mapped[str | None] = mapped_column(String(8))  # LineOutcome, from the returns
    amount_paid: Mapped[Decimal | None] = mapped_column(MONEY)
    reject_code: Mapped[str | None] = mapped_column(String(10))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    reconciled_at: Mapped[datetime | None]
    # The file the line was last sent in: its statement's, or a later one when the partner
    # corrected a rejected line (the rejection stays in `LineRejection`).
    payroll_file_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_file.id"), index=True)
    corrected_at: Mapped[datetime | None]  # a rejected line, corrected: to send again
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    statement: Mapped[MonthlyStatement] = relationship(back_populates="lines")
    contract: Mapped[Contract] = relationship()


class LineRejection(db.Model):
    """A line the paying body rejected in a file, kept when the corrected line is sent again
    in a later one (the earlier file's report still counts it rejected)."""

    __table_args__ = (UniqueConstraint("line_id", "payroll_file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("statement_line.id"), index=True)
    payroll_file_id: Mapped[int] = mapped_column(ForeignKey("payroll_file.id"), index=True)
    reject_code: Mapped[str] = mapped_column(String(10))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    rejected_at: Mapped[datetime]
    resent_in_id: Mapped[int] = mapped_column(ForeignKey("payroll_file.id"))


class FileStatus(LabelledEnum):
    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"

    __labels__: ClassVar[dict] = {
        "queued": _l("Being built"),
        "ready": _l("Ready"),
        "failed": _l("Failed"),
    }


class PayrollFile(db.Model):
    """The file the paying body receives for one province and month, built by the worker from
    the accepted statements through an adapter (portal/payroll/adapters.py): a stored,
    numbered, digest-stamped artifact; built twice from the same statements, the same bytes."""

    __table_args__ = (UniqueConstraint("number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    period: Mapped[date]
    adapter: Mapped[str] = mapped_column(String(20))
    provisional: Mapped[bool] = mapped_column(default=False)  # a format not yet confirmed
    status: Mapped[str] = mapped_column(String(8), default=FileStatus.QUEUED)
    lines: Mapped[int] = mapped_column(default=0)
    total: Mapped[Decimal] = mapped_column(MONEY, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    render_enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    content_type: Mapped[str | None] = mapped_column(String(80))
    filename: Mapped[str | None] = mapped_column(String(80))
    built_at: Mapped[datetime | None]
    # The returns imported for it: {"uploaded_at", "by", "paid", "rejected", "errors": [...]}.
    returns: Mapped[list] = mapped_column(JSON, default=list)
    # P-RECONCILE: when the province's secretariat was told returns were late.
    returns_alert_at: Mapped[datetime | None]
    # The retention job removed the file and its returns (they hold the workers' identities).
    purged_at: Mapped[datetime | None]

    statements: Mapped[list[MonthlyStatement]] = relationship(order_by="MonthlyStatement.id")


class InstalmentStatus(LabelledEnum):
    """A month of the component-2 hiring grant (G-*): scheduled until its month's statement is
    accepted, then due (the hire declared with days and wage) or withheld; paid from the
    returns; cancelled by an early end; flagged for review or recovered after one."""

    SCHEDULED = "scheduled"
    DUE = "due"
    WITHHELD = "withheld"
    PAID = "paid"
    CANCELLED = "cancelled"
    REVIEW = "review"
    RECOVERED = "recovered"

    __labels__: ClassVar[dict] = {
        "scheduled": _l("Scheduled"),
        "due": _l("Due"),
        "withheld": _l("Withheld"),
        "paid": _l("Paid"),
        "cancelled": _l("Cancelled"),
        "review": _l("Flagged for review"),
        "recovered": _l("Recovered"),
    }


class GrantInstalment(db.Model):
    """Month `month_no` (1…months) of a component-2 contract's grant (G-GRANT-SCHEDULE); its
    period is set when the month is reached (the first month declared with days, then on)."""

    __table_args__ = (UniqueConstraint("contract_id", "month_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    month_no: Mapped[int]
    period: Mapped[date | None]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(10), default=InstalmentStatus.SCHEDULED)
    reason: Mapped[str | None] = mapped_column(Text)
    statement_line_id: Mapped[int | None] = mapped_column(ForeignKey("statement_line.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contract: Mapped[Contract] = relationship()


class LedgerKind(LabelledEnum):
    """What a ledger entry records. Amounts are positive but for recoveries (negative), so that
    sums per kind give every total (Hypha's disbursements)."""

    WAGE_DUE = "wage_due"
    WAGE_PAID = "wage_paid"
    GRANT_DUE = "grant_due"
    GRANT_WITHHELD = "grant_withheld"
    GRANT_PAID = "grant_paid"
    GRANT_RECOVERED = "grant_recovered"

    __labels__: ClassVar[dict] = {
        "wage_due": _l("Wages due"),
        "wage_paid": _l("Wages paid"),
        "grant_due": _l("Hiring grant due"),
        "grant_withheld": _l("Hiring grant withheld"),
        "grant_paid": _l("Hiring grant paid"),
        "grant_recovered": _l("Hiring grant recovered"),
    }


class LedgerEntry(db.Model):
    """One amount, written once by the transition that causes it and never changed: the one
    source for the totals per statement, agreement, province and month. `source` names what
    caused it (e.g. "line:42", "instalment:7"), unique with the kind: a task run twice writes
    nothing more."""

    __table_args__ = (UniqueConstraint("kind", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    period: Mapped[date]
    source: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

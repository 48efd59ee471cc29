"""The monthly statements (rules P-* of the execution brief): opened per application and month,
pre-filled from the contracts holding a day of it; filled and submitted by an editor of the
organisation, certified by its owner — never by whoever submitted it (P-STATEMENT-CERT) —
accepted by the province's secretariat or returned with a reason per line; due by a day of the
next month, with a reminder before and an overdue notice after (P-STATEMENT-DUE). Services
change rows, write their audit events and notifications, and only flush."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal.access import can, policy
from portal.agreements.models import Agreement, AgreementStatus
from portal.agreements.services import current_agreement
from portal.applications.models import Application, Status
from portal.audit.services import record
from portal.auth.models import User
from portal.beneficiaries.data_protection import correct_person
from portal.beneficiaries.models import Contract, ContractStatus, EndReason
from portal.core.scope import in_provinces, manages_province, sees_province
from portal.extensions import db
from portal.notifications.services import external_url, notify
from portal.organisations.models import MemberRole, Membership
from portal.organisations.services import membership, second_person_may
from portal.payroll import grants, rules
from portal.payroll.models import (
    EDITABLE,
    LineOutcome,
    MonthlyStatement,
    ReviewReason,
    Situation,
    StatementLine,
    StatementStatus,
)
from portal.timeutil import local_date, utcnow

# Contracts a statement declares: validated ones, and ended ones (their dates say which months).
DECLARED = (ContractStatus.VALIDATED, ContractStatus.ENDED)
# Not yet in the secretariat's hands: what the reminder and the overdue notice are about.
WAITING_FOR_PARTNER = (StatementStatus.DRAFT, StatementStatus.RETURNED, StatementStatus.SUBMITTED)
# The most a reason of the secretariat holds (by line, and for the whole statement).
REASON_MAX = 500


class StatementRefused(Exception):
    """Nothing was written. `reason`: not_signed, closed, future, no_contracts, not_editable,
    not_editor, not_owner, same_person, not_submitted, not_certified, no_reason,
    not_rejected."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LineErrors(Exception):
    """A fill refused whole: {line id: {field: [message, ...]}}, in the reader's language."""

    def __init__(self, errors: dict[int, dict[str, list]]):
        super().__init__(errors)
        self.errors = errors


REFUSALS = {
    "not_signed": _l("Statements are made once the agreement is signed."),
    "closed": _l("The agreement is closed: no statement is opened on it any more."),
    "future": _l("A month's statement opens once the month has begun."),
    "no_contracts": _l(
        "No validated contract holds a day of this month: there is nothing to declare."
    ),
    "not_editable": _l("This statement can no longer be changed."),
    "not_editor": _l(
        "An editor of the organisation submits the statement; its owner then certifies it."
    ),
    "not_owner": _l("The owner of the organisation certifies the statement."),
    "same_person": _l(
        "Whoever submitted the statement cannot certify it: a second person of the "
        "organisation does."
    ),
    "not_submitted": _l("Only a submitted statement is certified."),
    "not_certified": _l("Only a certified statement is accepted or returned."),
    "no_reason": _l(
        "Say what to correct: a reason for at least one line, or for the whole statement."
    ),
    "not_rejected": _l("This line was not rejected by the paying body, or is corrected already."),
}


def refusal_message(reason: str) -> str:
    return str(REFUSALS.get(reason, reason))


# Access


def _member_role(user: User, statement: MonthlyStatement) -> str | None:
    member = membership(user, statement.application.organisation)
    return member.role if member else None


# A statement's actions in the second-person rule's words (filling a statement is writing it).
SECOND_PERSON_ACTIONS = {"view": "view", "fill": "write", "submit": "submit", "certify": "certify"}


@policy(MonthlyStatement)
def statement_policy(user: User, action: str, statement: MonthlyStatement) -> bool:
    """The organisation's members and the province's staff see it; its members fill it while
    it is editable, its editors (not the owner) submit it, its owner certifies it unless they
    submitted it; the province's secretariat (and the admin) accept or return it, certified."""
    status = statement.status
    if user.is_staff:
        if action == "view":
            return sees_province(user, statement.province_id)
        if action in ("accept", "return"):
            return (
                manages_province(user, statement.province_id)
                and status == StatementStatus.CERTIFIED
            )
        return False
    role = _member_role(user, statement)
    if role is None:
        return False
    if action == "correct":
        return bool(to_correct(statement))
    return second_person_may(
        SECOND_PERSON_ACTIONS.get(action, ""),
        role,
        editable=status in EDITABLE,
        submitted=status == StatementStatus.SUBMITTED,
        submitted_by_id=statement.submitted_by_id,
        user_id=user.id,
    )


def to_correct(statement: MonthlyStatement) -> list[StatementLine]:
    """The lines the paying body rejected that the partner has not corrected yet."""
    return [
        line
        for line in statement.lines
        if line.outcome == LineOutcome.REJECTED and line.corrected_at is None
    ]


@policy(Agreement, actions=("statements", "open_statement"))
def agreement_statements_policy(user: User, action: str, agreement: Agreement) -> bool:
    """Who sees an agreement sees its statements; its organisation's members open a month's,
    once it is signed and until it is closed out."""
    if not can(user, "view", agreement):
        return False
    if action == "statements":
        return True
    return (
        not user.is_staff
        and can(user, "edit", agreement.application.organisation)
        and agreement.status == AgreementStatus.SIGNED
        and agreement.application.status != Status.CLOSED
    )


# Opening


def is_farm(application: Application) -> bool:
    """Farm work is paid at least the SMAG × 26 (P-WAGE-MONTH): a component-1 worksite of the
    agriculture sector; a company's posts say nothing of it, so the SMIG."""
    return application.component == 1 and (application.details or {}).get("sector") == (
        "agriculture"
    )


def payroll_settings(application: Application) -> dict:
    settings = application.call.edition.parameters.get("payroll") or {}
    return {
        "statement_due_day": int(settings.get("statement_due_day", 10)),
        "reminder_days_before": int(settings.get("reminder_days_before", 3)),
    }


def declared_contracts(application_id: int, period: date) -> list[Contract]:
    """The application's validated contracts and ended ones whose dates touch the month."""
    return db.session.scalars(
        select(Contract)
        .options(joinedload(Contract.person))
        .where(
            Contract.application_id == application_id,
            Contract.status.in_(DECLARED),
            Contract.start_date <= rules.last_day(period),
            func.coalesce(Contract.actual_end, Contract.planned_end) >= period,
        )
        .order_by(Contract.start_date, Contract.id)
    ).all()


def _prefilled_situation(contract: Contract, period: date) -> str:
    """A contract ended early in the month is declared as such: the worker left, or died."""
    end = contract.actual_end
    if end is None or rules.period_of(end) != period or end >= contract.planned_end:
        return Situation.NONE
    return Situation.DIED if contract.end_reason == EndReason.DIED else Situation.LEFT


def find(application_id: int, period: date) -> MonthlyStatement | None:
    return db.session.scalar(
        select(MonthlyStatement).filter_by(application_id=application_id, period=period)
    )


def open_statement(agreement: Agreement, period: date, *, by: User | None) -> MonthlyStatement:
    """The statement of `period` (any day of the month) for the agreement's application: the
    one already opened, or a new one with a line per contract holding a day of the month, its
    days pre-filled to the contract's (P-DAYS-IN-CONTRACT), its floor and wage due computed.
    One per application and month, whoever opens it at the same moment (the database's unique
    key). `by` None: opened by the portal itself (the monthly task)."""
    period = rules.period_of(period)
    if agreement.status != AgreementStatus.SIGNED:
        raise StatementRefused("not_signed")
    application = agreement.application
    if application.status == Status.CLOSED:
        raise StatementRefused("closed")
    if period > rules.period_of(local_date()):
        raise StatementRefused("future")
    existing = find(application.id, period)
    if existing is not None:
        return existing
    contracts = declared_contracts(application.id, period)
    if not contracts:
        raise StatementRefused("no_contracts")
    floor = rules.wage_floor(period, farm=is_farm(application))
    settings = payroll_settings(application)
    statement = MonthlyStatement(
        application_id=application.id,
        agreement_id=agreement.id,
        province_id=application.province_id,
        period=period,
        status=StatementStatus.DRAFT,
        due_on=rules.due_on(period, settings["statement_due_day"]),
    )
    for contract in contracts:
        days = rules.contract_days(contract.start_date, contract.end, period)
        statement.lines.append(
            StatementLine(
                contract_id=contract.id,
                max_days=days,
                days_worked=days,
                situation=_prefilled_situation(contract, period),
                monthly_wage=contract.monthly_wage,
                wage_floor=floor,
                wage_due=rules.wage_due(contract.monthly_wage, days, floor),
            )
        )
    try:
        with db.session.begin_nested():  # another opening of the same month may win
            db.session.add(statement)
    except IntegrityError:
        existing = find(application.id, period)
        if existing is None:
            raise
        return existing
    record(
        "statement.opened",
        actor=by,
        obj=statement,
        organisation_id=application.organisation_id,
        after={"period": f"{period:%Y-%m}", "lines": len(statement.lines)},
    )
    for hook in OPENED:
        hook(statement)
    return statement


# What the areas above do when a statement is opened (monitoring: flag it for a head-count gap
# seen on a visit of that month before the statement existed).
OPENED: list[Callable[[MonthlyStatement], None]] = []


def on_opened(hook: Callable[[MonthlyStatement], None]) -> Callable[[MonthlyStatement], None]:
    """Decorator: `hook(statement)` runs in the transaction that opens a statement."""
    OPENED.append(hook)
    return hook


def flag_for_review(statement: MonthlyStatement, reason: ReviewReason, detail: dict) -> bool:
    """Flag the statement for the secretariat's review, once (a compare-and-set: the first
    flag stays); whether this call flagged it."""
    flagged = db.session.execute(
        update(MonthlyStatement)
        .where(MonthlyStatement.id == statement.id, MonthlyStatement.review_flagged_at.is_(None))
        .values(review_flagged_at=utcnow(), review_reason=reason, review_detail=detail)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not flagged:
        return False
    db.session.refresh(statement, ["review_flagged_at", "review_reason", "review_detail"])
    record(
        "statement.flagged",
        obj=statement,
        organisation_id=statement.application.organisation_id,
        after={"reason": str(reason), **detail},
    )
    return True


def openable_periods(agreement: Agreement, *, today: date | None = None) -> list[date]:
    """The months, up to this one, that hold a day of a declared contract and have no
    statement yet, latest first."""
    today = today or local_date()
    bounds = db.session.execute(
        select(
            func.min(Contract.start_date),
            func.max(func.coalesce(Contract.actual_end, Contract.planned_end)),
        ).where(
            Contract.application_id == agreement.application_id,
            Contract.status.in_(DECLARED),
        )
    ).one()
    if bounds[0] is None:
        return []
    opened = set(
        db.session.scalars(
            select(MonthlyStatement.period).filter_by(application_id=agreement.application_id)
        )
    )
    first, last = (
        rules.period_of(bounds[0]),
        min(rules.period_of(bounds[1]), rules.period_of(today)),
    )
    periods, month = [], first
    while month <= last:
        if month not in opened:
            periods.append(month)
        month = rules.next_period(month)
    return periods[::-1]


# Filling


def line_messages(codes: list[str], line: StatementLine, situation: str) -> dict[str, list]:
    """The rules a line breaks as messages on its fields: days, situation."""
    messages: dict[str, list] = {}
    for code in codes:
        if code == "P-DAYS-MAX":
            messages.setdefault("days_worked", []).append(
                _l("Between 0 and 26 days: the CNSS counts a whole month as 26 days.")
            )
        elif code == "P-DAYS-IN-CONTRACT":
            messages.setdefault("days_worked", []).append(
                _l("No more than the contract's days this month: %(num)s.", num=line.max_days)
            )
        elif code == "P-SITUATION" and situation == Situation.LEFT:
            messages.setdefault("situation", []).append(
                _l(
                    "“Left the job” is declared in the month the contract ends: end the "
                    "contract on its last day first."
                )
            )
        elif code == "P-SITUATION":
            messages.setdefault("situation", []).append(
                _l(
                    "Fewer days than the contract's %(num)s this month: choose why.",
                    num=line.max_days,
                )
            )
    return messages


def check_line(line: StatementLine, days: int, situation: str) -> dict[str, list]:
    if situation not in {s.value for s in Situation}:
        return {"situation": [_l("Choose a situation of the list.")]}
    codes = rules.line_problems(
        days,
        line.max_days,
        situation,
        contract_end=line.contract.end,
        period=line.statement.period,
    )
    return line_messages(codes, line, situation)


def fill(statement: MonthlyStatement, lines: dict[int, dict], *, by: User) -> int:
    """Set the days and situation of the statement's lines ({line id: {days_worked,
    situation}}) and their wage due. Each line is checked (P-DAYS-MAX, P-DAYS-IN-CONTRACT,
    P-SITUATION): any error refuses the whole fill (LineErrors, nothing changed). The number
    of lines changed."""
    if statement.status not in EDITABLE:
        raise StatementRefused("not_editable")
    by_id = {line.id: line for line in statement.lines}
    if set(lines) - set(by_id):
        raise ValueError("lines of another statement")
    errors = {}
    for line_id, values in lines.items():
        problems = check_line(by_id[line_id], values["days_worked"], values["situation"] or "")
        if problems:
            errors[line_id] = problems
    if errors:
        raise LineErrors(errors)
    changed = 0
    for line_id, values in lines.items():
        line = by_id[line_id]
        days, situation = values["days_worked"], values["situation"] or Situation.NONE
        if (line.days_worked, line.situation) == (days, situation):
            continue
        line.days_worked, line.situation = days, situation
        line.wage_due = rules.wage_due(line.monthly_wage, days, line.wage_floor)
        changed += 1
    if changed:
        record(
            "statement.filled",
            actor=by,
            obj=statement,
            organisation_id=statement.application.organisation_id,
            after={"period": f"{statement.period:%Y-%m}", "lines_changed": changed},
        )
    db.session.flush()
    return changed


# The transitions


def _lock(statement: MonthlyStatement) -> MonthlyStatement:
    """The statement's row locked until the commit, read again: two clicks, or two people,
    moving it at once move it once."""
    return db.session.scalar(
        select(MonthlyStatement)
        .where(MonthlyStatement.id == statement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _audit(action: str, statement: MonthlyStatement, by: User | None, **after) -> None:
    record(
        action,
        actor=by,
        obj=statement,
        organisation_id=statement.application.organisation_id,
        after={"period": f"{statement.period:%Y-%m}", **after},
    )


def submit(statement: MonthlyStatement, *, by: User) -> None:
    """An editor of the organisation (not its owner, who certifies) submits the statement."""
    statement = _lock(statement)
    if statement.status not in EDITABLE:
        raise StatementRefused("not_editable")
    if _member_role(by, statement) != MemberRole.EDITOR:
        raise StatementRefused("not_editor")
    for line in statement.lines:  # pre-filled lines are valid; a rule may have changed since
        if check_line(line, line.days_worked, line.situation):
            raise StatementRefused("not_editable")
    statement.status = StatementStatus.SUBMITTED
    statement.submitted_at, statement.submitted_by_id = utcnow(), by.id
    statement.certified_at = statement.certified_by_id = None
    _audit("statement.submitted", statement, by, total=str(totals_of(statement).wage_due))


def certify(statement: MonthlyStatement, *, by: User) -> None:
    """A second person certifies it: the organisation's owner, never whoever submitted it."""
    statement = _lock(statement)
    if statement.status != StatementStatus.SUBMITTED:
        raise StatementRefused("not_submitted")
    if statement.submitted_by_id == by.id:
        raise StatementRefused("same_person")
    if _member_role(by, statement) != MemberRole.OWNER:
        raise StatementRefused("not_owner")
    statement.status = StatementStatus.CERTIFIED
    statement.certified_at, statement.certified_by_id = utcnow(), by.id
    _audit("statement.certified", statement, by)


def correct_rejected(
    statement: MonthlyStatement, line_id: int, details: dict, *, by: User
) -> StatementLine:
    """A member of the organisation corrects the worker's details the paying body rejected a
    line for (CNSS number, name in Latin letters, or nothing when the cause was elsewhere):
    the province's next payroll file sends the line again (P-RECONCILE)."""
    statement = _lock(statement)
    line = next((line for line in to_correct(statement) if line.id == line_id), None)
    if line is None:
        raise StatementRefused("not_rejected")
    changed = correct_person(
        line.contract.person, details, f"payroll line L{line.id}: {line.reject_code}", by=by
    )
    line.corrected_at, line.corrected_by_id = utcnow(), by.id
    _audit("statement.line_corrected", statement, by, line=line.id, fields=",".join(changed))
    return line


def accept(statement: MonthlyStatement, *, by: User) -> None:
    """The province's secretariat accepts a certified statement: what it makes due goes to the
    ledger (grants.on_accepted), the organisation is told."""
    statement = _lock(statement)
    if statement.status != StatementStatus.CERTIFIED:
        raise StatementRefused("not_certified")
    if not manages_province(by, statement.province_id):
        raise PermissionError("the secretariat of the province")
    statement.status = StatementStatus.ACCEPTED
    statement.decided_at, statement.decided_by_id = utcnow(), by.id
    grants.on_accepted(statement)
    if not any(grants.payable(line) > 0 for line in statement.lines):
        statement.status = StatementStatus.CLOSED  # no payroll file would carry it
    _audit("statement.accepted", statement, by, total=str(totals_of(statement).wage_due))
    _notify_members(statement, "statement_accepted")


def return_(
    statement: MonthlyStatement, reasons: dict[int, str], note: str = "", *, by: User
) -> None:
    """The secretariat returns a certified statement to the partner, with a reason for each
    line to correct ({line id: reason}) and, or, for the whole: editable again, submitted and
    certified again after the corrections."""
    statement = _lock(statement)
    if statement.status != StatementStatus.CERTIFIED:
        raise StatementRefused("not_certified")
    if not manages_province(by, statement.province_id):
        raise PermissionError("the secretariat of the province")
    reasons = {line_id: text.strip() for line_id, text in reasons.items() if text and text.strip()}
    note = (note or "").strip()
    if not reasons and not note:
        raise StatementRefused("no_reason")
    if set(reasons) - {line.id for line in statement.lines}:
        raise ValueError("lines of another statement")
    for line in statement.lines:
        line.return_reason = reasons.get(line.id)
    statement.status = StatementStatus.RETURNED
    statement.return_reason = note or None
    statement.decided_at, statement.decided_by_id = utcnow(), by.id
    _audit("statement.returned", statement, by, lines=len(reasons), reason=note)
    _notify_members(statement, "statement_returned")


def _members(statement: MonthlyStatement) -> list[User]:
    return db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == statement.application.organisation_id)
        .order_by(User.id)
    ).all()


def _notify_members(statement: MonthlyStatement, event: str, stamp: str | None = None) -> list:
    """The notification of `event` for each member of the organisation, linking to the
    statement; delivered once the unit of work commits. A return or acceptance is one event
    (its time in the key), a reminder one per statement."""
    stamp = stamp or f"{statement.decided_at:%Y%m%d%H%M%S%f}"
    link = external_url("payroll.statement", statement_id=statement.id)
    returned = [line for line in statement.lines if line.return_reason]
    return [
        notify(
            member,
            event,
            f"{event}:{statement.id}:{stamp}:{member.id}",
            statement=statement,
            application=statement.application,
            returned=returned,
            totals=totals_of(statement),
            link=link,
        )
        for member in _members(statement)
    ]


# Due dates: the reminder before, the overdue notice after (beat, `send_statement_notices`)


def _claim(statement_id: int, column) -> bool:
    """Mark the notice sent with a compare-and-set: run twice, or by two workers, once."""
    return bool(
        db.session.execute(
            update(MonthlyStatement)
            .where(MonthlyStatement.id == statement_id, column.is_(None))
            .values({column: utcnow()})
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def open_last_months(today: date) -> int:
    """Open last month's statement of every signed agreement whose contracts held a day of it
    (the partner finds it pre-filled on the first of the month): how many were opened."""
    period = rules.period_of(rules.period_of(today) - timedelta(days=1))
    holding = (
        select(Contract.application_id)
        .where(
            Contract.status.in_(DECLARED),
            Contract.start_date <= rules.last_day(period),
            func.coalesce(Contract.actual_end, Contract.planned_end) >= period,
        )
        .distinct()
    )
    opened = select(MonthlyStatement.application_id).where(MonthlyStatement.period == period)
    agreements = db.session.scalars(
        select(Agreement).where(
            Agreement.status == AgreementStatus.SIGNED,
            Agreement.application_id.in_(holding),
            Agreement.application_id.not_in(
                select(Application.id).where(Application.status == Status.CLOSED)
            ),
            Agreement.application_id.not_in(opened),
        )
    ).all()
    count = 0
    for agreement in agreements:
        if current_agreement(agreement.application).id == agreement.id:
            open_statement(agreement, period, by=None)
            count += 1
    return count


def send_due_notices(today: date | None = None) -> dict:
    """Open last month's statements, then remind the organisations of the statements due
    within the edition's `reminder_days_before` days and tell them, the day after the due date,
    of those overdue: once each (`reminder_sent_at`, `overdue_sent_at`), whoever runs it."""
    today = today or local_date()
    opened = open_last_months(today)
    waiting = db.session.scalars(
        select(MonthlyStatement)
        .options(selectinload(MonthlyStatement.lines))
        .where(
            MonthlyStatement.status.in_(WAITING_FOR_PARTNER),
            or_(
                MonthlyStatement.reminder_sent_at.is_(None),
                MonthlyStatement.overdue_sent_at.is_(None),
            ),
            MonthlyStatement.due_on <= today + timedelta(days=31),
        )
        .order_by(MonthlyStatement.id)
    ).all()
    reminded = overdue = 0
    for statement in waiting:
        before = payroll_settings(statement.application)["reminder_days_before"]
        if statement.due_on < today:
            column, event = MonthlyStatement.overdue_sent_at, "statement_overdue"
        elif statement.due_on - timedelta(days=before) <= today:
            column, event = MonthlyStatement.reminder_sent_at, "statement_reminder"
        else:
            continue
        if getattr(statement, column.key) is None and _claim(statement.id, column):
            _notify_members(statement, event, "once")
            if event == "statement_overdue":
                overdue += 1
            else:
                reminded += 1
    return {"opened": opened, "reminded": reminded, "overdue": overdue}


# Reading


@dataclass
class Totals:
    lines: int
    days: int
    wage_due: Decimal


def totals_of(statement: MonthlyStatement) -> Totals:
    """The statement's figures from its lines (loaded with it)."""
    return Totals(
        lines=len(statement.lines),
        days=sum(line.days_worked for line in statement.lines),
        wage_due=sum((line.wage_due for line in statement.lines), Decimal("0.00")),
    )


def statements_of(application_id: int) -> list[MonthlyStatement]:
    """Every statement of the application, latest month first, with its lines."""
    return db.session.scalars(
        select(MonthlyStatement)
        .options(selectinload(MonthlyStatement.lines))
        .where(MonthlyStatement.application_id == application_id)
        .order_by(MonthlyStatement.period.desc())
    ).all()


def with_lines(statement_id: int) -> MonthlyStatement | None:
    """A statement with its lines, their contracts and people, in two statements."""
    return db.session.scalar(
        select(MonthlyStatement)
        .options(
            selectinload(MonthlyStatement.lines)
            .joinedload(StatementLine.contract)
            .joinedload(Contract.person)
        )
        .where(MonthlyStatement.id == statement_id)
    )


def to_accept(user: User, province_id: int | None = None) -> list[MonthlyStatement]:
    """Certified statements of the staff member's provinces (or one of them), oldest month
    first."""
    query = (
        select(MonthlyStatement)
        .options(
            selectinload(MonthlyStatement.lines),
            joinedload(MonthlyStatement.application).joinedload(Application.organisation),
            joinedload(MonthlyStatement.agreement),
        )
        .where(
            MonthlyStatement.status == StatementStatus.CERTIFIED,
            in_provinces(user, MonthlyStatement.province_id),
        )
        .order_by(MonthlyStatement.period, MonthlyStatement.certified_at, MonthlyStatement.id)
    )
    if province_id is not None:
        query = query.where(MonthlyStatement.province_id == province_id)
    return db.session.scalars(query).all()

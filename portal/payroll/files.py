"""The payroll file of a province and month, and its returns (P-EXPORT, P-RECONCILE).

The province's secretariat asks for the file: the request writes its numbered row and attaches
the month's accepted statements (sent), then the worker builds the bytes through the adapter
of the setting PAYROLL_ADAPTER (portal/payroll/adapters.py) from neutral rows, one per payable
line (`grants.payable`), stores them as a blob and stamps the row with the digest. Built again
(the task run twice, the sweep), the same statements give the same bytes.

The paying body's returns come back as a CSV, one row per line: checked as a whole by content
and row by row (errors by row and column, in the reader's language; nothing applied while one
is left), then each line reconciled (outcome, amount paid, reject code and reason) and settled
(`grants.settle`, which writes the ledger); a statement whose lines are all answered is paid,
or rejected when none was paid, and its partner told of the rejected lines. The same returns
imported again change nothing.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import load_only

from portal import storage
from portal.access import Role, policy
from portal.agreements.models import Agreement
from portal.applications.services import notify_members
from portal.audit.services import record
from portal.auth.models import StaffProvince, User, UserRole
from portal.beneficiaries.models import Contract, Person
from portal.core.scope import in_provinces, manages_province
from portal.core.uow import after_commit
from portal.documents.inspection import HTML
from portal.extensions import db
from portal.geo.models import Commune, Province
from portal.i18n import localized
from portal.notifications.services import external_url, notify
from portal.organisations.models import Organisation
from portal.payroll import adapters, grants
from portal.payroll.models import (
    FileStatus,
    LineOutcome,
    LineRejection,
    MonthlyStatement,
    PayrollFile,
    Situation,
    StatementLine,
    StatementStatus,
)
from portal.timeutil import utcnow

TASK = "build_payroll_file"
ZERO = Decimal("0.00")


# Access


def manages(user: User, province_id: int) -> bool:
    """The province's secretariat (and the admin): they ask for its files and read them, full
    CINs included."""
    return manages_province(user, province_id)


@policy(PayrollFile)
def file_policy(user: User, action: str, payroll_file: PayrollFile) -> bool:
    """The file's province's secretariat sees it and downloads it once built; imports its
    returns once built."""
    if not manages(user, payroll_file.province_id):
        return False
    if action == "view":
        return True
    if action in ("download", "returns"):
        return payroll_file.status == FileStatus.READY and payroll_file.purged_at is None
    return False


# Asking for a file


class FileRefused(Exception):
    """Nothing was written. `reason`: nothing_accepted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _waiting(province_id: int, period: date):
    return select(MonthlyStatement).where(
        MonthlyStatement.province_id == province_id,
        MonthlyStatement.period == period,
        MonthlyStatement.status == StatementStatus.ACCEPTED,
        MonthlyStatement.payroll_file_id.is_(None),
    )


def waiting_count(province_id: int, period: date) -> int:
    """The accepted statements of the month not yet in a file."""
    return db.session.scalar(select(func.count()).select_from(_waiting(province_id, period)))


def _corrected(province_id: int):
    """The province's lines rejected by the paying body and corrected since by the partner:
    the next file of the province sends them again, whatever its month."""
    return (
        select(StatementLine)
        .join(MonthlyStatement, StatementLine.statement_id == MonthlyStatement.id)
        .where(
            MonthlyStatement.province_id == province_id,
            StatementLine.outcome == LineOutcome.REJECTED,
            StatementLine.corrected_at.is_not(None),
        )
    )


def corrected_count(province_id: int) -> int:
    """The corrected lines the province's next file will send again."""
    return db.session.scalar(select(func.count()).select_from(_corrected(province_id).subquery()))


def province_tag(province: Province) -> str:
    """Four letters of the province's French name, for the files' numbers (SIDI, TANT)."""
    return adapters.plain(province.name_fr).replace(" ", "")[:4]


def request_file(province: Province, period: date, *, by: User) -> PayrollFile:
    """The province's file for the month `period` (its first day): numbered, the accepted
    statements not yet sent attached and sent; the worker builds it after the commit."""
    # One request at a time per province: the numbers follow each other.
    db.session.execute(select(Province.id).where(Province.id == province.id).with_for_update())
    statements = db.session.scalars(
        _waiting(province.id, period).order_by(MonthlyStatement.id).with_for_update()
    ).all()
    corrected = db.session.scalars(
        _corrected(province.id).order_by(StatementLine.id).with_for_update(of=StatementLine)
    ).all()
    if not statements and not corrected:
        raise FileRefused("nothing_accepted")
    prefix = f"PAY-{province_tag(province)}-{period:%Y%m}-"
    earlier = db.session.scalar(
        select(func.count())
        .select_from(PayrollFile)
        .where(PayrollFile.number.startswith(prefix, autoescape=True))
    )
    name = current_app.config["PAYROLL_ADAPTER"]
    payroll_file = PayrollFile(
        number=f"{prefix}{earlier + 1:02d}",
        province_id=province.id,
        period=period,
        adapter=name,
        provisional=adapters.provisional(name, current_app.config),
        status=FileStatus.QUEUED,
        created_by_id=by.id,
        created_at=utcnow(),
        render_enqueued_at=utcnow(),
        returns=[],
    )
    db.session.add(payroll_file)
    db.session.flush()
    for statement in statements:
        statement.payroll_file_id = payroll_file.id
        statement.status = StatementStatus.SENT
    if statements:
        db.session.execute(
            update(StatementLine)
            .where(StatementLine.statement_id.in_([s.id for s in statements]))
            .values(payroll_file_id=payroll_file.id)
            .execution_options(synchronize_session=False)
        )
    for line in corrected:
        _send_again(line, payroll_file)
    record(
        "payroll.file_requested",
        actor=by,
        obj=payroll_file,
        after={
            "number": payroll_file.number,
            "statements": len(statements),
            "sent_again": len(corrected),
            "adapter": name,
        },
    )
    after_commit(TASK, payroll_file.id)
    return payroll_file


def _send_again(line: StatementLine, payroll_file: PayrollFile) -> None:
    """A corrected rejected line goes into `payroll_file`: its rejection is kept with the file
    that had it, its outcome waits for the new file's returns, its statement is sent again."""
    db.session.add(
        LineRejection(
            line_id=line.id,
            payroll_file_id=line.payroll_file_id or line.statement.payroll_file_id,
            reject_code=line.reject_code,
            reject_reason=line.reject_reason,
            rejected_at=line.reconciled_at or utcnow(),
            resent_in_id=payroll_file.id,
        )
    )
    line.outcome = line.reject_code = line.reject_reason = None
    line.reconciled_at = line.corrected_at = None
    line.payroll_file_id = payroll_file.id
    line.statement.status = StatementStatus.SENT


# The file's rows


def _line_rows(where, *, rejections: bool = False):
    """Lines in the file's order (agreement number, then line), each with its contract (what
    `grants.payable` reads) and the columns of its person, agreement and employer the file
    writes, in one query; with `rejections`, each line's `LineRejection` too."""
    query = (
        select(
            StatementLine,
            Contract,
            Agreement.number.label("agreement_number"),
            Organisation.name_ar.label("employer_ar"),
            Organisation.name_fr.label("employer_fr"),
            Organisation.address.label("employer_address"),
            Organisation.cnss_affiliation.label("employer_affiliation"),
            Commune.name_fr.label("employer_city"),
            Person.last_name_ar,
            Person.first_name_ar,
            Person.last_name_fr,
            Person.first_name_fr,
            Person.cin,
            Person.cnss_number,
            MonthlyStatement.period,
        )
        .join(MonthlyStatement, StatementLine.statement_id == MonthlyStatement.id)
        .join(Contract, StatementLine.contract_id == Contract.id)
        .join(Person, Contract.person_id == Person.id)
        .join(Agreement, MonthlyStatement.agreement_id == Agreement.id)
        .join(Organisation, Contract.organisation_id == Organisation.id)
        .join(Commune, Organisation.commune_id == Commune.id)
        .options(load_only(Contract.id, Contract.component, Contract.edition_id))
    )
    if rejections:
        sent_in = select(PayrollFile.number).where(PayrollFile.id == LineRejection.resent_in_id)
        query = query.join(LineRejection, LineRejection.line_id == StatementLine.id).add_columns(
            LineRejection, sent_in.scalar_subquery().label("sent_again_in")
        )
    return db.session.execute(query.where(where).order_by(Agreement.number, StatementLine.id)).all()


def _lines(payroll_file: PayrollFile):
    """The lines the file holds now."""
    return _line_rows(StatementLine.payroll_file_id == payroll_file.id)


def _rejected_in(payroll_file: PayrollFile):
    """The lines the file's returns rejected, corrected since and sent again in a later file."""
    return _line_rows(LineRejection.payroll_file_id == payroll_file.id, rejections=True)


def reference(line: StatementLine) -> str:
    return f"L{line.id}"


def pay_rows(payroll_file: PayrollFile) -> list[adapters.PayRow]:
    """One neutral row per line of the file that pays something (what `grants.payable` says:
    a component-1 wage, a component-2 instalment; 0 leaves the line out)."""
    rows = []
    labels = {situation.value: situation.label for situation in Situation}
    for row in _lines(payroll_file):
        line = row.StatementLine
        amount = grants.payable(line)
        if not amount or amount <= 0:
            continue
        rows.append(
            adapters.PayRow(
                reference=reference(line),
                agreement_number=row.agreement_number,
                employer_affiliation=row.employer_affiliation or "",
                employer_name=row.employer_fr,
                employer_address=row.employer_address,
                employer_city=row.employer_city,
                last_name_ar=row.last_name_ar,
                first_name_ar=row.first_name_ar,
                last_name_fr=row.last_name_fr,
                first_name_fr=row.first_name_fr,
                cin=row.cin,
                cnss_number=row.cnss_number or "",
                period=row.period,
                days=line.days_worked,
                situation=line.situation or "",
                situation_label=labels.get(line.situation or "", line.situation or ""),
                component=row.Contract.component,
                amount=Decimal(amount).quantize(Decimal("0.01")),
            )
        )
    return rows


def head_of(payroll_file: PayrollFile) -> adapters.FileHead:
    return adapters.FileHead(
        number=payroll_file.number,
        period=payroll_file.period,
        province=localized(db.session.get(Province, payroll_file.province_id)),
        created_on=payroll_file.created_at.date(),
        provisional=payroll_file.provisional,
    )


def filename(payroll_file: PayrollFile) -> str:
    extension = adapters.adapter(payroll_file.adapter).extension
    mark = "-PROVISIONAL" if payroll_file.provisional else ""
    return f"{payroll_file.number}{mark}.{extension}"


def render(payroll_file: PayrollFile) -> tuple[bytes, list[adapters.PayRow]]:
    """The file's bytes, in the language of the one who asked for it, and its rows."""
    asked_by = db.session.get(User, payroll_file.created_by_id)
    with force_locale(asked_by.locale if asked_by else "ar"):
        rows = pay_rows(payroll_file)
        data = adapters.adapter(payroll_file.adapter).build(head_of(payroll_file), rows)
    return data, rows


# Building (the worker)


def build(file_id: int) -> str:
    """Build and store the file once. Safe to run twice: a file built already is left as it
    is; two workers at once, the first stored wins (the same bytes either way)."""
    payroll_file = db.session.get(PayrollFile, file_id)
    if payroll_file is None:
        return "missing"
    if payroll_file.status != FileStatus.QUEUED:
        return payroll_file.status
    try:
        data, rows = render(payroll_file)
    except adapters.AdapterError as error:
        current_app.logger.error("payroll file %s cannot be built: %s", payroll_file.number, error)
        payroll_file.status = FileStatus.FAILED
        return FileStatus.FAILED
    digest = storage.put(data)
    stored = db.session.execute(
        update(PayrollFile)
        .where(PayrollFile.id == file_id, PayrollFile.status == FileStatus.QUEUED)
        .values(
            sha256=digest,
            content_type=adapters.adapter(payroll_file.adapter).content_type,
            filename=filename(payroll_file),
            lines=len(rows),
            total=sum((row.amount for row in rows), ZERO),
            built_at=utcnow(),
            status=FileStatus.READY,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not stored:  # another worker stored it first: keep theirs
        db.session.rollback()
        return db.session.get(PayrollFile, file_id).status
    return FileStatus.READY


def alert_late_returns(now=None) -> int:
    """P-RECONCILE: the files built PAYROLL_RETURNS_ALERT_DAYS ago or more with lines still
    waiting for the paying body's answer; each alerts its province's secretariat once (the
    mark goes when the last line is answered). The files alerted."""
    now = now or utcnow()
    days = current_app.config["PAYROLL_RETURNS_ALERT_DAYS"]
    late = db.session.scalars(
        select(PayrollFile)
        .where(
            PayrollFile.status == FileStatus.READY,
            PayrollFile.returns_alert_at.is_(None),
            PayrollFile.built_at <= now - timedelta(days=days),
        )
        .order_by(PayrollFile.id)
        .with_for_update(skip_locked=True)
    ).all()
    alerted = 0
    for payroll_file in late:
        waiting = waiting_lines(payroll_file)
        if not waiting:
            continue
        payroll_file.returns_alert_at = now
        link = external_url("payroll_staff.show_file", file_id=payroll_file.id)
        for user in secretariat_of(payroll_file.province_id):
            notify(
                user,
                "payroll_returns_late",
                f"payroll_returns_late:{payroll_file.id}:{user.id}",
                file=payroll_file,
                waiting=waiting,
                days=days,
                link=link,
            )
        alerted += 1
    return alerted


def waiting_lines(payroll_file: PayrollFile) -> int:
    """The file's lines that pay something and have no answer from the paying body yet."""
    return sum(
        1
        for row in _lines(payroll_file)
        if row.StatementLine.outcome is None and grants.payable(row.StatementLine) > 0
    )


def secretariat_of(province_id: int) -> list[User]:
    """The active secretariat members who hold the province."""
    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(StaffProvince, StaffProvince.user_id == User.id)
        .where(
            User.active.is_(True),
            User.is_staff.is_(True),
            UserRole.role == Role.SECRETARIAT,
            StaffProvince.province_id == province_id,
        )
        .order_by(User.id)
    ).all()


def sweep(older_than: timedelta | None = None) -> int:
    """Re-send the files a lost message or a killed worker left unbuilt."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["RENDER_RETRY_SECONDS"])
    now = utcnow()
    stuck = db.session.scalars(
        select(PayrollFile.id).where(
            PayrollFile.status == FileStatus.QUEUED,
            PayrollFile.render_enqueued_at < now - older_than,
        )
    ).all()
    if stuck:
        db.session.execute(
            update(PayrollFile).where(PayrollFile.id.in_(stuck)).values(render_enqueued_at=now)
        )
    for file_id in stuck:
        after_commit(TASK, file_id)
    return len(stuck)


# Reading


def current_adapter() -> str:
    return current_app.config["PAYROLL_ADAPTER"]


def provisional_now() -> bool:
    """Would a file asked for now be provisional (a format not yet confirmed)?"""
    return adapters.provisional(current_adapter(), current_app.config)


def month_of(text: str | None) -> date | None:
    """'2027-03' as the month's first day; None for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        return None
    return date(int(match[1]), int(match[2]), 1)


def files_for(user: User, *, province_id: int | None = None, period: date | None = None):
    """The payroll files the user's provinces hold, newest month first."""
    query = select(PayrollFile).where(in_provinces(user, PayrollFile.province_id))
    if province_id is not None:
        query = query.where(PayrollFile.province_id == province_id)
    if period is not None:
        query = query.where(PayrollFile.period == period)
    return db.session.scalars(
        query.order_by(PayrollFile.period.desc(), PayrollFile.number.desc()).limit(200)
    ).all()


def provinces_managed(user: User) -> list[Province]:
    provinces = db.session.scalars(
        select(Province).where(in_provinces(user, Province.id)).order_by(Province.id)
    ).all()
    return [province for province in provinces if manages(user, province.id)]


@dataclass
class AgreementSummary:
    number: str
    organisation: str
    lines: int = 0
    total: Decimal = ZERO
    paid: int = 0
    rejected: int = 0


@dataclass
class Report:
    """What the file pays, agreement by agreement, and what its returns answered."""

    agreements: list[AgreementSummary] = field(default_factory=list)
    lines: int = 0
    paid: int = 0
    rejected: int = 0
    amount_paid: Decimal = ZERO
    rejections: list[dict] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return self.lines - self.paid - self.rejected


def report(payroll_file: PayrollFile) -> Report:
    result = Report()
    by_agreement: dict[str, AgreementSummary] = {}

    def summary_of(row) -> AgreementSummary:
        summary = by_agreement.get(row.agreement_number)
        if summary is None:
            summary = by_agreement[row.agreement_number] = AgreementSummary(
                row.agreement_number,
                localized({"name_ar": row.employer_ar, "name_fr": row.employer_fr}),
            )
        return summary

    def rejected(row, code: str, reason: str | None, sent_again_in: str | None = None) -> None:
        summary_of(row).rejected += 1
        result.rejected += 1
        result.rejections.append(
            {
                "reference": reference(row.StatementLine),
                "agreement": row.agreement_number,
                "worker": localized(row, "first_name") + " " + localized(row, "last_name"),
                "code": code,
                "reason": reason,
                "sent_again_in": sent_again_in,
            }
        )

    for row in _lines(payroll_file):
        line = row.StatementLine
        if line.outcome is None and not grants.payable(line):
            continue  # not in the file
        summary = summary_of(row)
        summary.lines += 1
        summary.total += grants.payable(line) or line.amount_paid or ZERO
        result.lines += 1
        if line.outcome == LineOutcome.PAID:
            summary.paid += 1
            result.paid += 1
            result.amount_paid += line.amount_paid or ZERO
        elif line.outcome == LineOutcome.REJECTED:
            rejected(row, line.reject_code, line.reject_reason)
    for row in _rejected_in(payroll_file):
        summary_of(row).lines += 1
        summary_of(row).total += grants.payable(row.StatementLine)
        result.lines += 1
        rejection = row.LineRejection
        rejected(row, rejection.reject_code, rejection.reject_reason, row.sent_again_in)
    result.agreements = list(by_agreement.values())
    return result


# Returns


COLUMNS = ("line_reference", "outcome", "amount_paid", "reject_code", "reject_reason")
COLUMN_NOTES = {
    "line_reference": _l(
        "The line's reference in the file (L and a number); or the worker's CNSS number or CIN."
    ),
    "outcome": _l("paid or rejected."),
    "amount_paid": _l("In MAD, with a dot before the centimes; required when paid."),
    "reject_code": _l("The paying body's code, required when rejected (at most 10 characters)."),
    "reject_reason": _l("Optional: the paying body's reason, at most 300 characters."),
}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,10}$")
AMOUNT_RE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
MESSAGES = {
    "unknown_line": _l("No line of this file has the reference %(value)s."),
    "ambiguous_line": _l(
        "%(value)s names more than one line of this file: use the line's reference."
    ),
    "repeated_line": _l("This line is already answered in row %(row)s."),
    "outcome": _l("Write paid or rejected."),
    "amount_required": _l("The amount paid is required when the line is paid."),
    "amount_format": _l("Write an amount like 2970.05."),
    "amount_above": _l("More than the line pays (%(amount)s)."),
    "amount_on_rejected": _l("A rejected line has no amount paid."),
    "code_required": _l("The reject code is required when the line is rejected."),
    "code_format": _l("At most 10 letters, digits, dots, dashes or underscores."),
    "reason_long": _l("At most 300 characters."),
    "already_answered": _l("The line was already answered otherwise (%(outcome)s)."),
}


class ReturnsRefused(Exception):
    """The upload is not a returns file we read. `reason`: empty, too_large, type, encoding,
    missing_columns, no_rows, too_many_rows."""

    def __init__(self, reason: str, **values):
        super().__init__(reason, values)
        self.reason, self.values = reason, values


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    values: dict

    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.values


@dataclass
class Answer:
    line: StatementLine
    outcome: str
    amount_paid: Decimal | None
    reject_code: str | None
    reject_reason: str | None

    def same_as_recorded(self) -> bool:
        line = self.line
        return (line.outcome, line.amount_paid, line.reject_code, line.reject_reason or None) == (
            self.outcome,
            self.amount_paid,
            self.reject_code,
            self.reject_reason,
        )


def template(payroll_file: PayrollFile) -> bytes:
    """The returns to fill: the columns, then one row per line of the file, its reference and
    what it pays, the outcome to write."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in pay_rows(payroll_file):
        writer.writerow([row.reference, "", f"{row.amount:.2f}", "", ""])
    return text.getvalue().encode("utf-8")


def _table(data: bytes) -> list[list[str]]:
    """The CSV's cells, decided by the content (never the name)."""
    if not data.strip():
        raise ReturnsRefused("empty")
    if len(data) > MAX_BYTES:
        raise ReturnsRefused("too_large")
    if b"\x00" in data or HTML.search(data) or data.startswith((b"PK", b"%PDF", b"\xd0\xcf")):
        raise ReturnsRefused("type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReturnsRefused("encoding") from e
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(islice(csv.reader(io.StringIO(text), delimiter=delimiter), MAX_ROWS + 2))


def _outcomes() -> dict[str, str]:
    """Each outcome by its code and by its label in either language."""
    names = {outcome.value: outcome.value for outcome in LineOutcome}
    for language in ("ar", "fr"):
        with force_locale(language):
            names |= {outcome.label.casefold(): outcome.value for outcome in LineOutcome}
    return names


def read_returns(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, {column: text}), empty rows left out."""
    table = _table(data)
    header = [cell.strip().casefold() for cell in table[0]]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ReturnsRefused("missing_columns", columns=missing)
    at = {column: header.index(column) for column in COLUMNS}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in at.items()}
        if any(values.values()):
            rows.append((number, values))
    if not rows:
        raise ReturnsRefused("no_rows")
    if len(rows) > MAX_ROWS:
        raise ReturnsRefused("too_many_rows", num=MAX_ROWS)
    return rows


@dataclass(frozen=True)
class RejectedHere:
    """A line this file's returns rejected and a later file sent again: its answer in this
    file stays the rejection (the same returns imported again change nothing)."""

    id: int
    reject_code: str
    reject_reason: str | None
    outcome: str = LineOutcome.REJECTED
    amount_paid: Decimal | None = None


def _by_reference(payroll_file: PayrollFile) -> tuple[dict, dict[int, Decimal]]:
    """The file's lines by reference, CNSS number and CIN (None where two lines share one), and
    what each pays."""
    refs: dict[str, StatementLine | RejectedHere | None] = {}
    pays: dict[int, Decimal] = {}
    for row in _rejected_in(payroll_file):
        rejection = row.LineRejection
        earlier = RejectedHere(rejection.line_id, rejection.reject_code, rejection.reject_reason)
        refs[reference(row.StatementLine).casefold()] = earlier
        pays[earlier.id] = ZERO
    for row in _lines(payroll_file):
        line = row.StatementLine
        amount = grants.payable(line)
        if line.outcome is None and (not amount or amount <= 0):
            continue
        pays[line.id] = max(Decimal(amount or 0), line.amount_paid or ZERO)
        refs[reference(line).casefold()] = line
        for key in (row.cin, row.cnss_number):
            if key:
                key = key.casefold()
                refs[key] = None if key in refs and refs[key] is not line else line
    return refs, pays


def check(payroll_file: PayrollFile, rows) -> tuple[list[Answer], list[RowError]]:
    """Every row checked: the answers to apply, or the errors (by row and column)."""
    refs, pays = _by_reference(payroll_file)
    outcomes = _outcomes()
    answers, errors, seen = [], [], {}
    for number, values in rows:
        problems = []
        ref = values["line_reference"]
        line = refs.get(ref.casefold(), False)
        if line is False:
            problems.append(RowError(number, "line_reference", "unknown_line", {"value": ref}))
        elif line is None:
            problems.append(RowError(number, "line_reference", "ambiguous_line", {"value": ref}))
        elif line.id in seen:
            problems.append(
                RowError(number, "line_reference", "repeated_line", {"row": seen[line.id]})
            )
        outcome = outcomes.get(values["outcome"].casefold())
        if outcome is None:
            problems.append(RowError(number, "outcome", "outcome", {}))
        amount = None
        text = values["amount_paid"].replace(",", ".").replace(" ", "")
        if text:
            if not AMOUNT_RE.match(text):
                problems.append(RowError(number, "amount_paid", "amount_format", {}))
            else:
                amount = Decimal(text).quantize(Decimal("0.01"))
        code = values["reject_code"] or None
        reason = values["reject_reason"] or None
        if outcome == LineOutcome.PAID:
            if not text:
                problems.append(RowError(number, "amount_paid", "amount_required", {}))
            elif line and amount is not None and amount > pays[line.id]:
                shown = f"{pays[line.id]:.2f}"
                problems.append(RowError(number, "amount_paid", "amount_above", {"amount": shown}))
        if outcome == LineOutcome.REJECTED:
            if amount:
                problems.append(RowError(number, "amount_paid", "amount_on_rejected", {}))
            amount = None
            if not code:
                problems.append(RowError(number, "reject_code", "code_required", {}))
        if code and not CODE_RE.match(code):
            problems.append(RowError(number, "reject_code", "code_format", {}))
        if reason and len(reason) > 300:
            problems.append(RowError(number, "reject_reason", "reason_long", {}))
        if problems:
            errors += problems
            continue
        seen[line.id] = number
        answer = Answer(line, outcome, amount, code, reason)
        if line.outcome is not None and not answer.same_as_recorded():
            label = LineOutcome.label_of(line.outcome)
            errors.append(RowError(number, "outcome", "already_answered", {"outcome": label}))
            continue
        answers.append(answer)
    return answers, errors


@dataclass
class Imported:
    errors: list[RowError] = field(default_factory=list)
    paid: int = 0
    rejected: int = 0
    unchanged: int = 0


def import_returns(payroll_file: PayrollFile, data: bytes, name: str, *, by: User) -> Imported:
    """Check the returns and, when no row has an error, reconcile each line it answers.
    ReturnsRefused when the file is not a returns CSV; errors in the result otherwise, and
    nothing written then."""
    db.session.execute(
        select(PayrollFile.id).where(PayrollFile.id == payroll_file.id).with_for_update()
    )
    answers, errors = check(payroll_file, read_returns(data))
    result = Imported(errors=errors)
    if errors:
        return result
    now = utcnow()
    touched: dict[int, MonthlyStatement] = {}
    rejected_now: dict[int, list[StatementLine]] = {}
    for answer in answers:
        line = answer.line
        if line.outcome is not None:
            result.unchanged += 1
            continue
        line.outcome = answer.outcome
        line.amount_paid = answer.amount_paid
        line.reject_code = answer.reject_code
        line.reject_reason = answer.reject_reason
        line.reconciled_at = now
        db.session.flush()
        grants.settle(line)
        touched[line.statement_id] = line.statement
        if answer.outcome == LineOutcome.PAID:
            result.paid += 1
        else:
            result.rejected += 1
            rejected_now.setdefault(line.statement_id, []).append(line)
    for statement in touched.values():
        _close(statement)
    for statement_id, lines in rejected_now.items():
        statement = touched[statement_id]
        notify_members(
            statement.application,
            "payroll_lines_rejected",
            f"payroll_rejected:{payroll_file.id}:{statement.id}",
            statement=statement,
            statement_link=external_url("payroll.statement", statement_id=statement.id),
            rejected=len(lines),
            period=statement.period,
        )
    if payroll_file.returns_alert_at is not None and not waiting_lines(payroll_file):
        payroll_file.returns_alert_at = None  # the late returns are in
    if result.paid or result.rejected:
        payroll_file.returns = [
            *(payroll_file.returns or []),
            {
                "uploaded_at": now.isoformat(timespec="seconds"),
                "by": by.id,
                "filename": name[:120],
                "sha256": storage.put(data),
                "paid": result.paid,
                "rejected": result.rejected,
                "unchanged": result.unchanged,
            },
        ]
        record(
            "payroll.returns_imported",
            actor=by,
            obj=payroll_file,
            after={"paid": result.paid, "rejected": result.rejected},
        )
    return result


def _close(statement: MonthlyStatement) -> None:
    """Paid once every line of the file is answered and one was paid; rejected when all were."""
    lines = [
        line for line in statement.lines if line.outcome is not None or grants.payable(line) > 0
    ]
    if not lines or any(line.outcome is None for line in lines):
        return
    paid = any(line.outcome == LineOutcome.PAID for line in lines)
    statement.status = StatementStatus.PAID if paid else StatementStatus.REJECTED


def refused_message(refusal: ReturnsRefused) -> str:
    reason = refusal.reason
    if reason == "empty":
        return gettext("The file is empty.")
    if reason == "too_large":
        return gettext("The file is too large: at most 2 MB.")
    if reason == "encoding":
        return gettext("The CSV file is not in UTF-8. Save it as CSV UTF-8 and upload it again.")
    if reason == "missing_columns":
        return gettext(
            "Columns are missing: %(columns)s. Start from the template.",
            columns=", ".join(refusal.values["columns"]),
        )
    if reason == "no_rows":
        return gettext("No line was found in the file. Start from the template.")
    if reason == "too_many_rows":
        num = refusal.values["num"]
        return ngettext("At most %(num)d row a file.", "At most %(num)d rows a file.", num)
    return gettext("This is not a CSV file. Upload the returns as CSV.")

"""The purge job (DP-RETENTION-B; law 09-08: personal data kept no longer than needed).

Each category has its period in months (settings `RETENTION_*_MONTHS`), counted from the day the
agreement was closed out (`Application.closed_at`); an open agreement is never touched:

- identity: the workers' identity. A person is anonymised once every application they hold a
  contract on is closed and past the period: names become a neutral marker, the CIN a token
  (`~` and the row's id: it tells nothing of the CIN, stays unique, and a new enrolment of the
  same CIN makes a new person), the phone, the CNSS number and the ANAPEC date are removed, the
  disability card number becomes a marker that only says a card was declared, and the birth
  date keeps its year and the age reached at the start of each contract (so age bands are
  unchanged) but not the day. Sex, education, commune, the contracts' dates, days and amounts
  stay. Their certificates lose the PDF and the name (the public check still answers, from the
  digest kept); the agreement's spreadsheets of workers and ZIPs of certificates are deleted,
  and the payroll files (and their returns) once every statement in them is of such an
  application.
- files: the application's uploaded documents and the agreement's signed copies (the rendered
  agreement, which names only organisations and signatories, stays as the record).
- contacts: an applicant's account (name, address, phone, notifications, the applicant's lines
  of the submissions they sent) once every application of every organisation they belong to
  ended before the period and they have not signed in since.

Rows are marked (`purged_at`) and claimed with a compare-and-set, so running twice, or two runs
at once, purges once; the job commits per batch (`RETENTION_BATCH` rows) and writes one audit
summary per run. Stored files no row refers to any more are deleted. The audit trail is never
touched: it holds masked values only (portal/audit)."""

import calendar
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.agreements.models import Agreement
from portal.applications.models import Application, Status, Submission
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.services import erase_account
from portal.beneficiaries.models import (
    Certificate,
    CertificateArchive,
    Contract,
    EnrolmentImport,
    Person,
)
from portal.documents.models import Document
from portal.extensions import db
from portal.geo.models import Province
from portal.notifications.models import Notification
from portal.notifications.services import external_url, notify
from portal.organisations.models import Membership
from portal.payroll.models import MonthlyStatement, PayrollFile
from portal.storage import discard_unreferenced
from portal.timeutil import utcnow

IDENTITY, FILES, CONTACTS = "identity", "files", "contacts"
SETTINGS = {
    IDENTITY: "RETENTION_IDENTITY_MONTHS",
    FILES: "RETENTION_FILES_MONTHS",
    CONTACTS: "RETENTION_CONTACTS_MONTHS",
}
PURGED = "•••"  # the neutral marker that replaces a name or a number
TASK = "purge_personal_data"
# Applications that ended without an agreement running: with a closed one, nothing goes on.
ENDED_WITHOUT_AGREEMENT = (
    Status.WITHDRAWN,
    Status.REJECTED,
    Status.INELIGIBLE,
    Status.NOT_RECOMMENDED,
    Status.AGREEMENT_REVOKED,
)


def months(category: str) -> int:
    return current_app.config[SETTINGS[category]]


def add_months(moment: datetime, count: int) -> datetime:
    """The same day `count` months later (negative: earlier), or the month's last day."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + count, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff(category: str, now: datetime) -> datetime:
    """Agreements closed at or before this are past the category's period."""
    return add_months(now, -months(category))


def due_on(category: str, closed_at: datetime) -> datetime:
    """When the category's data of an agreement closed at `closed_at` is purged."""
    return add_months(closed_at, months(category))


def closed_by(when: datetime):
    """The condition on Application: closed out at or before `when`."""
    return and_(Application.status == Status.CLOSED, Application.closed_at <= when)


def generalised_birth_date(birth: date, starts: list[date]) -> date:
    """The earliest day of the birth year that gives the same age at each of `starts` as
    `birth` does: the year and every age at a contract's start are kept, the day is not."""
    keep = (1, 1)
    for start in starts:
        day = (start.month, start.day)
        if day < (birth.month, birth.day):  # the birthday came after this start's day
            try:
                after = date(birth.year, *day) + timedelta(days=1)
            except ValueError:  # a start on 29 February, a birth year without it
                after = date(birth.year, 3, 1)
            keep = max(keep, (after.month, after.day))
    return date(birth.year, *keep)


# What is due


def persons_due(now: datetime):
    """Persons not yet anonymised whose every contract is on an application closed before the
    identity period."""
    cut = cutoff(IDENTITY, now)
    held = select(Contract.id).where(Contract.person_id == Person.id)
    still_needed = (
        select(Contract.id)
        .join(Application, Application.id == Contract.application_id)
        .where(Contract.person_id == Person.id, ~closed_by(cut))
    )
    return select(Person.id).where(Person.purged_at.is_(None), exists(held), ~exists(still_needed))


def _agreements_closed_by(when: datetime):
    return (
        select(Agreement.id)
        .join(Application, Application.id == Agreement.application_id)
        .where(closed_by(when))
    )


def imports_due(now: datetime):
    return select(EnrolmentImport.id).where(
        EnrolmentImport.agreement_id.in_(_agreements_closed_by(cutoff(IDENTITY, now)))
    )


def archives_due(now: datetime):
    return select(CertificateArchive.id).where(
        CertificateArchive.agreement_id.in_(_agreements_closed_by(cutoff(IDENTITY, now)))
    )


def payroll_files_due(now: datetime):
    """Payroll files (a province's month, across agreements) whose every statement is of an
    application closed before the identity period."""
    cut = cutoff(IDENTITY, now)
    statements = select(MonthlyStatement.id).where(
        MonthlyStatement.payroll_file_id == PayrollFile.id
    )
    still_needed = statements.join(
        Application, Application.id == MonthlyStatement.application_id
    ).where(~closed_by(cut))
    return select(PayrollFile.id).where(
        PayrollFile.purged_at.is_(None), exists(statements), ~exists(still_needed)
    )


def documents_due(now: datetime):
    closed = select(Application.id).where(closed_by(cutoff(FILES, now)))
    return select(Document.id).where(
        Document.purged_at.is_(None), Document.application_id.in_(closed)
    )


def signed_copies_due(now: datetime):
    return select(Agreement.id).where(
        Agreement.signed_sha256.is_not(None),
        Agreement.id.in_(_agreements_closed_by(cutoff(FILES, now))),
    )


def contacts_due(now: datetime):
    """Applicants not yet erased who belong to an organisation with a closed agreement, whose
    organisations' applications all ended before the contacts period, and who have not signed
    in (nor registered) since."""
    cut = cutoff(CONTACTS, now)
    application = (
        select(Application.id)
        .join(Membership, Membership.organisation_id == Application.organisation_id)
        .where(Membership.user_id == User.id)
    )
    ended = or_(
        closed_by(cut),
        and_(Application.status.in_(ENDED_WITHOUT_AGREEMENT), Application.updated_at <= cut),
    )
    idle_organisation = (
        select(Membership.organisation_id)
        .where(Membership.user_id == User.id)
        .where(
            ~exists(
                select(Application.id).where(
                    Application.organisation_id == Membership.organisation_id
                )
            )
        )
    )
    return select(User.id).where(
        User.is_staff.is_(False),
        User.purged_at.is_(None),
        User.closed_at.is_(None),
        User.created_at <= cut,
        or_(User.last_login_at.is_(None), User.last_login_at <= cut),
        exists(application.where(closed_by(cut))),
        ~exists(application.where(~ended)),
        ~exists(idle_organisation),
    )


DUE = {
    "persons": persons_due,
    "imports": imports_due,
    "archives": archives_due,
    "payroll_files": payroll_files_due,
    "documents": documents_due,
    "signed_copies": signed_copies_due,
    "contacts": contacts_due,
}
CATEGORY_OF = {
    "persons": IDENTITY,
    "imports": IDENTITY,
    "archives": IDENTITY,
    "payroll_files": IDENTITY,
    "documents": FILES,
    "signed_copies": FILES,
    "contacts": CONTACTS,
}


# Warning the applicants before their contact data goes


def contacts_due_on(user: User) -> datetime:
    """When the applicant's contact data becomes due: the contacts period after the latest of
    their registration, their last sign-in, and the end of their organisations' applications
    (the close-out, or the last change of one ended without an agreement)."""
    ended = db.session.scalar(
        select(func.max(func.coalesce(Application.closed_at, Application.updated_at)))
        .join(Membership, Membership.organisation_id == Application.organisation_id)
        .where(Membership.user_id == user.id)
    )
    latest = max(moment for moment in (user.created_at, user.last_login_at, ended) if moment)
    return add_months(latest, months(CONTACTS))


def contacts_to_warn(now: datetime):
    """Applicants whose contact data a purge would erase within `RETENTION_WARNING_DAYS`, not
    yet now."""
    soon = now + timedelta(days=current_app.config["RETENTION_WARNING_DAYS"])
    return select(User.id).where(User.id.in_(contacts_due(soon)), User.id.not_in(contacts_due(now)))


def warn_contacts(now: datetime) -> int:
    """Tell each applicant to warn, once for a due date (a sign-in moves the date, and a later
    warning names the new one): when their contact data goes, and that signing in keeps it."""
    warned = 0
    for user in db.session.scalars(select(User).where(User.id.in_(contacts_to_warn(now)))):
        due = contacts_due_on(user)
        key = f"contacts_purge_warning:{user.id}:{due:%Y%m%d}"
        existing = db.session.scalar(select(func.count(Notification.id)).filter_by(event_key=key))
        if not existing:
            notify(
                user,
                "contacts_purge_warning",
                key,
                due_on=due,
                login_link=external_url("auth.login"),
            )
            warned += 1
    return warned


# Purging, a batch at a time


def _claim(model, ids: list[int], column: str, now: datetime) -> list[int]:
    """Mark the rows of `ids` not marked yet; the ids this run marked (another run's are
    left to it)."""
    mark = getattr(model, column)
    claimed = db.session.execute(
        update(model)
        .where(model.id.in_(ids), mark.is_(None))
        .values({column: now})
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars())


def purge_persons(ids: list[int], now: datetime) -> tuple[int, set[str]]:
    """Anonymise the persons (and their certificates); how many, and the files released."""
    claimed = _claim(Person, ids, "purged_at", now)
    released: set[str] = set()
    persons = db.session.scalars(
        select(Person)
        .where(Person.id.in_(claimed))
        .options(selectinload(Person.contracts))
        .execution_options(populate_existing=True)
    ).all()
    for person in persons:
        person.cin = f"~{person.id}"
        person.last_name_ar = person.first_name_ar = PURGED
        person.last_name_fr = person.first_name_fr = PURGED
        person.birth_date = generalised_birth_date(
            person.birth_date, [c.start_date for c in person.contracts]
        )
        person.disability_card_no = PURGED if person.disability_card_no else None
        person.anapec_registration_date = None
        person.cnss_number = person.phone = None
        for contract in person.contracts:
            contract.end_note = None
            if contract.refusal_reason:
                contract.refusal_reason = PURGED
    certificates = db.session.scalars(
        select(Certificate)
        .join(Certificate.contract)
        .where(Contract.person_id.in_(claimed), Certificate.purged_at.is_(None))
    ).all()
    for certificate in certificates:
        digest = certificate.pdf_sha256 or certificate.content.get("pdf_sha256")
        certificate.content = certificate.content | {
            "name_ar": PURGED,
            "name_fr": PURGED,
            "cin_masked": PURGED,
            "pdf_sha256": digest,
        }
        if certificate.pdf_sha256:
            released.add(certificate.pdf_sha256)
        certificate.pdf_sha256 = None
        certificate.purged_at = now
    return len(claimed), released


def _delete_rows(model, ids: list[int], digest_column: str | None = None):
    released = set()
    if digest_column is not None:
        column = getattr(model, digest_column)
        released = set(
            db.session.scalars(select(column).where(model.id.in_(ids), column.is_not(None)))
        )
    deleted = db.session.execute(
        delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)
    ).rowcount
    return deleted, released


def purge_imports(ids: list[int], now: datetime):
    """Delete the spreadsheets of workers (their cells are identities)."""
    return _delete_rows(EnrolmentImport, ids)


def purge_archives(ids: list[int], now: datetime):
    """Delete the ZIPs of certificates (made again from nothing: they only repeat PDFs)."""
    return _delete_rows(CertificateArchive, ids, "sha256")


def purge_payroll_files(ids: list[int], now: datetime):
    """Remove the payroll files and their returns (CINs and names); the rows keep the
    month, the lines, the totals and the counts of the returns."""
    claimed = _claim(PayrollFile, ids, "purged_at", now)
    released = set()
    for payroll_file in db.session.scalars(
        select(PayrollFile)
        .where(PayrollFile.id.in_(claimed))
        .execution_options(populate_existing=True)
    ):
        released.add(payroll_file.sha256)
        released.update(entry.get("sha256") for entry in payroll_file.returns or [])
        payroll_file.returns = [
            entry | {"sha256": None, "filename": PURGED, "errors": []}
            for entry in payroll_file.returns or []
        ]
        payroll_file.sha256 = None
    return len(claimed), released - {None}


def purge_documents(ids: list[int], now: datetime):
    """Remove the application's uploaded files; the rows say what there was and when."""
    claimed = _claim(Document, ids, "purged_at", now)
    documents = db.session.scalars(
        select(Document).where(Document.id.in_(claimed)).execution_options(populate_existing=True)
    ).all()
    released = {d.sha256 for d in documents if d.sha256}
    for document in documents:
        document.sha256 = None
        document.filename = PURGED
    return len(claimed), released


def purge_signed_copies(ids: list[int], now: datetime):
    """Remove the scanned signed copies of the agreements (signatures and stamps)."""
    agreements = db.session.scalars(
        select(Agreement)
        .where(Agreement.id.in_(ids), Agreement.signed_sha256.is_not(None))
        .with_for_update()
    ).all()
    released = {a.signed_sha256 for a in agreements}
    for agreement in agreements:
        agreement.signed_sha256 = None
        agreement.signed_content_type = None
        agreement.signed_purged_at = now
    return len(agreements), released


def purge_contacts(ids: list[int], now: datetime):
    """Erase the applicants' accounts and their lines in the submissions they sent."""
    claimed = _claim(User, ids, "purged_at", now)
    users = db.session.scalars(
        select(User).where(User.id.in_(claimed)).execution_options(populate_existing=True)
    ).all()
    for user in users:
        erase_account(user)
        user.email = f"purged-{user.id}@invalid"
    submissions = db.session.scalars(
        select(Submission).where(Submission.submitted_by_id.in_(claimed))
    ).all()
    for submission in submissions:
        applicant = (submission.data or {}).get("applicant") or {}
        submission.data = submission.data | {
            "applicant": {"id": applicant.get("id"), "full_name": PURGED, "phone": ""}
        }
    return len(claimed), set()


PURGES = {
    "persons": purge_persons,
    "imports": purge_imports,
    "archives": purge_archives,
    "payroll_files": purge_payroll_files,
    "documents": purge_documents,
    "signed_copies": purge_signed_copies,
    "contacts": purge_contacts,
}


def _first(query, count: int):
    return query.order_by(*query.selected_columns).limit(count)


def purge(now: datetime | None = None, *, by_id: int | None = None) -> Iterator[str]:
    """Purge what is due, a batch at a time (the caller commits after each step: see
    `portal.core.jobs.run_committing`), then write the run's summary to the audit trail.
    Yields 'running' per batch, then 'done'. Safe to run twice."""
    now = now or utcnow()
    batch = current_app.config["RETENTION_BATCH"]
    counts: Counter = Counter({name: 0 for name in DUE} | {"files_deleted": 0})
    counts["contacts_warned"] = warn_contacts(now)
    yield "running"
    for name, due in DUE.items():
        seen: set[int] = set()
        while ids := db.session.scalars(_first(due(now), batch)).all():
            if seen.issuperset(ids):  # nothing changed since the last batch: stop, not loop
                break
            seen.update(ids)
            done, released = PURGES[name](list(ids), now)
            db.session.flush()
            counts[name] += done
            counts["files_deleted"] += discard_unreferenced(released)
            yield "running"
    record(
        "retention.purged",
        actor=db.session.get(User, by_id) if by_id else None,
        after=dict(counts) | {f"{c}_months": months(c) for c in SETTINGS},
    )
    yield "done"


# The dry run: what would go now, and when each agreement's data goes


@dataclass
class AgreementRetention:
    application_id: int
    number: str
    province: Province
    closed_at: datetime
    due: dict[str, datetime]  # category → when
    pending: dict[str, int]  # category → rows left to purge (0: done or nothing held)


@dataclass
class Plan:
    now: datetime
    months: dict[str, int]
    counts: dict[str, int]  # what a run now would purge, by kind of row
    agreements: list[AgreementRetention] = field(default_factory=list)  # with rows left
    purged_agreements: int = 0  # closed agreements with nothing left to purge

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _grouped(query) -> dict[int, int]:
    return dict(db.session.execute(query).all())


def plan(now: datetime | None = None) -> Plan:
    """What a run now would purge (counts only) and, for each closed agreement with rows left,
    when each category goes and how many rows of it are left; reads only, in a fixed number of
    statements whatever the number of agreements."""
    now = now or utcnow()
    counts = {
        name: db.session.scalar(select(func.count()).select_from(due(now).subquery()))
        for name, due in DUE.items()
    }
    result = Plan(now=now, months={c: months(c) for c in SETTINGS}, counts=counts)
    closed = db.session.execute(
        select(Application, func.min(Agreement.number))
        .join(Agreement, Agreement.application_id == Application.id)
        .where(Application.status == Status.CLOSED, Application.closed_at.is_not(None))
        .group_by(Application.id)
        .order_by(Application.closed_at, Application.id)
        .options(selectinload(Application.province))
    ).all()
    ids = [application.id for application, _number in closed]
    workers = _grouped(
        select(Contract.application_id, func.count(func.distinct(Contract.person_id)))
        .join(Person, Person.id == Contract.person_id)
        .where(Contract.application_id.in_(ids), Person.purged_at.is_(None))
        .group_by(Contract.application_id)
    )
    documents = _grouped(
        select(Document.application_id, func.count())
        .where(Document.application_id.in_(ids), Document.purged_at.is_(None))
        .group_by(Document.application_id)
    )
    signed = _grouped(
        select(Agreement.application_id, func.count())
        .where(Agreement.application_id.in_(ids), Agreement.signed_sha256.is_not(None))
        .group_by(Agreement.application_id)
    )
    members = _grouped(
        select(Membership.organisation_id, func.count())
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id.in_(
                select(Application.organisation_id).where(Application.id.in_(ids))
            ),
            User.purged_at.is_(None),
            User.closed_at.is_(None),
        )
        .group_by(Membership.organisation_id)
    )
    for application, number in closed:
        row = AgreementRetention(
            application_id=application.id,
            number=number,
            province=application.province,
            closed_at=application.closed_at,
            due={c: due_on(c, application.closed_at) for c in SETTINGS},
            pending={
                IDENTITY: workers.get(application.id, 0),
                FILES: documents.get(application.id, 0) + signed.get(application.id, 0),
                CONTACTS: members.get(application.organisation_id, 0),
            },
        )
        if any(row.pending.values()):
            result.agreements.append(row)
        else:
            result.purged_agreements += 1
    return result


def last_run() -> AuditEvent | None:
    """The audit entry of the last run (its counts in `after`)."""
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "retention.purged")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )

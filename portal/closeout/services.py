"""Progress and final reports, and the agreement's closing (rules M-PROGRESS, T-FINAL and
P-STATEMENT-CERT's second person). A report is opened by a member of the organisation, written
by its members, submitted by an editor, certified by the owner (never whoever submitted it),
accepted or returned with a reason by the province's secretariat. The agreement closes when its
final report is accepted, every statement is paid or closed and every certificate due is issued.
Services change rows, write their audit events and notifications, and only flush."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal.access import can, policy
from portal.agreements.services import current_agreement
from portal.applications import lifecycle
from portal.applications.models import Application, Status
from portal.applications.services import members_of, notify_members
from portal.audit.services import record
from portal.auth.models import User
from portal.beneficiaries import certificates
from portal.beneficiaries.models import Certificate, Contract, ContractStatus
from portal.closeout import rules
from portal.closeout.models import EDITABLE, FINAL, ReportStatus, WorkReport, WorkReportPhoto
from portal.core.scope import in_provinces, manages_province
from portal.documents import photos
from portal.documents.inspection import UploadRefused
from portal.extensions import db
from portal.notifications.services import external_url, notify
from portal.organisations.models import MemberRole
from portal.organisations.services import membership, second_person_may
from portal.payroll.models import MonthlyStatement, StatementStatus
from portal.storage import put
from portal.timeutil import local_date, utcnow

# Contracts whose days count: validated ones and ended ones (as the statements declare them).
DECLARED = (ContractStatus.VALIDATED, ContractStatus.ENDED)
# A statement is done with once the paying body paid it, or rejected it and it was closed.
STATEMENT_DONE = (StatementStatus.PAID, StatementStatus.REJECTED, StatementStatus.CLOSED)
WITH_REPORTS = (Status.AGREEMENT_SIGNED, Status.CLOSED)
NARRATIVE_MAX = 5000
REASON_MAX = 1000
PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # below the request's limit (MAX_CONTENT_LENGTH)
LANGUAGES = ("ar", "fr")


class ReportRefused(Exception):
    """Nothing was written. `reason`: not_signed, not_started, not_ended, no_phase,
    not_editable, not_editor, not_owner, same_person, not_submitted, not_certified, no_reason,
    no_narrative, too_many_photos, not_a_photo, closed, not_closable."""

    def __init__(self, reason: str, problems: list | None = None):
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []


REFUSALS = {
    "not_signed": _l("Reports are written once the agreement is signed."),
    "not_started": _l("A phase's report opens once the phase has begun."),
    "not_ended": _l("The final report opens after the worksite's last day."),
    "no_phase": _l("Choose a phase of the schedule that has no report yet."),
    "not_editable": _l("This report can no longer be changed."),
    "not_editor": _l(
        "An editor of the organisation submits the report; its owner then certifies it."
    ),
    "not_owner": _l("The owner of the organisation certifies the report."),
    "same_person": _l(
        "Whoever submitted the report cannot certify it: a second person of the organisation does."
    ),
    "not_submitted": _l("Only a submitted report is certified."),
    "not_certified": _l("Only a certified report is accepted or returned."),
    "no_reason": _l("Say what to correct in the report."),
    "no_narrative": _l("Write what was done before submitting the report."),
    "too_many_photos": _l("The report holds as many photos as it may: remove one first."),
    "not_a_photo": _l("Only JPEG and PNG photos are accepted."),
    "closed": _l("The agreement is closed already."),
    "not_closable": _l("The agreement cannot be closed yet."),
}


def refusal_message(reason: str) -> str:
    return str(REFUSALS.get(reason, reason))


def closeout_settings(application: Application) -> dict:
    settings = application.call.edition.parameters.get("closeout") or {}
    return {
        "phase_months": int(settings.get("phase_months", 3)),
        "final_report_days": int(settings.get("final_report_days", 30)),
        "reminder_days_before": int(settings.get("reminder_days_before", 7)),
        "max_photos": int(settings.get("max_photos", 6)),
    }


# Access


def _member_role(user: User, application: Application) -> str | None:
    member = membership(user, application.organisation)
    return member.role if member else None


@policy(WorkReport)
def report_policy(user: User, action: str, report: WorkReport) -> bool:
    """As a monthly statement's: the organisation's members and the province's staff see it;
    its members write it while editable, its editors submit it, its owner certifies it unless
    they submitted it; the province's secretariat accepts or returns it, certified."""
    status = report.status
    if user.is_staff:
        if action == "view":
            return can(user, "view", report.application)
        if action in ("accept", "return"):
            return manages_province(user, report.province_id) and status == ReportStatus.CERTIFIED
        return False
    role = _member_role(user, report.application)
    if role is None:
        return False
    return second_person_may(
        action,
        role,
        editable=status in EDITABLE,
        submitted=status == ReportStatus.SUBMITTED,
        submitted_by_id=report.submitted_by_id,
        user_id=user.id,
    )


@policy(Application, actions=("reports", "open_report", "close"))
def application_closeout_policy(user: User, action: str, application: Application) -> bool:
    """Who sees a signed (or closed) application sees its reports; its members open them while
    it is signed; the province's secretariat closes it (the service says whether it may yet)."""
    if application.status not in WITH_REPORTS or not can(user, "view", application):
        return False
    if action == "reports":
        return True
    if action == "open_report":
        return (
            not user.is_staff
            and application.status == Status.AGREEMENT_SIGNED
            and _member_role(user, application) is not None
        )
    return manages_province(user, application.province_id)


# The schedule


def _signed_on(application: Application) -> date:
    agreement = current_agreement(application)
    at = agreement.signed_confirmed_at if agreement else None
    return local_date(at or application.created_at)


def declared_schedule(application: Application) -> tuple[date, int]:
    """The start and months the application declared: component 1, its worksite's planned
    start and duration; component 2 declares no start, so the agreement's signing, for the
    longest contract of its posts."""
    details = application.details or {}
    try:
        start = date.fromisoformat(str(details.get("planned_start") or ""))
    except ValueError:
        start = _signed_on(application)
    months = details.get("duration_months")
    if not months:
        lengths = [int(p.get("contract_months") or 0) for p in details.get("posts") or []]
        months = max(lengths, default=0)
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    return start, months or closeout_settings(application)["phase_months"]


def phases_of(application: Application) -> list[rules.Phase]:
    start, months = declared_schedule(application)
    return rules.phases(start, months, closeout_settings(application)["phase_months"])


def worksite_end(application: Application) -> date:
    """The worksite's last day: its workers' last contract day once it has any, else the end
    of the declared schedule."""
    last = db.session.scalar(
        select(func.max(func.coalesce(Contract.actual_end, Contract.planned_end))).where(
            Contract.application_id == application.id, Contract.status.in_(DECLARED)
        )
    )
    return last or rules.declared_end(*declared_schedule(application))


@dataclass
class Slot:
    """A report the schedule asks for: its phase (None for the final one), its report when
    opened, whether it may be opened today."""

    phase: rules.Phase | None
    report: WorkReport | None
    openable: bool
    due_on: date | None = None


def reports_of(application: Application) -> list[WorkReport]:
    return db.session.scalars(
        select(WorkReport)
        .options(selectinload(WorkReport.photos))
        .where(WorkReport.application_id == application.id)
        .order_by(WorkReport.phase)
    ).all()


def slots(application: Application, *, today: date | None = None) -> list[Slot]:
    """Every phase's report, then the final one, opened or not."""
    today = today or local_date()
    opened = {report.phase: report for report in reports_of(application)}
    signed = application.status == Status.AGREEMENT_SIGNED
    result = [
        Slot(phase, opened.get(phase.number), signed and phase.start <= today)
        for phase in phases_of(application)
    ]
    end = worksite_end(application)
    days = closeout_settings(application)["final_report_days"]
    result.append(
        Slot(None, opened.get(FINAL), signed and end < today, rules.final_due_on(end, days))
    )
    for slot in result:
        slot.openable = slot.openable and slot.report is None
    return result


# Opening and writing


def find(application_id: int, phase: int) -> WorkReport | None:
    return db.session.scalar(
        select(WorkReport).filter_by(application_id=application_id, phase=phase)
    )


def open_report(
    application: Application, phase: int, *, by: User | None, today: date | None = None
) -> WorkReport:
    """The report of `phase` (FINAL for the final one): the one already opened, or a new one
    once the phase has begun (the final one: once the worksite has ended). One per application
    and phase, whoever opens it at the same moment (the database's unique key). `by` None:
    opened by the portal itself."""
    if application.status != Status.AGREEMENT_SIGNED:
        raise ReportRefused("not_signed")
    existing = find(application.id, phase)
    if existing is not None:
        return existing
    today = today or local_date()
    if phase == FINAL:
        end = worksite_end(application)
        if end >= today:
            raise ReportRefused("not_ended")
        start = declared_schedule(application)[0]
        days = closeout_settings(application)["final_report_days"]
        period, due_on = (min(start, end), end), rules.final_due_on(end, days)
    else:
        declared = {p.number: p for p in phases_of(application)}
        if phase not in declared:
            raise ReportRefused("no_phase")
        if declared[phase].start > today:
            raise ReportRefused("not_started")
        period, due_on = (declared[phase].start, declared[phase].end), None
    report = WorkReport(
        application_id=application.id,
        province_id=application.province_id,
        phase=phase,
        period_start=period[0],
        period_end=period[1],
        due_on=due_on,
        status=ReportStatus.DRAFT,
        language=by.locale if by is not None and by.locale in LANGUAGES else "ar",
        created_by_id=by.id if by else None,
    )
    try:
        with db.session.begin_nested():  # another opening of the same phase may win
            db.session.add(report)
    except IntegrityError:
        existing = find(application.id, phase)
        if existing is None:
            raise
        return existing
    _audit("report.opened", report, by)
    return report


def write(report: WorkReport, *, progress: int, narrative: str, language: str, by: User) -> None:
    """Set what the report says: the work done (percent), the narrative and its language."""
    if report.status not in EDITABLE:
        raise ReportRefused("not_editable")
    if not 0 <= progress <= 100 or language not in LANGUAGES:
        raise ValueError("progress or language out of bounds")
    narrative = (narrative or "").strip()[:NARRATIVE_MAX]
    if (report.progress, report.narrative, report.language) == (progress, narrative, language):
        return
    report.progress, report.narrative, report.language = progress, narrative, language
    _audit("report.written", report, by, progress=progress)
    db.session.flush()


def shown_image(data: bytes) -> photos.Photo:
    """A photo as the portal keeps and shows it (portal/documents/photos.py): JPEG or PNG by
    its content, upright, without its metadata (EXIF: place, time, camera)."""
    try:
        return photos.clean_photo(data, max_bytes=PHOTO_MAX_BYTES, types=PHOTO_TYPES)
    except UploadRefused as refusal:
        if refusal.reason == "type":  # a PDF too: checked as a photo, never as a document
            raise UploadRefused("not_a_photo") from refusal
        raise


def add_photo(report: WorkReport, data: bytes, caption: str = "", *, by: User) -> WorkReportPhoto:
    """Keep a photo of the work with the report (UploadRefused when it is not one)."""
    if report.status not in EDITABLE:
        raise ReportRefused("not_editable")
    if len(report.photos) >= closeout_settings(report.application)["max_photos"]:
        raise ReportRefused("too_many_photos")
    shown = shown_image(data)
    photo = WorkReportPhoto(
        sha256=put(shown.data),
        content_type=shown.content_type,
        width=shown.width,
        height=shown.height,
        caption=(caption or "").strip()[:200],
        created_by_id=by.id,
    )
    report.photos.append(photo)
    db.session.flush()
    _audit("report.photo_added", report, by, photo=photo.id)
    return photo


def remove_photo(report: WorkReport, photo: WorkReportPhoto, *, by: User) -> None:
    if report.status not in EDITABLE:
        raise ReportRefused("not_editable")
    if photo.report_id != report.id:
        raise ValueError("a photo of another report")
    report.photos.remove(photo)
    db.session.flush()
    _audit("report.photo_removed", report, by, photo=photo.id)


# The transitions


def _lock(report: WorkReport) -> WorkReport:
    """The report's row locked until the commit, read again: two clicks move it once."""
    return db.session.scalar(
        select(WorkReport)
        .where(WorkReport.id == report.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _audit(action: str, report: WorkReport, by: User | None, **after) -> None:
    record(
        action,
        actor=by,
        obj=report,
        organisation_id=report.application.organisation_id,
        after={"phase": report.phase, **after},
    )


def submit(report: WorkReport, *, by: User) -> None:
    """An editor of the organisation (not its owner, who certifies) submits the report."""
    report = _lock(report)
    if report.status not in EDITABLE:
        raise ReportRefused("not_editable")
    if _member_role(by, report.application) != MemberRole.EDITOR:
        raise ReportRefused("not_editor")
    if not report.narrative.strip():
        raise ReportRefused("no_narrative")
    report.status = ReportStatus.SUBMITTED
    report.submitted_at, report.submitted_by_id = utcnow(), by.id
    report.certified_at = report.certified_by_id = None
    _audit("report.submitted", report, by, progress=report.progress)
    _notify_members(report, "report_submitted", f"{report.submitted_at:%Y%m%d%H%M%S%f}")


def certify(report: WorkReport, *, by: User) -> None:
    """A second person certifies it: the organisation's owner, never whoever submitted it."""
    report = _lock(report)
    if report.status != ReportStatus.SUBMITTED:
        raise ReportRefused("not_submitted")
    if report.submitted_by_id == by.id:
        raise ReportRefused("same_person")
    if _member_role(by, report.application) != MemberRole.OWNER:
        raise ReportRefused("not_owner")
    report.status = ReportStatus.CERTIFIED
    report.certified_at, report.certified_by_id = utcnow(), by.id
    _audit("report.certified", report, by)


def _decide(report: WorkReport, by: User) -> WorkReport:
    report = _lock(report)
    if report.status != ReportStatus.CERTIFIED:
        raise ReportRefused("not_certified")
    if not manages_province(by, report.province_id):
        raise PermissionError("the secretariat of the province")
    report.decided_at, report.decided_by_id = utcnow(), by.id
    return report


def accept(report: WorkReport, *, by: User) -> None:
    """The province's secretariat accepts a certified report; the organisation is told."""
    report = _decide(report, by)
    report.status = ReportStatus.ACCEPTED
    _audit("report.accepted", report, by)
    _notify_members(report, "report_accepted")


def return_(report: WorkReport, reason: str, *, by: User) -> None:
    """The secretariat returns a certified report with what to correct: editable again,
    submitted and certified again after the corrections."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportRefused("no_reason")
    report = _decide(report, by)
    report.status = ReportStatus.RETURNED
    report.return_reason = reason[:REASON_MAX]
    _audit("report.returned", report, by, reason=report.return_reason)
    _notify_members(report, "report_returned")


def _notify_members(report: WorkReport, event: str, stamp: str | None = None) -> list:
    """The notification of `event` for each member of the organisation, linking to the
    report; delivered once the unit of work commits. One event per time it happens."""
    stamp = stamp or f"{report.decided_at:%Y%m%d%H%M%S%f}"
    link = external_url("closeout.report", report_id=report.id)
    return [
        notify(
            member,
            event,
            f"{event}:{report.id}:{stamp}:{member.id}",
            report=report,
            application=report.application,
            link=link,
        )
        for member in members_of(report.application)
    ]


# T-FINAL: the final report opened when the worksite ends, a reminder before it is due (beat)


def open_final_reports(today: date) -> int:
    """Open the final report of every signed agreement whose workers' contracts have all
    ended before today and that has none yet: how many were opened."""
    last = func.max(func.coalesce(Contract.actual_end, Contract.planned_end))
    ended = (
        select(Contract.application_id)
        .where(Contract.status.in_(DECLARED))
        .group_by(Contract.application_id)
        .having(last < today)
    )
    opened = select(WorkReport.application_id).where(WorkReport.phase == FINAL)
    applications = db.session.scalars(
        select(Application).where(
            Application.status == Status.AGREEMENT_SIGNED,
            Application.id.in_(ended),
            Application.id.not_in(opened),
        )
    ).all()
    for application in applications:
        open_report(application, FINAL, by=None, today=today)
    return len(applications)


def send_final_report_notices(today: date | None = None) -> dict:
    """Open the final reports due, then remind the organisations of those due within the
    edition's `reminder_days_before` days and not yet with the secretariat: once each
    (`reminder_sent_at`, a compare-and-set), whoever runs it."""
    today = today or local_date()
    opened = open_final_reports(today)
    waiting = db.session.scalars(
        select(WorkReport)
        .where(
            WorkReport.phase == FINAL,
            WorkReport.status.in_((*EDITABLE, ReportStatus.SUBMITTED)),
            WorkReport.reminder_sent_at.is_(None),
            WorkReport.due_on <= today + timedelta(days=31),
        )
        .order_by(WorkReport.id)
    ).all()
    reminded = 0
    for report in waiting:
        before = closeout_settings(report.application)["reminder_days_before"]
        if report.due_on - timedelta(days=before) > today:
            continue
        claimed = db.session.execute(
            update(WorkReport)
            .where(WorkReport.id == report.id, WorkReport.reminder_sent_at.is_(None))
            .values(reminder_sent_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            _notify_members(report, "final_report_reminder", "once")
            reminded += 1
    return {"opened": opened, "reminded": reminded}


# Close-out


@dataclass
class Check:
    """One condition of the closing: met or not, and what it says in the reader's language."""

    code: str
    met: bool
    message: str


def checklist(application: Application) -> list[Check]:
    """The conditions of T-FINAL, each met or not: the final report accepted, every statement
    paid or closed, a statement for every month the workers held, a certificate for every
    worker of enough days."""
    # The final report's status, the statements still open and the months declared, in one
    # statement; the contracts (with whether each has its certificate) in another.
    final_status, open_statements, periods = db.session.execute(
        select(
            select(WorkReport.status)
            .where(WorkReport.application_id == application.id, WorkReport.phase == FINAL)
            .scalar_subquery(),
            select(func.count(MonthlyStatement.id))
            .where(
                MonthlyStatement.application_id == application.id,
                MonthlyStatement.status.not_in(STATEMENT_DONE),
            )
            .scalar_subquery(),
            select(func.aggregate_strings(cast(MonthlyStatement.period, String), ","))
            .where(MonthlyStatement.application_id == application.id)
            .scalar_subquery(),
        )
    ).one()
    if final_status is None:
        final_message = _l("The final report is not written yet.")
    elif final_status != ReportStatus.ACCEPTED:
        final_message = _l(
            "The final report is not accepted yet: %(status)s.",
            status=ReportStatus.label_of(final_status),
        )
    else:
        final_message = _l("The final report is accepted.")
    min_days = certificates.min_days(application.call.edition)
    contracts = db.session.execute(
        select(
            Contract.start_date,
            func.coalesce(Contract.actual_end, Contract.planned_end),
            Certificate.id.is_(None),
        )
        .outerjoin(Certificate, Certificate.contract_id == Contract.id)
        .where(Contract.application_id == application.id, Contract.status.in_(DECLARED))
    ).all()
    uncertified = sum(
        1 for start, end, missing in contracts if missing and (end - start).days + 1 >= min_days
    )
    declared = {date.fromisoformat(period[:10]) for period in (periods or "").split(",") if period}
    undeclared = len(
        rules.undeclared_months([(start, end) for start, end, _ in contracts], declared)
    )
    return [
        Check(
            "final_report",
            final_status == ReportStatus.ACCEPTED,
            final_message,
        ),
        Check(
            "statements",
            not open_statements,
            ngettext(
                "%(num)s monthly statement is not paid or closed yet.",
                "%(num)s monthly statements are not paid or closed yet.",
                open_statements,
            )
            if open_statements
            else _l("Every monthly statement is paid or closed."),
        ),
        Check(
            "months",
            not undeclared,
            ngettext(
                "%(num)s month the workers held has no statement yet: the partner declares it "
                "first.",
                "%(num)s months the workers held have no statement yet: the partner declares "
                "them first.",
                undeclared,
            )
            if undeclared
            else _l("Every month the workers held has its statement."),
        ),
        Check(
            "certificates",
            not uncertified,
            ngettext(
                "%(num)s worker of at least %(days)s days has no certificate yet: end the "
                "contract to issue it.",
                "%(num)s workers of at least %(days)s days have no certificate yet: end their "
                "contracts to issue them.",
                uncertified,
                days=min_days,
            )
            if uncertified
            else _l("Every worker of enough days has a certificate."),
        ),
    ]


def closing_problems(application: Application) -> list[str]:
    """What prevents closing the agreement, in the reader's language (none: it may close)."""
    if application.status == Status.CLOSED:
        return [refusal_message("closed")]
    if application.status != Status.AGREEMENT_SIGNED:
        return [refusal_message("not_signed")]
    return [str(check.message) for check in checklist(application) if not check.met]


def close(application: Application, *, by: User) -> None:
    """The province's secretariat closes the agreement once nothing prevents it: the
    lifecycle's `close`, audited, and the organisation's members told."""
    if not manages_province(by, application.province_id):
        raise PermissionError("the secretariat of the province")
    if application.status == Status.CLOSED:
        raise ReportRefused("closed")
    problems = closing_problems(application)
    if problems:
        raise ReportRefused("not_closable", problems)
    try:
        lifecycle.transition(application, "close", closed_at=utcnow())
    except lifecycle.TransitionRefused as e:  # closed, or moved, by someone else meanwhile
        raise ReportRefused("closed") from e
    record(
        "agreement.closed",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"status": str(Status.CLOSED)},
    )
    notify_members(application, "agreement_closed", f"agreement_closed:{application.id}")


def to_accept(user: User) -> list[WorkReport]:
    """Certified reports of the staff member's provinces, oldest certification first."""
    return db.session.scalars(
        select(WorkReport)
        .options(joinedload(WorkReport.application).joinedload(Application.organisation))
        .where(
            WorkReport.status == ReportStatus.CERTIFIED,
            in_provinces(user, WorkReport.province_id),
        )
        .order_by(WorkReport.certified_at, WorkReport.id)
    ).all()


def with_photos(report_id: int) -> WorkReport | None:
    return db.session.scalar(
        select(WorkReport)
        .options(selectinload(WorkReport.photos), joinedload(WorkReport.application))
        .where(WorkReport.id == report_id)
    )

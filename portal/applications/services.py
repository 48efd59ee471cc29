"""Applications: drafts, submission, the eligibility check, withdrawal and change requests."""

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import eligibility
from portal.access import Role, policy
from portal.applications.lifecycle import TransitionRefused, allowed, transition
from portal.applications.models import (
    Application,
    EligibilityReport,
    Status,
    Submission,
)
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.calls.services import call_parameters
from portal.core.counters import next_value
from portal.core.scope import sees_province
from portal.core.uow import after_commit
from portal.documents.models import Document, DocumentKind
from portal.extensions import db
from portal.notifications.services import external_url, notify
from portal.organisations.models import Membership, Organisation
from portal.organisations.services import PROFILE_FIELDS, organisation_policy
from portal.timeutil import utcnow

CHECK_TASK = "check_eligibility"
RECEIPTS_TASK = "send_receipts"
RESULT_TASK = "send_result"


@policy(Application)
def application_policy(user: User, action: str, application: Application) -> bool:
    if user.is_staff:
        return _staff_may(user, action, application)
    # Through the relationship, so the page's next checks find the organisation loaded.
    organisation = application.organisation
    if action == "view":
        return organisation_policy(user, "view", organisation)
    if action in NEEDS_STATE:  # the organisation's editors, while the status allows it
        return organisation_policy(user, "edit", organisation) and allowed(
            application, NEEDS_STATE[action]
        )
    return False


# What an applicant's action needs of the application's status: the lifecycle action it leads
# to (editing is for what can still be submitted: a draft, or changes requested).
NEEDS_STATE = {"edit": "submit", "submit": "submit", "withdraw": "withdraw"}


def _staff_may(user: User, action: str, application: Application) -> bool:
    """Staff of the province, once the application has been submitted, each by their role."""
    in_scope = application.number is not None and sees_province(user, application.province_id)
    if not in_scope:
        return False
    if action in ("view", "comment"):
        return True
    if action == "assign":
        return user.has_role(Role.SECRETARIAT, Role.ADMIN)
    return False  # the review's actions are the review area's rule


# Drafts


def start_application(
    organisation: Organisation, call: Call, province_id: int, *, by: User
) -> Application:
    """The draft for this call and province, reopened if there is one already."""
    draft = db.session.scalar(
        select(Application).filter_by(
            organisation_id=organisation.id,
            call_id=call.id,
            province_id=province_id,
            status=Status.DRAFT,
        )
    )
    if draft is not None:
        return draft
    application = Application(
        organisation_id=organisation.id,
        call_id=call.id,
        component=call.component,
        province_id=province_id,
        created_by_id=by.id,
        details={},
    )
    db.session.add(application)
    db.session.flush()
    record(
        "application.started",
        actor=by,
        obj=application,
        organisation_id=organisation.id,
        after={"call": call.id, "province": province_id},
    )
    return application


def save_answers(application: Application, answers: dict) -> None:
    """Keep what was typed, valid or not, so that nothing is lost on an error."""
    application.details = {**(application.details or {}), **answers}


def accept_declaration(application: Application) -> None:
    application.declaration_at = utcnow()


def jobs_requested(component: int, details: dict) -> int:
    def number(value) -> int:
        """A count as typed; what is not a sensible count (negative, huge, text) counts as 0."""
        try:
            count = int(value)
        except (TypeError, ValueError):
            return 0
        return count if 0 <= count <= 100_000 else 0

    if component == 1:
        return number(details.get("workers_planned"))
    return sum(number(p.get("count")) for p in details.get("posts", []) if p.get("title"))


def application_documents(application: Application) -> list[Document]:
    return db.session.scalars(
        select(Document).filter_by(application_id=application.id).order_by(Document.id)
    ).all()


def snapshot(application: Application, *, by: User, at: datetime) -> dict:
    """The application, its organisation, documents and call as they are at `at`."""
    organisation = application.organisation
    documents = db.session.scalars(
        select(Document)
        .where(
            Document.organisation_id == organisation.id,
            (Document.application_id.is_(None)) | (Document.application_id == application.id),
        )
        .order_by(Document.id)
    ).all()
    kinds = {k.id: k for k in db.session.scalars(select(DocumentKind))}
    parameters = call_parameters(application.call, kinds=kinds.values())
    legal_form = organisation.legal_form
    parameters["required_documents"] = {
        "organisation": [
            k.code
            for k in kinds.values()
            if k.scope == "organisation" and not k.components and legal_form in k.legal_forms
        ],
        "regularity": [
            k.code
            for k in kinds.values()
            if "2" in k.components and k.scope == "organisation" and legal_form in k.legal_forms
        ],
        "application": parameters["edition"][f"component{application.component}"].get(
            "application_documents", []
        ),
    }
    first = application.first_submitted_at or at
    return {
        "application": {
            "id": application.id,
            "number": application.number,
            "component": application.component,
            "call_id": application.call_id,
            "province_id": application.province_id,
            "details": application.details or {},
            "jobs_requested": jobs_requested(application.component, application.details or {}),
            "submitted_at": at.isoformat(),
            "first_submitted_at": first.isoformat(),
            "declaration_at": application.declaration_at and application.declaration_at.isoformat(),
        },
        "organisation": {"id": organisation.id}
        | {f: _plain(getattr(organisation, f)) for f in PROFILE_FIELDS},
        "applicant": {"id": by.id, "full_name": by.full_name, "phone": by.phone},
        "documents": [
            {
                "id": d.id,
                "kind": kinds[d.kind_id].code,
                "sha256": d.sha256,
                "filename": d.filename,
                "valid_until": d.valid_until and d.valid_until.isoformat(),
                "scope": "application" if d.application_id else "organisation",
            }
            for d in documents
        ],
        "call": parameters,
    }


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def grant_for(data: dict) -> dict | None:
    """Component 2: the grant of the posts in a snapshot (or a draft shaped like one)."""
    if data["application"]["component"] != 2:
        return None
    posts = [p for p in data["application"]["details"].get("posts", []) if p.get("title")]
    return eligibility.grant(posts, data["call"]["edition"])


def missing_for_submission(application: Application, data: dict) -> list[str]:
    """What must be filled before submitting (the rules judge the rest): codes for the page."""
    details = data["application"]["details"]
    missing = []
    if application.component == 1:
        for name in (
            "title",
            "sector",
            "commune_id",
            "location",
            "workers_planned",
            "duration_months",
            "planned_start",
            "description",
        ):
            if not details.get(name):
                missing.append(name)
    elif not any(p.get("title") for p in details.get("posts", [])):
        missing.append("posts")
    held = {d["kind"] for d in data["documents"] if d["scope"] == "application"}
    missing += [
        f"document:{code}"
        for code in data["call"]["required_documents"]["application"]
        if code not in held
    ]
    if application.declaration_at is None:
        missing.append("declaration")
    return missing


def precheck(application: Application, *, by: User) -> eligibility.Report:
    """The rules on the draft as it is now: the same engine as the official check."""
    return _evaluate(application, snapshot(application, by=by, at=utcnow()))


def _evaluate(application: Application, data: dict) -> eligibility.Report:
    return eligibility.evaluate(
        data, {"remaining_quota": remaining_quota(application.call_id, application.province_id)}
    )


def blocking_failures(report: eligibility.Report) -> list[str]:
    """The rules that fail and block: a rule of severity `review` never fails (the engine
    turns its failure into a question for staff), so these are the edition's blocking ones."""
    return [result.rule for result in report.results if result.outcome == eligibility.FAIL]


class SubmissionRefused(Exception):
    """The draft cannot be submitted yet: answers are missing, or a blocking rule fails."""

    def __init__(self, missing: list[str], failing: list[str]):
        super().__init__(missing, failing)
        self.missing, self.failing = missing, failing


def remaining_quota(call_id: int, province_id: int) -> int | None:
    """Jobs the province has left to grant in the call, from its quota ledger."""
    return db.session.scalar(
        select(CallProvince.remaining_jobs).filter_by(call_id=call_id, province_id=province_id)
    )


# Submitting


def _next_number(application: Application, at: datetime) -> str:
    """<region>-<year>-C<component>-<seq>."""
    key = f"{application.province.region.code}-{at.year}-C{application.component}"
    return f"{key}-{next_value(key):05d}"


def submit(application: Application, *, by: User) -> Submission:
    """Freeze a snapshot, number the application the first time, write the audit row and the
    pending check in one transaction, then enqueue the check. Refused (SubmissionRefused)
    while an answer is missing or a blocking rule fails on the snapshot.

    What the applicant does not wait for happens in the worker, beside the check: the receipt,
    rendered for each member in their language (`send_receipts`)."""
    if not allowed(application, "submit"):
        raise TransitionRefused("submit")
    now = utcnow()
    data = snapshot(application, by=by, at=now)
    missing = missing_for_submission(application, data)
    failing = blocking_failures(_evaluate(application, data))
    if missing or failing:
        raise SubmissionRefused(missing, failing)
    number = application.number or _next_number(application, now)
    resubmission = application.status == Status.CHANGES_REQUESTED
    transition(
        application,
        "submit",
        number=number,
        first_submitted_at=application.first_submitted_at or now,
        jobs_requested=data["application"]["jobs_requested"],
    )
    data["application"]["number"] = number
    sequence = len(application.submissions) + 1
    submission = Submission(
        application_id=application.id,
        sequence=sequence,
        submitted_at=now,
        submitted_by_id=by.id,
        data=data,
    )
    db.session.add(submission)
    db.session.flush()
    record(
        "application.resubmitted" if resubmission else "application.submitted",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"number": number, "submission": sequence},
    )
    after_commit(CHECK_TASK, submission.id)
    after_commit(RECEIPTS_TASK, submission.id)
    return submission


def notify_members(application: Application, event: str, key: str, **context) -> list:
    """The notification of `event` for each member of the applying organisation, with a link to
    the application; each is delivered once the unit of work commits."""
    link = external_url("applications.show", application_id=application.id)
    return [
        notify(member, event, f"{key}:{member.id}", application=application, link=link, **context)
        for member in members_of(application)
    ]


def members_of(application: Application) -> list[User]:
    """The applying organisation's members, in a steady order."""
    return db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == application.organisation_id)
        .order_by(User.id)
    ).all()


def latest_submission(application: Application) -> Submission | None:
    return application.submissions[-1] if application.submissions else None


def check_eligibility(submission_id: int) -> str:
    """Run the rules on a submission once; store the report and move the application. The
    members are told by `send_result` after the commit, so the report shows without waiting
    for their emails to be rendered.

    Safe to run twice: the report is unique per submission and rule-set version, the status
    moves with a compare-and-set, and the result is told once per report.
    """
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        return "missing"
    version = submission.data["call"]["edition"]["rules_version"]
    existing = db.session.scalar(
        select(EligibilityReport).filter_by(submission_id=submission.id, rules_version=version)
    )
    if existing is None:
        application = submission.application
        context = {"remaining_quota": remaining_quota(application.call_id, application.province_id)}
        report = eligibility.evaluate(submission.data, context)
        existing = EligibilityReport(
            submission_id=submission.id,
            rules_version=version,
            outcome=report.outcome,
            results=report.as_dict()["results"],
            context=context,
            result_sent_at=utcnow(),  # nothing to tell, unless the check moves it below
        )
        db.session.add(existing)
        try:
            db.session.flush()
        except IntegrityError:  # another worker stored it first
            db.session.rollback()
            return "duplicate"
    application = submission.application
    latest = latest_submission(application)
    if latest is None or latest.id != submission.id:
        return existing.outcome  # a newer submission has its own check
    if application.status != Status.SUBMITTED:
        application.eligibility_outcome = existing.outcome
    else:
        action = "mark_ineligible" if existing.outcome == "fail" else "mark_eligible"
        try:  # the outcome in the same statement as the status
            transition(application, action, eligibility_outcome=existing.outcome)
        except TransitionRefused:
            application.eligibility_outcome = existing.outcome
        else:
            existing.result_sent_at = None
            after_commit(RESULT_TASK, existing.id)
            record(
                "application.checked",
                obj=application,
                organisation_id=application.organisation_id,
                after={"outcome": existing.outcome, "status": application.status},
            )
    return existing.outcome


def checked(application: Application) -> bool:
    """Whether the latest submission has its report: one statement, for the page that waits."""
    latest = (
        select(func.max(Submission.sequence))
        .where(Submission.application_id == application.id)
        .scalar_subquery()
    )
    return (
        db.session.scalar(
            select(EligibilityReport.id)
            .join(Submission)
            .where(Submission.application_id == application.id, Submission.sequence == latest)
            .limit(1)
        )
        is not None
    )


def send_receipts(submission_id: int) -> int:
    """The receipt of a submission for each member of the organisation, in their language;
    the number written. Safe to run twice: the submission records that they were written, and
    each has a unique event key."""
    submission = db.session.get(Submission, submission_id, with_for_update=True)
    if submission is None or submission.receipts_at is not None:
        return 0
    written = notify_members(
        submission.application,
        "application_received",
        f"application_received:{submission.id}",
        submission=submission,
        resubmission=submission.sequence > 1,
    )
    submission.receipts_at = utcnow()
    return len(written)


def send_result(report_id: int) -> int:
    """Tell each member of the organisation the result of a check, once; the number written."""
    report = db.session.get(EligibilityReport, report_id, with_for_update=True)
    if report is None or report.result_sent_at is not None:
        return 0
    written = notify_members(
        report.submission.application,
        "eligibility_result",
        f"eligibility_result:{report.submission_id}",
        report=report,
    )
    report.result_sent_at = utcnow()
    return len(written)


def sweep_receipts() -> int:
    """Re-enqueue the receipts of submissions that still have none after a while, and the
    results of checks not yet told."""
    due = utcnow() - timedelta(seconds=current_app.config["SWEEP_PENDING_AFTER_SECONDS"])
    sent = 0
    for task, model, stamp, since in (
        (RECEIPTS_TASK, Submission, Submission.receipts_at, Submission.submitted_at),
        (
            RESULT_TASK,
            EligibilityReport,
            EligibilityReport.result_sent_at,
            EligibilityReport.created_at,
        ),
    ):
        ids = db.session.scalars(
            select(model.id).where(stamp.is_(None), since <= due).order_by(model.id).limit(500)
        ).all()
        for row_id in ids:
            after_commit(task, row_id)
        sent += len(ids)
    return sent


def sweep_checks() -> int:
    """Re-enqueue checks of submissions that have no report after a while (lost message)."""
    due = utcnow() - timedelta(seconds=current_app.config["SWEEP_PENDING_AFTER_SECONDS"])
    reported = select(EligibilityReport.submission_id)
    ids = db.session.scalars(
        select(Submission.id)
        .where(Submission.check_enqueued_at <= due, Submission.id.not_in(reported))
        .limit(500)
    ).all()
    if ids:
        db.session.execute(
            update(Submission).where(Submission.id.in_(ids)).values(check_enqueued_at=utcnow())
        )
    for submission_id in ids:
        after_commit(CHECK_TASK, submission_id)
    return len(ids)


# After submitting


def withdraw(application: Application, reason: str, *, by: User) -> None:
    transition(application, "withdraw", withdrawn_reason=reason)
    notify_members(
        application,
        "application_withdrawn",
        f"application_withdrawn:{application.id}",
        reason=reason,
    )
    record(
        "application.withdrawn",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"reason": reason},
    )


def request_changes(application: Application, what: str, deadline: date, *, by: User) -> None:
    """Staff ask the applicant to change something by a date; the applicant edits and
    submits again."""
    transition(application, "request_changes", change_request=what, change_deadline=deadline)
    key = f"changes_requested:{application.id}:{len(application.submissions)}"
    notify_members(
        application,
        "changes_requested",
        key,
        what=what,
        deadline=deadline,
    )
    record(
        "application.changes_requested",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"what": what, "deadline": deadline},
    )


def applications_of(user: User) -> list[Application]:
    return db.session.scalars(
        select(Application)
        .join(Membership, Membership.organisation_id == Application.organisation_id)
        .options(
            joinedload(Application.organisation),
            joinedload(Application.call),
            joinedload(Application.province),
        )
        .where(Membership.user_id == user.id)
        .order_by(Application.updated_at.desc())
    ).all()


def timeline(application: Application):
    return db.session.scalars(
        select(AuditEvent)
        .filter_by(object_type="application", object_id=application.id)
        .order_by(AuditEvent.id)
    ).all()

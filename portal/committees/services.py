"""Committee sessions and decisions, within each province's quota (the ledger row is locked)."""

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, lazyload

from portal.applications.lifecycle import TransitionRefused, transition
from portal.applications.models import Application, Status
from portal.applications.services import jobs_requested, notify_members
from portal.audit.services import record
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.committees.models import CommitteeSession, Decision, Outcome
from portal.extensions import db
from portal.notifications.services import dispatch
from portal.queue import enqueue
from portal.timeutil import utcnow

ON_AGENDA = (Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.DEFERRED)


class QuotaExceeded(Exception):
    def __init__(self, remaining: int, asked: int):
        super().__init__(remaining, asked)
        self.remaining, self.asked = remaining, asked


class SessionClosed(Exception):
    """A closed session is frozen."""


def open_session(
    call: Call,
    held_on: date,
    members_present: list[str],
    *,
    by: User,
    province_id: int | None = None,
) -> CommitteeSession:
    session = CommitteeSession(
        call_id=call.id,
        province_id=province_id,
        held_on=held_on,
        members_present=members_present,
        created_by_id=by.id,
    )
    db.session.add(session)
    db.session.flush()
    record(
        "committee.session_opened",
        actor=by,
        obj=session,
        after={"call": call.id, "held_on": held_on, "members": ", ".join(members_present)},
    )
    db.session.commit()
    return session


def agenda(session: CommitteeSession) -> list[Application]:
    """Recommended and not-recommended applications of the call (and province), deferred ones
    included, plus those already decided in this session."""
    decided = select(Decision.application_id).where(Decision.session_id == session.id)
    query = select(Application).where(
        Application.call_id == session.call_id,
        Application.status.in_(ON_AGENDA) | Application.id.in_(decided),
    )
    if session.province_id:
        query = query.where(Application.province_id == session.province_id)
    query = query.options(joinedload(Application.organisation), joinedload(Application.province))
    return db.session.scalars(query.order_by(Application.status, Application.number)).all()


def _ledger(application: Application) -> CallProvince:
    """The (call, province) quota row, locked until the commit."""
    return db.session.scalar(
        select(CallProvince)
        .options(lazyload(CallProvince.province))  # lock the ledger row alone, no join
        .filter_by(call_id=application.call_id, province_id=application.province_id)
        .with_for_update()
    )


def decide(
    session: CommitteeSession,
    application: Application,
    outcome: str,
    *,
    by: User,
    jobs: int | None = None,
    reason: str | None = None,
) -> Decision:
    """Record or change one decision. An approval takes jobs from the province's quota and is
    refused (QuotaExceeded) if the quota would be exceeded, however many decide at once."""
    if session.closed_at is not None:
        raise SessionClosed(session.id)
    decision = db.session.scalar(
        select(Decision).filter_by(session_id=session.id, application_id=application.id)
    )
    ledger = _ledger(application)
    released = decision.jobs_granted if decision and decision.outcome == Outcome.APPROVE else 0
    granted = 0
    if outcome == Outcome.APPROVE:
        granted = (
            jobs
            if jobs is not None
            else jobs_requested(application.component, application.details or {})
        )
        if granted < 0:
            granted = 0
    # The row is locked above (PostgreSQL); the conditional update also holds on SQLite,
    # where two writers cannot both pass the check.
    delta = granted - released
    changed = db.session.execute(
        update(CallProvince)
        .where(
            CallProvince.call_id == application.call_id,
            CallProvince.province_id == application.province_id,
            CallProvince.committed_jobs + delta <= CallProvince.quota_jobs,
        )
        .values(committed_jobs=CallProvince.committed_jobs + delta)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        remaining = ledger.quota_jobs - ledger.committed_jobs + released
        db.session.rollback()
        raise QuotaExceeded(remaining, granted)
    if decision is None:
        decision = Decision(
            session_id=session.id,
            application_id=application.id,
            decided_by_id=by.id,
            outcome=outcome,
        )
        db.session.add(decision)
    decision.outcome, decision.jobs_granted, decision.reason = outcome, granted, reason
    decision.decided_by_id = by.id
    record(
        f"committee.{outcome}",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"session": session.id, "jobs": granted, "reason": reason},
    )
    db.session.commit()
    return decision


def close(session: CommitteeSession, *, by: User) -> None:
    """Freeze the session; in one transaction move each application, write the emails and the
    agreements of the approvals; then enqueue their rendering and the minutes'."""
    if session.closed_at is not None:
        return
    session.closed_at = utcnow()
    session.minutes_enqueued_at = session.closed_at
    notices, approved_decisions = [], []
    for decision in session.decisions:
        application = decision.application
        approved = decision.outcome == Outcome.APPROVE
        try:
            transition(
                application,
                str(decision.outcome),
                jobs_granted=decision.jobs_granted if approved else None,
            )
        except TransitionRefused:  # withdrawn meanwhile: its jobs go back to the quota
            _ledger(application).committed_jobs -= decision.jobs_granted if approved else 0
            continue
        if approved:
            approved_decisions.append(decision)
        notices += notify_members(
            application,
            "committee_decision",
            f"committee_decision:{decision.id}",
            decision=decision,
        )
    from portal.agreements import services as agreements_area  # it reads committee rows

    agreements = agreements_area.write_for_session(session, approved_decisions, by=by)
    record(
        "committee.session_closed",
        actor=by,
        obj=session,
        after={"decisions": len(session.decisions), "agreements": len(agreements)},
    )
    db.session.commit()
    dispatch(*notices)
    agreements_area.enqueue_render(*agreements)
    enqueue(agreements_area.MINUTES_TASK, session.id)


def sessions() -> list[CommitteeSession]:
    return db.session.scalars(
        select(CommitteeSession).order_by(CommitteeSession.held_on.desc())
    ).all()


def ledger_rows(call: Call) -> list[CallProvince]:
    return db.session.scalars(select(CallProvince).filter_by(call_id=call.id)).all()

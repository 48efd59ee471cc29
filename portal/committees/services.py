"""Committee sessions and decisions, within each province's quota (the ledger row is locked).

A session decides for its provinces: the one province of a provincial committee, or every
province of the call for the regional committee. Only deciders who hold every one of them
(admins hold them all) see its agenda and minutes, decide and close it: a regional committee
member is a staff account given all the region's provinces, never a side effect of a role."""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload

from portal.access import Role, policy
from portal.agreements import services as agreements_area
from portal.applications.lifecycle import TransitionRefused, transition
from portal.applications.models import Application, Status
from portal.applications.services import jobs_requested, notify_members
from portal.audit.services import record
from portal.auth.models import User
from portal.calls.models import Call, CallProvince, CommitteeLevel
from portal.calls.services import QuotaExceeded as QuotaExceeded  # raised by `decide`
from portal.calls.services import lock_ledger, take_jobs
from portal.committees.models import CommitteeSession, Decision, Outcome, SessionProvince
from portal.core.uow import after_commit
from portal.documents.rendering import render_pdf
from portal.extensions import db
from portal.storage import put
from portal.timeutil import local_date, utcnow

MINUTES_TASK = "render_minutes"

ON_AGENDA = (Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.DEFERRED)
DECIDERS = (Role.COMMITTEE_MEMBER, Role.SECRETARIAT, Role.ADMIN)


class SessionClosed(Exception):
    """A closed session is frozen."""


class NotYetHeld(Exception):
    """A session closes on its date or later: no agreement cites a decision still to come."""


class ProvinceNotCovered(Exception):
    """A provincial committee sits for one of the call's provinces."""


class NotEveryProvince(Exception):
    """The user does not hold every province the session would decide for."""


class OutsideSession(Exception):
    """The application is not of the session's call and provinces."""


def may_sit(user: User, province_ids: set[int]) -> bool:
    """A decider may sit in a session for `province_ids` when they hold every one of them."""
    if not (user.is_staff and user.has_role(*DECIDERS)):
        return False
    return user.has_role(Role.ADMIN) or (bool(province_ids) and province_ids <= user.province_ids)


@policy(CommitteeSession)
def session_policy(user: User, action: str, session: CommitteeSession) -> bool:
    """Deciders of every province of the session see it and its minutes, decide and close."""
    return action in ("view", "decide", "close") and may_sit(user, session.province_ids)


def session_provinces(call: Call, province_id: int | None) -> set[int]:
    """The provinces a session of `call` decides for: the one asked for a provincial
    committee (ProvinceNotCovered if the call does not cover it), all the call's otherwise."""
    covered = {p.province_id for p in call.provinces}
    if call.committee_level == CommitteeLevel.PROVINCIAL:
        if province_id not in covered:
            raise ProvinceNotCovered(province_id)
        return {province_id}
    return covered


def openable_calls(user: User, calls: list[Call]) -> list[Call]:
    """The calls `user` may open a session of: a provincial one in one of their provinces, a
    regional one holding all of the call's."""

    def openable(call: Call) -> bool:
        covered = {p.province_id for p in call.provinces}
        if call.committee_level == CommitteeLevel.PROVINCIAL:
            return any(may_sit(user, {province_id}) for province_id in covered)
        return may_sit(user, covered)

    return [call for call in calls if openable(call)]


def open_session(
    call: Call,
    held_on: date,
    members_present: list[str],
    *,
    by: User,
    province_id: int | None = None,
) -> CommitteeSession:
    """Open a session of `call`'s committee (ProvinceNotCovered, NotEveryProvince)."""
    provinces = session_provinces(call, province_id)
    if not may_sit(by, provinces):
        raise NotEveryProvince(sorted(provinces - by.province_ids))
    session = CommitteeSession(
        call_id=call.id,
        held_on=held_on,
        members_present=members_present,
        created_by_id=by.id,
        provinces=[SessionProvince(province_id=pid) for pid in sorted(provinces)],
    )
    db.session.add(session)
    db.session.flush()
    record(
        "committee.session_opened",
        actor=by,
        obj=session,
        after={
            "call": call.id,
            "held_on": held_on,
            "members": ", ".join(members_present),
            "provinces": sorted(provinces),
        },
    )
    return session


def agenda(session: CommitteeSession) -> list[Application]:
    """Recommended and not-recommended applications of the call in the session's provinces,
    deferred ones included, plus those already decided in this session."""
    decided = select(Decision.application_id).where(Decision.session_id == session.id)
    query = select(Application).where(
        Application.call_id == session.call_id,
        Application.province_id.in_(session.province_ids),
        Application.status.in_(ON_AGENDA) | Application.id.in_(decided),
    )
    query = query.options(joinedload(Application.organisation), joinedload(Application.province))
    return db.session.scalars(query.order_by(Application.status, Application.number)).all()


def on_agenda(session: CommitteeSession, application: Application) -> bool:
    """Whether the session may decide `application`: of its call and of its provinces, and
    waiting for a decision (recommended or not, or deferred). One approved before would have
    its jobs taken from the quota again; one still in review has no recommendation yet."""
    return (
        application.call_id == session.call_id
        and application.province_id in session.province_ids
        and application.status in ON_AGENDA
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
    if not on_agenda(session, application):
        raise OutsideSession(application.id)
    lock_ledger(application.call_id, application.province_id)  # before reading what it held
    decision = db.session.scalar(
        select(Decision).filter_by(session_id=session.id, application_id=application.id)
    )
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
    take_jobs(application.call_id, application.province_id, granted=granted, released=released)
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
    return decision


class ReasonRequired(Exception):
    """A rejection states its reason."""


def decide_many(
    session: CommitteeSession,
    applications: list[Application | None],
    outcome: str,
    *,
    by: User,
    jobs: dict[int, int | None] | None = None,
    reason: str | None = None,
) -> list[tuple[Application, QuotaExceeded]]:
    """The committee's decision on several applications of its agenda at once, each through
    `decide`; those past the quota are refused one by one (returned with their refusal), the
    others recorded. Nothing is recorded if one is not on the agenda (OutsideSession), the
    session is closed (SessionClosed) or a rejection has no reason (ReasonRequired)."""
    if session.closed_at is not None:
        raise SessionClosed(session.id)
    if outcome == Outcome.REJECT and not reason:
        raise ReasonRequired(session.id)
    for application in applications:
        if application is None or not on_agenda(session, application):
            raise OutsideSession(application.id if application else None)
    jobs = jobs or {}
    refused = []
    for application in applications:
        try:
            decide(
                session, application, outcome, jobs=jobs.get(application.id), reason=reason, by=by
            )
        except QuotaExceeded as refusal:  # nothing changed for this one
            refused.append((application, refusal))
    return refused


def close(session: CommitteeSession, *, by: User) -> None:
    """Freeze the session; in one transaction move each application, write the emails and the
    agreements of the approvals; their rendering and the minutes' follow the commit."""
    if session.closed_at is not None:
        return
    if local_date() < session.held_on:
        raise NotYetHeld(session.held_on)
    session.closed_at = utcnow()
    session.minutes_enqueued_at = session.closed_at
    approved_decisions = []
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
            if approved:
                take_jobs(
                    application.call_id,
                    application.province_id,
                    granted=0,
                    released=decision.jobs_granted,
                )
            continue
        if approved:
            approved_decisions.append(decision)
        notify_members(
            application,
            "committee_decision",
            f"committee_decision:{decision.id}",
            decision=decision,
        )
    agreements = [
        agreements_area.write_agreement(
            d.application, d.jobs_granted, by=by, session_id=session.id, held_on=session.held_on
        )
        for d in approved_decisions
    ]
    record(
        "committee.session_closed",
        actor=by,
        obj=session,
        after={"decisions": len(session.decisions), "agreements": len(agreements)},
    )
    agreements_area.render_after_commit(*agreements)
    after_commit(MINUTES_TASK, session.id)


def sessions(user: User) -> list[CommitteeSession]:
    """The sessions `user` may sit in: none of their provinces is outside the user's."""
    query = select(CommitteeSession).order_by(CommitteeSession.held_on.desc())
    if not user.has_role(Role.ADMIN):
        outside = exists().where(
            SessionProvince.session_id == CommitteeSession.id,
            SessionProvince.province_id.not_in(user.province_ids or [-1]),
        )
        query = query.where(~outside, CommitteeSession.provinces.any())
    return db.session.scalars(query).all()


def ledger_rows(session: CommitteeSession) -> list[CallProvince]:
    """The quota ledger of the session's provinces."""
    return db.session.scalars(
        select(CallProvince)
        .where(
            CallProvince.call_id == session.call_id,
            CallProvince.province_id.in_(session.province_ids),
        )
        .order_by(CallProvince.province_id)
    ).all()


# The minutes (worker)


def minutes_pdf(session: CommitteeSession) -> bytes:
    decisions = db.session.scalars(
        select(Decision)
        .where(Decision.session_id == session.id)
        .join(Decision.application)
        .order_by(Application.number)
    ).all()
    return render_pdf(
        "pdf/minutes.html",
        {"session": session, "decisions": decisions},
        title=f"{session.call.title_fr} — {session.held_on.isoformat()}",
    )


def render_minutes(session_id: int) -> str | None:
    """Render a closed session's minutes once and store them. Safe to run twice."""
    session = db.session.get(CommitteeSession, session_id)
    if session is None or session.closed_at is None or session.minutes_sha256:
        return session and session.minutes_sha256
    digest = put(minutes_pdf(session))
    db.session.execute(
        update(CommitteeSession)
        .where(CommitteeSession.id == session.id, CommitteeSession.minutes_sha256.is_(None))
        .values(minutes_sha256=digest)
        .execution_options(synchronize_session=False)
    )
    return digest


def sweep_minutes(older_than: timedelta | None = None) -> int:
    """Re-send the minutes that a lost message or a killed worker left unrendered."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["RENDER_RETRY_SECONDS"])
    now = utcnow()
    sessions = db.session.scalars(
        select(CommitteeSession.id).where(
            CommitteeSession.closed_at.is_not(None),
            CommitteeSession.minutes_sha256.is_(None),
            CommitteeSession.minutes_enqueued_at < now - older_than,
        )
    ).all()
    if sessions:
        db.session.execute(
            update(CommitteeSession)
            .where(CommitteeSession.id.in_(sessions))
            .values(minutes_enqueued_at=now)
        )
    for session_id in sessions:
        after_commit(MINUTES_TASK, session_id)
    return len(sessions)

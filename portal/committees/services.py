"""Committee sessions and decisions, within each province's quota (the ledger row is locked).

A session decides for its provinces: the one province of a provincial committee, or every
province of the call for the regional committee. Only deciders who hold every one of them
(admins hold them all) see its agenda and minutes, decide and close it: a regional committee
member is a staff account given all the region's provinces, never a side effect of a role."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
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
from portal.committees.models import (
    Attendance,
    CommitteeSession,
    Decision,
    MemberRole,
    Outcome,
    SessionMember,
    SessionProvince,
)
from portal.core.uow import after_commit
from portal.documents.rendering import render_pdf
from portal.extensions import db
from portal.storage import put
from portal.timeutil import local_date, utcnow

MINUTES_TASK = "render_minutes"

ON_AGENDA = (Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.DEFERRED)
DECIDERS = (Role.COMMITTEE_MEMBER, Role.SECRETARIAT, Role.ADMIN)
# More than this share of the voting members called must be present, unless the edition's
# data file says otherwise (`[committee] quorum_share`).
QUORUM_SHARE = 0.5


class SessionClosed(Exception):
    """A closed session is frozen."""


class NotYetHeld(Exception):
    """A session closes on its date or later: no agreement cites a decision still to come."""


class ProvinceNotCovered(Exception):
    """A provincial committee sits for one of the call's provinces."""


class QuorumNotReached(Exception):
    """Too few voting members are present for the committee to decide."""

    def __init__(self, quorum: "Quorum"):
        super().__init__(quorum.present, quorum.required)
        self.quorum = quorum


class TooManyVotes(Exception):
    """A vote counts more voices than voting members present."""

    def __init__(self, votes: int, present: int):
        super().__init__(votes, present)
        self.votes, self.present = votes, present


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


def member_line(line: str) -> tuple[str, str]:
    """A member as typed on one line, "name | capacity" (the capacity may be left out)."""
    name, _, capacity = line.partition("|")
    return name.strip()[:200], capacity.strip()[:200]


def committee_members(
    present: list[str],
    *,
    excused: list[str] = (),
    absent: list[str] = (),
    secretary: str | None = None,
) -> list[SessionMember]:
    """The members called to a session, each line "name | capacity": the first present one
    chairs, then the other members present, excused and absent; the secretary last."""
    called = [(line, Attendance.PRESENT) for line in present]
    called += [(line, Attendance.EXCUSED) for line in excused]
    called += [(line, Attendance.ABSENT) for line in absent]
    members = []
    for line, attendance in called:
        name, capacity = member_line(line)
        if name:
            role = MemberRole.CHAIR if not members else MemberRole.MEMBER
            members.append(SessionMember(name=name, capacity=capacity, role=role))
            members[-1].attendance = attendance
    if secretary and member_line(secretary)[0]:
        name, capacity = member_line(secretary)
        members.append(
            SessionMember(
                name=name,
                capacity=capacity,
                role=MemberRole.SECRETARY,
                attendance=Attendance.PRESENT,
            )
        )
    for position, member in enumerate(members):
        member.position = position
    return members


def session_number(call: Call, provinces: set[int]) -> int:
    """The next number of the sittings of the committee deciding `call` for `provinces`."""
    held = db.session.scalars(select(CommitteeSession).filter_by(call_id=call.id)).all()
    return 1 + sum(1 for session in held if session.province_ids == provinces)


def open_session(
    call: Call,
    held_on: date,
    members_present: list[str],
    *,
    by: User,
    province_id: int | None = None,
    place: str = "",
    excused: list[str] = (),
    absent: list[str] = (),
    secretary: str | None = None,
) -> CommitteeSession:
    """Open a session of `call`'s committee (ProvinceNotCovered, NotEveryProvince); members
    are lines "name | capacity", the first present one chairing (`committee_members`)."""
    provinces = session_provinces(call, province_id)
    if not may_sit(by, provinces):
        raise NotEveryProvince(sorted(provinces - by.province_ids))
    members = committee_members(
        members_present, excused=excused, absent=absent, secretary=secretary
    )
    session = CommitteeSession(
        call_id=call.id,
        number=session_number(call, provinces),
        held_on=held_on,
        place=place.strip(),
        members=members,
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
            "number": session.number,
            "held_on": held_on,
            "place": session.place,
            "members": ", ".join(f"{m.name} ({m.attendance})" for m in members),
            "provinces": sorted(provinces),
        },
    )
    return session


@dataclass(frozen=True)
class Quorum:
    """The voting members called to a session, those present, and how many must be."""

    called: int
    present: int
    required: int
    share: float

    @property
    def reached(self) -> bool:
        return self.called > 0 and self.present >= self.required


def quorum(session: CommitteeSession) -> Quorum:
    """More than the edition's share of the voting members called must be present."""
    rules = session.call.edition.parameters.get("committee", {})
    share = float(rules.get("quorum_share", QUORUM_SHARE))
    voting = [m for m in session.members if m.votes]
    present = sum(1 for m in voting if m.attendance == Attendance.PRESENT)
    return Quorum(len(voting), present, math.floor(len(voting) * share) + 1, share)


def record_attendance(session: CommitteeSession, attendance: dict[int, str], *, by: User) -> None:
    """Mark who attended, member by member (ids of the session's members; others ignored)."""
    if session.closed_at is not None:
        raise SessionClosed(session.id)
    changed = {}
    for member in session.members:
        value = attendance.get(member.id)
        if value in set(Attendance) and value != member.attendance:
            member.attendance = value
            changed[member.name] = value
    if changed:
        record("committee.attendance", actor=by, obj=session, after=changed)


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
    votes: tuple[int, int, int] | None = None,
) -> Decision:
    """Record or change one decision, with its vote (for, against, abstaining) when counted.
    An approval takes jobs from the province's quota and is refused (QuotaExceeded) if the
    quota would be exceeded, however many decide at once; a refusal or a deferral states its
    reason (ReasonRequired)."""
    if session.closed_at is not None:
        raise SessionClosed(session.id)
    if not on_agenda(session, application):
        raise OutsideSession(application.id)
    check_decision(session, outcome, reason, votes)
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
    decision.votes_for, decision.votes_against, decision.votes_abstaining = votes or (None,) * 3
    decision.decided_by_id = by.id
    record(
        f"committee.{outcome}",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"session": session.id, "jobs": granted, "reason": reason, "votes": votes},
    )
    return decision


class ReasonRequired(Exception):
    """A rejection or a deferral states its reason."""


def check_decision(
    session: CommitteeSession, outcome: str, reason: str | None, votes: tuple | None
) -> None:
    """A refusal or a deferral gives its reason; a vote counts no more voices than the voting
    members present (ReasonRequired, TooManyVotes)."""
    if outcome in (Outcome.REJECT, Outcome.DEFER) and not (reason or "").strip():
        raise ReasonRequired(session.id)
    if votes is not None:
        present = quorum(session).present
        if min(votes) < 0 or sum(votes) > present:
            raise TooManyVotes(sum(votes), present)


def decide_many(
    session: CommitteeSession,
    applications: list[Application | None],
    outcome: str,
    *,
    by: User,
    jobs: dict[int, int | None] | None = None,
    reason: str | None = None,
    votes: tuple[int, int, int] | None = None,
) -> list[tuple[Application, QuotaExceeded]]:
    """The committee's decision on several applications of its agenda at once, each through
    `decide` with the same vote; those past the quota are refused one by one (returned with
    their refusal), the others recorded. Nothing is recorded if one is not on the agenda
    (OutsideSession), the session is closed (SessionClosed), a rejection or a deferral has no
    reason (ReasonRequired) or the vote counts more voices than members present
    (TooManyVotes)."""
    if session.closed_at is not None:
        raise SessionClosed(session.id)
    check_decision(session, outcome, reason, votes)
    for application in applications:
        if application is None or not on_agenda(session, application):
            raise OutsideSession(application.id if application else None)
    jobs = jobs or {}
    refused = []
    for application in applications:
        try:
            decide(
                session,
                application,
                outcome,
                jobs=jobs.get(application.id),
                reason=reason,
                votes=votes,
                by=by,
            )
        except QuotaExceeded as refusal:  # nothing changed for this one
            refused.append((application, refusal))
    return refused


def close(session: CommitteeSession, *, by: User, attendance: dict[int, str] | None = None) -> None:
    """Record who attended, then freeze the session if its quorum is reached
    (QuorumNotReached; TooManyVotes if a vote now counts more voices than members present): in
    one transaction move each application, write the emails and the agreements of the
    approvals, and copy each province's quota ledger for the minutes; their rendering and the
    minutes' follow the commit."""
    if session.closed_at is not None:
        return
    if local_date() < session.held_on:
        raise NotYetHeld(session.held_on)
    if attendance:
        record_attendance(session, attendance, by=by)
    count = quorum(session)
    if not count.reached:
        raise QuorumNotReached(count)
    for decision in session.decisions:
        if decision.voted:
            votes = decision.votes_for + decision.votes_against + decision.votes_abstaining
            if votes > count.present:
                raise TooManyVotes(votes, count.present)
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
    keep_ledger(session, approved_decisions)
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
        after={
            "decisions": len(session.decisions),
            "agreements": len(agreements),
            "present": count.present,
            "quorum": count.required,
        },
    )
    agreements_area.render_after_commit(*agreements)
    after_commit(MINUTES_TASK, session.id)


def keep_ledger(session: CommitteeSession, approved: list[Decision]) -> None:
    """Copy each province's quota ledger, as the session leaves it, onto the session: the
    minutes state it as it was then, whatever later sessions commit."""
    granted = {}
    for decision in approved:
        province_id = decision.application.province_id
        granted[province_id] = granted.get(province_id, 0) + decision.jobs_granted
    for row in session.provinces:
        ledger = lock_ledger(session.call_id, row.province_id)
        row.quota_jobs, row.committed_jobs = ledger.quota_jobs, ledger.committed_jobs
        row.remaining_jobs = ledger.remaining_jobs
        row.granted_jobs = granted.get(row.province_id, 0)


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


def minutes_title(session: CommitteeSession) -> str:
    """What the document is, in both languages: its title in the PDF's metadata."""
    titles = []
    for language in ("ar", "fr"):
        with force_locale(language):
            titles.append(
                gettext(
                    "Minutes of session no. %(number)s of the committee, %(date)s",
                    number=session.number,
                    date=session.held_on.strftime("%d/%m/%Y"),
                )
            )
    return " — ".join(titles)


def minutes_pdf(session: CommitteeSession) -> bytes:
    """The minutes: members and attendance, the quorum, each decision with its vote or reason,
    each province's quota before and after, the signatures."""
    decisions = db.session.scalars(
        select(Decision)
        .where(Decision.session_id == session.id)
        .join(Decision.application)
        .options(joinedload(Decision.application).joinedload(Application.organisation))
        .order_by(Application.province_id, Application.number)
    ).all()
    return render_pdf(
        "pdf/minutes.html",
        {
            "session": session,
            "decisions": decisions,
            "quorum": quorum(session),
        },
        title=minutes_title(session),
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

"""The application's life cycle: one table of transitions, applied with a compare-and-set."""

from sqlalchemy import update

from portal.applications.models import Application, Status
from portal.extensions import db
from portal.timeutil import utcnow

S = Status
BEFORE_DECISION = {
    S.DRAFT,
    S.SUBMITTED,
    S.ELIGIBLE,
    S.INELIGIBLE,
    S.IN_REVIEW,
    S.CHANGES_REQUESTED,
    S.RECOMMENDED,
    S.NOT_RECOMMENDED,
    S.DEFERRED,
}

# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[set[Status], Status]] = {
    "submit": ({S.DRAFT, S.CHANGES_REQUESTED}, S.SUBMITTED),
    "mark_eligible": ({S.SUBMITTED}, S.ELIGIBLE),
    "mark_ineligible": ({S.SUBMITTED}, S.INELIGIBLE),
    "request_changes": ({S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE, S.IN_REVIEW}, S.CHANGES_REQUESTED),
    "withdraw": (BEFORE_DECISION - {S.DRAFT}, S.WITHDRAWN),
    "assign": ({S.ELIGIBLE, S.IN_REVIEW}, S.IN_REVIEW),
    # A staff override of a rule can change the overall outcome of the latest report.
    "override_eligible": ({S.INELIGIBLE}, S.ELIGIBLE),
    "override_ineligible": ({S.ELIGIBLE}, S.INELIGIBLE),
    "recommend": ({S.ELIGIBLE, S.IN_REVIEW}, S.RECOMMENDED),
    "not_recommend": ({S.ELIGIBLE, S.IN_REVIEW}, S.NOT_RECOMMENDED),
    # Applied when a committee session closes, for each decision it holds.
    "approve": ({S.RECOMMENDED, S.NOT_RECOMMENDED, S.DEFERRED}, S.APPROVED),
    "reject": ({S.RECOMMENDED, S.NOT_RECOMMENDED, S.DEFERRED}, S.REJECTED),
    "defer": ({S.RECOMMENDED, S.NOT_RECOMMENDED, S.DEFERRED}, S.DEFERRED),
    # The worker stored the agreement's PDF; staff confirmed the partner's signed copy.
    "issue_agreement": ({S.APPROVED}, S.AGREEMENT_ISSUED),
    "sign_agreement": ({S.AGREEMENT_ISSUED}, S.AGREEMENT_SIGNED),
    # Staff revoked the agreement: its jobs go back to the province's quota.
    "revoke_agreement": ({S.APPROVED, S.AGREEMENT_ISSUED, S.AGREEMENT_SIGNED}, S.AGREEMENT_REVOKED),
}


class TransitionRefused(Exception):
    """The application was not in a status that allows the action (or changed meanwhile)."""


def allowed(application: Application, action: str) -> bool:
    return application.status in TRANSITIONS[action][0]


def transition(application: Application, action: str, **values) -> Status:
    """Move the application with `UPDATE ... WHERE status IN (...)`; refuse if someone else
    moved it first. Other columns in `values` change in the same statement."""
    sources, target = TRANSITIONS[action]
    changed = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status.in_(sources))
        .values(status=target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise TransitionRefused(action)
    db.session.refresh(application)
    return target

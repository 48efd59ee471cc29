"""The application's life cycle: one table of transitions, applied with a compare-and-set."""

from typing import NamedTuple

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from portal.applications.models import Application, Status, StatusCount
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
    # The agreement's work is over and accounted for (portal.closeout decides when).
    "close": ({S.AGREEMENT_SIGNED}, S.CLOSED),
}


class TransitionRefused(Exception):
    """The application was not in a status that allows the action (or changed meanwhile)."""


def allowed(application: Application, action: str) -> bool:
    return application.status in TRANSITIONS[action][0]


def transition(application: Application, action: str, **values) -> Status:
    """Move the application with `UPDATE ... WHERE status IN (...)`; refuse if someone else
    moved it first. Other columns in `values` change in the same statement, and the counts
    move with it."""
    sources, target = TRANSITIONS[action]
    stored = locked(application)
    changes = {"status": str(target), "updated_at": utcnow(), **values}
    changed = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status.in_(sources))
        .values(**changes)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise TransitionRefused(action)
    # The object takes what was written, as loaded: no second read of the row.
    for column, value in changes.items():
        set_committed_value(application, column, value)
    recount(stored, changes)
    return target


# The counts per call, province and status


class Counted(NamedTuple):
    """What an application adds to the counts: nothing until it is numbered (submitted)."""

    call_id: int
    province_id: int
    status: str
    numbered: bool
    jobs_requested: int
    jobs_granted: int


def _counted(row: dict) -> Counted:
    return Counted(
        row["call_id"],
        row["province_id"],
        row["status"],
        row["number"] is not None,
        row["jobs_requested"] or 0,
        row["jobs_granted"] or 0,
    )


def locked(application: Application) -> dict:
    """The application's counted columns as stored, its row locked until the commit (FOR
    UPDATE), so that what it counted before a change is known exactly."""
    return dict(
        db.session.execute(
            select(
                Application.call_id,
                Application.province_id,
                Application.status,
                Application.number,
                Application.jobs_requested,
                Application.jobs_granted,
            )
            .where(Application.id == application.id)
            .with_for_update()
        )
        .one()
        ._mapping
    )


def recount(stored: dict, changes: dict) -> None:
    """Move the counts from what an application counted as `stored` (`locked`) to what it
    counts with `changes`, in one statement (an upsert adding the differences)."""
    before, after = _counted(stored), _counted(stored | changes)
    deltas: dict[tuple, list[int]] = {}
    for side, sign in ((before, -1), (after, 1)):
        if side.numbered:
            key = (side.call_id, side.province_id, side.status)
            delta = deltas.setdefault(key, [0, 0, 0])
            for i, value in enumerate((1, side.jobs_requested, side.jobs_granted)):
                delta[i] += sign * value
    rows = [
        {
            "call_id": call_id,
            "province_id": province_id,
            "status": status,
            "applications": n,
            "jobs_requested": requested,
            "jobs_granted": granted,
        }
        # In key order, so two transactions take the rows' locks in the same order.
        for (call_id, province_id, status), (n, requested, granted) in sorted(deltas.items())
        if (n, requested, granted) != (0, 0, 0)
    ]
    if not rows:
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(StatusCount).values(rows)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["call_id", "province_id", "status"],
            set_={
                column: getattr(StatusCount, column) + getattr(statement.excluded, column)
                for column in ("applications", "jobs_requested", "jobs_granted")
            },
        )
    )


def rebuild_counts() -> int:
    """The counts computed again from the applications (after a bulk load, or to check them):
    the number of rows written."""
    db.session.execute(delete(StatusCount))
    grouped = (
        select(
            Application.call_id,
            Application.province_id,
            Application.status,
            func.count(Application.id),
            func.coalesce(func.sum(Application.jobs_requested), 0),
            func.coalesce(func.sum(Application.jobs_granted), 0),
        )
        .where(Application.number.is_not(None))
        .group_by(Application.call_id, Application.province_id, Application.status)
    )
    columns = ["call_id", "province_id", "status", "applications"]
    columns += ["jobs_requested", "jobs_granted"]
    return db.session.execute(insert(StatusCount).from_select(columns, grouped)).rowcount

"""The dashboard's counts per call, province and status move with every transition: what a
journey changes in them equals what it changes in the counts computed again from the
applications (the database may hold other tests' rows, so differences are compared)."""

from collections import Counter

from sqlalchemy import select

from portal.applications import services
from portal.applications.lifecycle import rebuild_counts
from portal.applications.models import Application, StatusCount
from portal.auth.models import User
from portal.extensions import db
from tests.support.agreements import approve_in_session, submitted


def _rows() -> Counter:
    counts = Counter()
    for c in db.session.scalars(select(StatusCount)):
        key = (c.call_id, c.province_id, c.status)
        counts[(*key, "n")] = c.applications
        counts[(*key, "requested")] = c.jobs_requested
        counts[(*key, "granted")] = c.jobs_granted
    return counts


def both(app) -> tuple[Counter, Counter]:
    """(the counts as kept, the counts computed again)."""
    with app.app_context():
        kept = _rows()
        rebuild_counts()
        rebuilt = _rows()
        db.session.rollback()
    return kept, rebuilt


def change(before: Counter, after: Counter) -> dict:
    return {k: after[k] - before[k] for k in before | after if after[k] != before[k]}


def test_a_journey_moves_the_counts_as_the_applications_move(app):
    kept_before, rebuilt_before = both(app)
    first, owner, _client = submitted(app, 1)  # through HTTP: submitted, then checked
    second, _owner, _client = submitted(app, 1)
    with app.app_context():
        services.withdraw(
            db.session.get(Application, second), "Plus besoin", by=db.session.get(User, owner.id)
        )
        db.session.commit()
    approve_in_session(app, [first])
    kept_after, rebuilt_after = both(app)
    moved = change(kept_before, kept_after)
    assert moved == change(rebuilt_before, rebuilt_after)
    with app.app_context():
        application = db.session.get(Application, first)
        key = (application.call_id, application.province_id)
    # Approved, then its agreement issued by the (eager) worker; checked, then withdrawn.
    assert moved[(*key, "agreement_issued", "n")] == 1
    assert moved[(*key, "agreement_issued", "granted")] == application.jobs_granted > 0
    assert (*key, "eligible", "n") not in moved
    assert moved[(*key, "withdrawn", "n")] == 1

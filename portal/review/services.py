"""Assigning a reviewer, scoring, recommending, commenting: every write audited."""

from sqlalchemy import select, update

from portal.access import Role, can, policy
from portal.applications.lifecycle import transition
from portal.applications.models import Application, Submission
from portal.audit.services import record
from portal.auth.models import StaffProvince, User, UserRole
from portal.eligibility.engine import Outcome as RuleOutcome
from portal.eligibility.engine import combine
from portal.extensions import db
from portal.organisations.models import Membership
from portal.review.models import Comment, Recommendation, Review
from portal.timeutil import utcnow


class NotAssignable(Exception):
    """The person cannot review this application (conflict of interest or wrong role)."""


def reviewers_for(application: Application) -> list[User]:
    """Technical-committee members covering the province who are not members of the applicant."""
    members = select(Membership.user_id).where(
        Membership.organisation_id == application.organisation_id
    )
    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(StaffProvince, StaffProvince.user_id == User.id)
        .where(
            UserRole.role == Role.TECHNICAL_COMMITTEE,
            StaffProvince.province_id == application.province_id,
            User.active.is_(True),
            User.id.not_in(members),
        )
        .order_by(User.full_name)
    ).all()


def active_reviews(applications: list[Application]) -> dict[int, Review]:
    """The active review of each application, in one query."""
    ids = [a.id for a in applications]
    return {
        r.application_id: r
        for r in db.session.scalars(
            select(Review).where(Review.application_id.in_(ids), Review.active.is_(True))
        )
    }


def active_review(application: Application) -> Review | None:
    return application.active_review


@policy(Application, actions=("review", "request_changes", "override"))
def review_policy(user: User, action: str, application: Application) -> bool:
    """Staff who see the application: its reviewer scores it; the reviewer or the secretariat
    asks for changes or overrides a rule."""
    if not user.is_staff or not can(user, "view", application):
        return False
    review = active_review(application)
    is_reviewer = review is not None and review.reviewer_id == user.id
    if action == "review":
        return is_reviewer and user.has_role(Role.TECHNICAL_COMMITTEE)
    return user.has_role(Role.SECRETARIAT) or is_reviewer


def assign(application: Application, reviewer: User, *, by: User) -> Review:
    if reviewer not in reviewers_for(application):
        raise NotAssignable(reviewer.id)
    current = active_review(application)
    if current is not None and current.reviewer_id == reviewer.id:
        return current  # the same person again: keep their scores and declaration
    db.session.execute(
        update(Review).filter_by(application_id=application.id, active=True).values(active=False)
    )
    review = Review(application_id=application.id, reviewer_id=reviewer.id, assigned_by_id=by.id)
    db.session.add(review)
    db.session.flush()
    db.session.expire(application, ["active_review"])
    transition(application, "assign")
    record(
        "review.assigned",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"reviewer": reviewer.full_name},
    )
    return review


class ConflictNotDeclared(Exception):
    """A reviewer saves nothing before declaring that they have no conflict of interest."""


class RecommendationMissing(Exception):
    """A review is handed in with a recommendation."""


def save_review(
    application: Application,
    review: Review,
    *,
    no_conflict: bool,
    scores: dict,
    note: str,
    by: User,
    recommendation: str | None = None,
    hand_in: bool = False,
) -> None:
    """Save a reviewer's work in one step, audited: the declaration of no conflict (first
    time), the scores and the note, and, when the review is handed in, its recommendation,
    which moves the application (TransitionRefused if its status no longer allows it)."""
    if review.no_conflict_declared_at is None:
        if not no_conflict:
            raise ConflictNotDeclared(review.id)
        review.no_conflict_declared_at = utcnow()
        record("review.no_conflict_declared", actor=by, obj=review)
    if hand_in and not recommendation:
        raise RecommendationMissing(review.id)
    review.scores = scores
    review.total = sum(int(s["score"]) for s in scores.values() if s.get("score") is not None)
    review.note = note
    record(
        "review.scores_saved",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"total": review.total},
    )
    if not hand_in:
        return
    action = "recommend" if recommendation == Recommendation.RECOMMEND else "not_recommend"
    transition(application, action)
    review.recommendation = recommendation
    review.submitted_at = utcnow()
    record(
        f"review.{action}",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"total": review.total, "note": review.note},
    )


def comment(application: Application, body: str, *, by: User) -> Comment:
    note = Comment(application_id=application.id, author_id=by.id, body=body)
    db.session.add(note)
    record("review.commented", actor=by, obj=application)
    return note


def comments(application: Application) -> list[Comment]:
    return db.session.scalars(
        select(Comment).filter_by(application_id=application.id).order_by(Comment.id)
    ).all()


def changes_between(application: Application) -> list[dict]:
    """What changed from the previous submission to the latest: field, before, after."""
    submissions = db.session.scalars(
        select(Submission)
        .filter_by(application_id=application.id)
        .order_by(Submission.sequence.desc())
        .limit(2)
    ).all()
    if len(submissions) < 2:
        return []
    after, before = (_flatten(s.data["application"]["details"]) for s in submissions)
    after_docs = {d["kind"]: d["sha256"] for d in submissions[0].data["documents"]}
    before_docs = {d["kind"]: d["sha256"] for d in submissions[1].data["documents"]}
    rows = [
        {"field": key, "before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    rows += [
        {
            "field": f"document:{kind}",
            "before": before_docs.get(kind),
            "after": after_docs.get(kind),
        }
        for kind in sorted(set(before_docs) | set(after_docs))
        if before_docs.get(kind) != after_docs.get(kind)
    ]
    return rows


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i + 1), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    flat = {}
    for key, inner in items:
        flat |= _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    return flat


def override_rule(
    application: Application, rule: str, outcome: str, reason: str, *, by: User
) -> str:
    """Change one rule's outcome on the latest report, with a reason; the overall outcome is
    recomputed and the application moves between eligible and ineligible if it changes."""
    submission = application.submissions[-1]
    report = submission.reports[-1]
    if rule not in {r["rule"] for r in report.results}:
        raise KeyError(rule)
    report.overrides = {
        **(report.overrides or {}),
        rule: {
            "outcome": outcome,
            "reason": reason,
            "by": by.full_name,
            "at": utcnow().isoformat(),
        },
    }
    before = report.outcome
    report.outcome = combine(
        [RuleOutcome(r["rule"], r["outcome"]) for r in report.effective_results()]
    )
    application.eligibility_outcome = report.outcome
    if before != report.outcome:
        if report.outcome == "fail" and application.status == "eligible":
            transition(application, "override_ineligible")
        elif before == "fail" and application.status == "ineligible":
            transition(application, "override_eligible")
    record(
        "review.rule_overridden",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={
            "rule": rule,
            "outcome": outcome,
            "reason": reason,
            "report_outcome": report.outcome,
        },
    )
    return report.outcome


def set_flag(application: Application, reason: str | None, *, by: User) -> None:
    """Flag an application for attention (a reason), or clear the flag (None)."""
    application.flag = reason or None
    record(
        "review.flagged" if reason else "review.unflagged",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"reason": reason},
    )

"""Field visits (rules M-VISIT-MIN and M-HEADCOUNT of the execution brief): the province's
secretariat plans a visit of a signed agreement's worksite or employer for a day, with an
inspector of the province (a member of its secretariat or technical committee); the inspector,
or the secretariat, records it. A head-count gap past the edition's threshold flags the
month's statement for review — at once when it is open, else when it is opened. Services
change rows, write their audit events and only flush."""

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import Role, can, policy
from portal.agreements.models import Agreement, AgreementStatus
from portal.applications.models import Application, Status
from portal.audit.services import record
from portal.auth.models import StaffProvince, User, UserRole
from portal.beneficiaries.models import Contract, ContractStatus
from portal.calls.models import Call, Edition
from portal.core.scope import in_provinces, manages_province
from portal.documents import photos as photo_checks
from portal.extensions import db
from portal.monitoring import rules
from portal.monitoring.models import MonitoringVisit, VisitPhoto, VisitStatus
from portal.organisations.models import Membership
from portal.payroll import statements
from portal.payroll.models import MonthlyStatement, ReviewReason
from portal.payroll.rules import period_of
from portal.storage import put
from portal.timeutil import local_date, utcnow

# The staff of a province who inspect: its secretariat and its technical committee.
INSPECTORS = (Role.SECRETARIAT, Role.TECHNICAL_COMMITTEE)
# Contracts the partner declares on a day: validated ones, and ended ones whose dates hold it.
DECLARED = (ContractStatus.VALIDATED, ContractStatus.ENDED)
# Applications whose agreement is (or was) running: their worksites are visited and counted.
RUNNING = (Status.AGREEMENT_SIGNED, Status.CLOSED)
TEXT_MAX = 2000
HEADCOUNT_MAX = 10_000


class VisitRefused(Exception):
    """Nothing was written. `reason`: not_signed, not_inspector, not_planned, not_done,
    future, no_follow_up, follow_up_before, too_many_photos."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Settings


def monitoring_settings(application: Application) -> dict:
    return settings_of(application.call.edition)


def settings_of(edition: Edition) -> dict:
    """The edition's `[monitoring]` table, with the defaults of the brief."""
    settings = edition.parameters.get("monitoring") or {}
    return {
        "visits_per_worksite": int(settings.get("visits_per_worksite", 1)),
        "headcount_gap": float(settings.get("headcount_gap", 0.20)),
        "keep_location": settings.get("keep_location") is True,
        "photos_max": int(settings.get("photos_max", 6)),
        "photo_max_bytes": int(float(settings.get("photo_max_mb", 8)) * 1024 * 1024),
        "checklist": [
            {"code": str(item["code"]), "ar": str(item["ar"]), "fr": str(item["fr"])}
            for item in settings.get("checklist") or []
        ],
    }


# Access


def _is_inspector(user: User, province_id: int) -> bool:
    return (
        user.is_staff
        and user.has_role(Role.TECHNICAL_COMMITTEE)
        and province_id in user.province_ids
    )


def _sees_visits(user: User, province_id: int) -> bool:
    return manages_province(user, province_id) or _is_inspector(user, province_id)


@policy(MonitoringVisit)
def visit_policy(user: User, action: str, visit: MonitoringVisit) -> bool:
    """The province's secretariat (and the admin) and its technical committee see the visits;
    the secretariat records any, a member of the committee the ones they inspect; a follow-up
    is marked done by the secretariat or the inspector."""
    if not _sees_visits(user, visit.province_id):
        return False
    if action == "view":
        return True
    in_charge = manages_province(user, visit.province_id) or visit.inspector_id == user.id
    if action == "record":
        return in_charge and visit.status == VisitStatus.PLANNED
    if action == "add_photos":
        return in_charge and visit.status == VisitStatus.DONE
    if action == "close_follow_up":
        return (
            in_charge
            and visit.status == VisitStatus.DONE
            and visit.follow_up_due is not None
            and visit.follow_up_done_at is None
        )
    return False


@policy(Agreement, actions=("visits", "plan_visit"))
def agreement_visits_policy(user: User, action: str, agreement: Agreement) -> bool:
    """The province's secretariat and technical committee see an agreement's visits; the
    secretariat plans them, on a signed agreement."""
    province_id = agreement.application.province_id
    if not can(user, "view", agreement) or not _sees_visits(user, province_id):
        return False
    if action == "visits":
        return True
    return manages_province(user, province_id) and agreement.status == AgreementStatus.SIGNED


def sees_visits_somewhere(user: User) -> bool:
    """The list of visits: the secretariat, the admin and the technical committee."""
    return user.is_staff and user.has_role(*INSPECTORS, Role.ADMIN)


# Planning


def inspectors_for(application: Application) -> list[User]:
    """Active staff of the province in its secretariat or technical committee, members of the
    visited organisation left out."""
    members = select(Membership.user_id).where(
        Membership.organisation_id == application.organisation_id
    )
    return db.session.scalars(
        select(User)
        .join(StaffProvince, StaffProvince.user_id == User.id)
        .where(
            User.is_staff.is_(True),
            User.active.is_(True),
            StaffProvince.province_id == application.province_id,
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(INSPECTORS))),
            User.id.not_in(members),
        )
        .order_by(User.full_name, User.id)
    ).all()


def plan_visit(agreement: Agreement, planned_on: date, inspector: User, *, by: User):
    """A planned visit of the agreement's worksite or employer."""
    if agreement.status != AgreementStatus.SIGNED:
        raise VisitRefused("not_signed")
    application = agreement.application
    if inspector.id not in {user.id for user in inspectors_for(application)}:
        raise VisitRefused("not_inspector")
    visit = MonitoringVisit(
        application_id=application.id,
        agreement_id=agreement.id,
        province_id=application.province_id,
        status=VisitStatus.PLANNED,
        planned_on=planned_on,
        inspector_id=inspector.id,
        planned_by_id=by.id,
    )
    db.session.add(visit)
    db.session.flush()
    record(
        "visit.planned",
        actor=by,
        obj=visit,
        organisation_id=application.organisation_id,
        after={"planned_on": planned_on.isoformat(), "inspector_id": inspector.id},
    )
    return visit


# Recording


def declared_headcount(application_id: int, on: date) -> int:
    """The contracts the partner declares on the agreement that day (pre-fills the visit)."""
    return db.session.scalar(
        select(func.count(Contract.id)).where(
            Contract.application_id == application_id,
            Contract.status.in_(DECLARED),
            Contract.start_date <= on,
            func.coalesce(Contract.actual_end, Contract.planned_end) >= on,
        )
    )


@dataclass
class VisitRecord:
    done_on: date
    declared: int
    present: int
    checked: set[str] = field(default_factory=set)  # the checklist's codes found in order
    findings: str = ""
    follow_up: str = ""
    follow_up_due: date | None = None
    photos: list[bytes] = field(default_factory=list)


def check_photos(visit: MonitoringVisit, uploads: list[bytes]) -> list[photo_checks.Photo]:
    """Each upload checked by its content and cleaned, or UploadRefused; VisitRefused past the
    number of photos a visit holds."""
    settings = monitoring_settings(visit.application)
    if len(visit.photos) + len(uploads) > settings["photos_max"]:
        raise VisitRefused("too_many_photos")
    return [
        photo_checks.clean_photo(data, max_bytes=settings["photo_max_bytes"]) for data in uploads
    ]


def _attach(visit: MonitoringVisit, cleaned: list[photo_checks.Photo], *, by: User) -> None:
    keep_location = monitoring_settings(visit.application)["keep_location"]
    for photo in cleaned:
        visit.photos.append(
            VisitPhoto(
                sha256=put(photo.data),
                content_type=photo.content_type,
                size=len(photo.data),
                width=photo.width,
                height=photo.height,
                latitude=photo.latitude if keep_location else None,
                longitude=photo.longitude if keep_location else None,
                uploaded_by_id=by.id,
            )
        )


def record_visit(visit: MonitoringVisit, done: VisitRecord, *, by: User) -> MonitoringVisit:
    """The visit as done: checklist, head counts, photos (checked and cleaned first: an
    UploadRefused writes nothing), findings and follow-up; a head-count gap past the
    edition's threshold flags the month's statement (M-HEADCOUNT)."""
    if visit.status != VisitStatus.PLANNED:
        raise VisitRefused("not_planned")
    if done.done_on > local_date():
        raise VisitRefused("future")
    if bool(done.follow_up.strip()) != (done.follow_up_due is not None):
        raise VisitRefused("no_follow_up")
    if done.follow_up_due is not None and done.follow_up_due < done.done_on:
        raise VisitRefused("follow_up_before")
    cleaned = check_photos(visit, done.photos)
    settings = monitoring_settings(visit.application)
    visit.status = VisitStatus.DONE
    visit.done_on = done.done_on
    visit.recorded_at = utcnow()
    visit.recorded_by_id = by.id
    visit.checklist = [
        {**item, "ok": item["code"] in done.checked} for item in settings["checklist"]
    ]
    visit.headcount_declared = done.declared
    visit.headcount_present = done.present
    visit.gap_threshold = settings["headcount_gap"]
    visit.headcount_flagged = rules.has_gap(done.declared, done.present, settings["headcount_gap"])
    visit.findings = done.findings.strip() or None
    visit.follow_up = done.follow_up.strip() or None
    visit.follow_up_due = done.follow_up_due
    _attach(visit, cleaned, by=by)
    db.session.flush()
    record(
        "visit.recorded",
        actor=by,
        obj=visit,
        organisation_id=visit.application.organisation_id,
        after={
            "done_on": done.done_on.isoformat(),
            "declared": done.declared,
            "present": done.present,
            "flagged": visit.headcount_flagged,
            "photos": len(cleaned),
        },
    )
    if visit.headcount_flagged:
        statement = statements.find(visit.application_id, period_of(done.done_on))
        if statement is not None:
            flag_statement(statement, visit)
    return visit


def add_photos(visit: MonitoringVisit, uploads: list[bytes], *, by: User) -> int:
    """More photos of a visit done: each checked and cleaned (UploadRefused writes nothing)."""
    if visit.status != VisitStatus.DONE:
        raise VisitRefused("not_done")
    cleaned = check_photos(visit, uploads)
    _attach(visit, cleaned, by=by)
    db.session.flush()
    record(
        "visit.photos_added",
        actor=by,
        obj=visit,
        organisation_id=visit.application.organisation_id,
        after={"photos": len(cleaned)},
    )
    return len(cleaned)


def close_follow_up(visit: MonitoringVisit, *, by: User) -> None:
    visit.follow_up_done_at = utcnow()
    visit.follow_up_done_by_id = by.id
    record(
        "visit.follow_up_done",
        actor=by,
        obj=visit,
        organisation_id=visit.application.organisation_id,
    )


# M-HEADCOUNT: the month's statement


def flag_statement(statement: MonthlyStatement, visit: MonitoringVisit) -> bool:
    return statements.flag_for_review(
        statement,
        ReviewReason.HEADCOUNT_GAP,
        {
            "visit_id": visit.id,
            "visited_on": visit.done_on.isoformat(),
            "declared": visit.headcount_declared,
            "present": visit.headcount_present,
        },
    )


@statements.on_opened
def flag_opened_statement(statement: MonthlyStatement) -> None:
    """A statement opened after a visit of its month found a gap is flagged as it opens."""
    period = statement.period
    visit = db.session.scalar(
        select(MonitoringVisit)
        .where(
            MonitoringVisit.application_id == statement.application_id,
            MonitoringVisit.headcount_flagged.is_(True),
            MonitoringVisit.done_on >= period,
            MonitoringVisit.done_on < _next_month(period),
        )
        .order_by(MonitoringVisit.done_on, MonitoringVisit.id)
        .limit(1)
    )
    if visit is not None:
        flag_statement(statement, visit)


def _next_month(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


# Reading


def visit_with_photos(visit_id: int) -> MonitoringVisit | None:
    return db.session.scalar(
        select(MonitoringVisit)
        .options(
            selectinload(MonitoringVisit.photos),
            joinedload(MonitoringVisit.inspector),
            joinedload(MonitoringVisit.application).joinedload(Application.organisation),
            joinedload(MonitoringVisit.agreement),
        )
        .where(MonitoringVisit.id == visit_id)
    )


def visits_of(application_id: int) -> list[MonitoringVisit]:
    """The agreement's visits, latest planned first."""
    return db.session.scalars(
        select(MonitoringVisit)
        .options(joinedload(MonitoringVisit.inspector))
        .where(MonitoringVisit.application_id == application_id)
        .order_by(MonitoringVisit.planned_on.desc(), MonitoringVisit.id.desc())
    ).all()


def _listed(user: User, province_id: int | None):
    query = (
        select(MonitoringVisit)
        .options(
            joinedload(MonitoringVisit.inspector),
            joinedload(MonitoringVisit.agreement),
            joinedload(MonitoringVisit.application).joinedload(Application.organisation),
        )
        .where(in_provinces(user, MonitoringVisit.province_id))
    )
    if not user.has_role(Role.ADMIN, Role.SECRETARIAT):  # the committee: its own visits
        query = query.where(MonitoringVisit.inspector_id == user.id)
    if province_id is not None:
        query = query.where(MonitoringVisit.province_id == province_id)
    return query


LIST_MAX = 200


@dataclass
class VisitLists:
    planned: list[MonitoringVisit]
    done: list[MonitoringVisit]
    overdue: list[MonitoringVisit]


def visit_lists(user: User, province_id: int | None, *, today: date | None = None):
    """The visits of the staff member's provinces (or the one chosen): planned (soonest
    first), done (latest first) and those whose follow-up is past its due date."""
    today = today or local_date()
    base = _listed(user, province_id)
    return VisitLists(
        planned=db.session.scalars(
            base.where(MonitoringVisit.status == VisitStatus.PLANNED)
            .order_by(MonitoringVisit.planned_on, MonitoringVisit.id)
            .limit(LIST_MAX)
        ).all(),
        done=db.session.scalars(
            base.where(MonitoringVisit.status == VisitStatus.DONE)
            .order_by(MonitoringVisit.done_on.desc(), MonitoringVisit.id.desc())
            .limit(LIST_MAX)
        ).all(),
        overdue=db.session.scalars(
            base.where(
                MonitoringVisit.status == VisitStatus.DONE,
                MonitoringVisit.follow_up_due < today,
                MonitoringVisit.follow_up_done_at.is_(None),
            )
            .order_by(MonitoringVisit.follow_up_due, MonitoringVisit.id)
            .limit(LIST_MAX)
        ).all(),
    )


# M-VISIT-MIN: made against required


@dataclass
class WorksiteCount:
    application_id: int
    made: int
    required: int
    gap: bool  # a visit found a head-count gap past the threshold


def running_period(application_id: int) -> tuple[date | None, date | None]:
    """The agreement's running period: its first declared contract's start to its last end."""
    return tuple(
        db.session.execute(
            select(
                func.min(Contract.start_date),
                func.max(func.coalesce(Contract.actual_end, Contract.planned_end)),
            ).where(Contract.application_id == application_id, Contract.status.in_(DECLARED))
        ).one()
    )


def worksite_count(
    application: Application, visits: list[MonitoringVisit], *, today: date | None = None
) -> WorksiteCount:
    """Made against required for one agreement, from its visits already read."""
    start, end = running_period(application.id)
    per_month = monitoring_settings(application)["visits_per_worksite"]
    done = [v for v in visits if v.status == VisitStatus.DONE]
    return WorksiteCount(
        application.id,
        len(done),
        rules.required_visits(start, end, today or local_date(), per_month),
        any(v.headcount_flagged for v in done),
    )


@dataclass
class ProvinceVisits:
    """Made against required over a province's running worksites (M-VISIT-MIN), and the
    worksites whose visits found a head-count gap (M-HEADCOUNT)."""

    province_id: int
    worksites: int = 0
    made: int = 0
    required: int = 0
    short: int = 0  # worksites with fewer visits made than required
    with_gap: int = 0


class WorksiteVisits(NamedTuple):
    province_id: int
    made: int
    required: int
    gaps: int  # visits that found a head-count gap


def worksite_visits(
    province_ids: list[int] | None = None, *, today: date | None = None
) -> dict[int, WorksiteVisits]:
    """Per running worksite (application id) of the provinces (all, or those given): visits
    made and required (M-VISIT-MIN), and those that found a head-count gap. Three grouped
    queries whatever the number of worksites."""
    today = today or local_date()
    applications = select(Application.id, Application.province_id, Application.call_id).where(
        Application.status.in_(RUNNING)
    )
    if province_ids is not None:
        applications = applications.where(Application.province_id.in_(province_ids or [-1]))
    rows = db.session.execute(applications).all()
    ids = [row.id for row in rows]
    periods = {
        row.application_id: (row.start, row.end)
        for row in db.session.execute(
            select(
                Contract.application_id,
                func.min(Contract.start_date).label("start"),
                func.max(func.coalesce(Contract.actual_end, Contract.planned_end)).label("end"),
            )
            .where(Contract.application_id.in_(ids), Contract.status.in_(DECLARED))
            .group_by(Contract.application_id)
        )
    }
    visits = {
        row.application_id: (row.made, row.gaps)
        for row in db.session.execute(
            select(
                MonitoringVisit.application_id,
                func.count(MonitoringVisit.id).label("made"),
                func.count(MonitoringVisit.id)
                .filter(MonitoringVisit.headcount_flagged.is_(True))
                .label("gaps"),
            )
            .where(
                MonitoringVisit.application_id.in_(ids),
                MonitoringVisit.status == VisitStatus.DONE,
            )
            .group_by(MonitoringVisit.application_id)
        )
    }
    per_month = _per_month_by_call({row.call_id for row in rows})
    result = {}
    for row in rows:
        start, end = periods.get(row.id, (None, None))
        required = rules.required_visits(start, end, today, per_month[row.call_id])
        made, gaps = visits.get(row.id, (0, 0))
        result[row.id] = WorksiteVisits(row.province_id, made, required, gaps)
    return result


def visit_counts(
    province_ids: list[int] | None = None, *, today: date | None = None
) -> dict[int, ProvinceVisits]:
    """Per province (all, or those given): running worksites, visits made and required, the
    worksites short of visits and those with a head-count gap; for the dashboard."""
    result: dict[int, ProvinceVisits] = {}
    for worksite in worksite_visits(province_ids, today=today).values():
        counts = result.setdefault(worksite.province_id, ProvinceVisits(worksite.province_id))
        counts.worksites += 1
        counts.made += worksite.made
        counts.required += worksite.required
        counts.short += worksite.made < worksite.required
        counts.with_gap += worksite.gaps > 0
    return result


def _per_month_by_call(call_ids: set[int]) -> dict[int, int]:
    """The edition's `visits_per_worksite` of each call, in one query."""
    calls = db.session.scalars(
        select(Call).options(joinedload(Call.edition)).where(Call.id.in_(call_ids))
    )
    return {call.id: settings_of(call.edition)["visits_per_worksite"] for call in calls}

"""The dashboard's figures, each from one aggregate query."""

import statistics
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import case, func, select

from portal.applications.models import Application, Status
from portal.applications.queue import scope
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.core.scope import sees_province
from portal.extensions import db
from portal.geo.models import Province
from portal.timeutil import utcnow

GRANTED = (Status.APPROVED, Status.AGREEMENT_ISSUED, Status.AGREEMENT_SIGNED)
NOT_COUNTED = (Status.DRAFT, Status.WITHDRAWN)


@dataclass
class ProvinceLine:
    province: Province
    allotted: int
    requested: int
    approved: int
    remaining: int  # the quota ledger's, as every decision reads it


def jobs_by_province(call: Call, user: User) -> list[ProvinceLine]:
    """Allotted (the quota), requested and approved jobs of a call, per province in scope."""
    requested = func.coalesce(
        func.sum(
            case((Application.status.not_in(NOT_COUNTED), Application.jobs_requested), else_=0)
        ),
        0,
    )
    approved = func.coalesce(
        func.sum(case((Application.status.in_(GRANTED), Application.jobs_granted), else_=0)), 0
    )
    rows = db.session.execute(
        select(Province, CallProvince.quota_jobs, requested, approved, CallProvince.remaining_jobs)
        .join(CallProvince, CallProvince.province_id == Province.id)
        .outerjoin(
            Application,
            (Application.call_id == CallProvince.call_id)
            & (Application.province_id == Province.id)
            & scope(user),
        )
        .where(CallProvince.call_id == call.id)
        .group_by(Province.id, CallProvince.quota_jobs, CallProvince.committed_jobs)
        .order_by(Province.id)
    )
    lines = [ProvinceLine(p, quota, int(req), int(app), left) for p, quota, req, app, left in rows]
    return [line for line in lines if sees_province(user, line.province.id)]


def by_status(call: Call, user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(Application.status, func.count(Application.id))
        .where(Application.call_id == call.id, scope(user))
        .group_by(Application.status)
    )
    return dict(rows.all())


def median_days_in_status(call: Call, user: User) -> dict[str, float]:
    """For the applications in each status now: the median number of days they have been in
    it (since their last change). PostgreSQL computes the medians; SQLite sends the rows."""
    now = utcnow()
    where = (Application.call_id == call.id, scope(user))
    if db.engine.dialect.name == "postgresql":
        epoch = func.percentile_cont(0.5).within_group(
            func.extract("epoch", Application.updated_at)
        )
        rows = db.session.execute(
            select(Application.status, epoch).where(*where).group_by(Application.status)
        )
        seconds = now.replace(tzinfo=UTC).timestamp()
        return {status: round((seconds - value) / 86400, 1) for status, value in rows}
    days: dict[str, list[float]] = {}
    for status, updated_at in db.session.execute(
        select(Application.status, Application.updated_at).where(*where)
    ):
        days.setdefault(status, []).append((now - updated_at).total_seconds() / 86400)
    return {status: round(statistics.median(values), 1) for status, values in days.items()}

"""The dashboard's figures, from the counts each transition keeps (a few rows a page, whatever
the number of applications) and the quota ledger."""

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.applications.models import Application, Status, StatusCount
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.core.scope import in_provinces, sees_province
from portal.extensions import db
from portal.geo.models import Province
from portal.timeutil import utcnow

GRANTED = (Status.APPROVED, Status.AGREEMENT_ISSUED, Status.AGREEMENT_SIGNED, Status.CLOSED)
NOT_COUNTED = (Status.DRAFT, Status.WITHDRAWN)


@dataclass
class ProvinceLine:
    province: Province
    allotted: int
    remaining: int  # the quota ledger's, as every decision reads it
    requested: int = 0
    approved: int = 0


@dataclass
class Figures:
    lines: list[ProvinceLine]
    statuses: dict[str, int] = field(default_factory=dict)
    longest_days: dict[str, int] = field(default_factory=dict)  # the longest wait per status

    @property
    def totals(self) -> dict[str, int]:
        return {
            "allotted": sum(line.allotted for line in self.lines),
            "requested": sum(line.requested for line in self.lines),
            "approved": sum(line.approved for line in self.lines),
        }


def figures(call: Call, user: User) -> Figures:
    """Jobs allotted, requested and approved per province in the user's scope, applications per
    status, and how long the longest-waiting application of each status has been in it."""
    ledger = db.session.execute(
        select(Province, CallProvince.quota_jobs, CallProvince.remaining_jobs)
        .join(CallProvince, CallProvince.province_id == Province.id)
        .where(CallProvince.call_id == call.id)
        .order_by(Province.id)
    )
    lines = {
        province.id: ProvinceLine(province, quota, remaining)
        for province, quota, remaining in ledger
        if sees_province(user, province.id)
    }
    result = Figures(list(lines.values()))
    # The oldest last change of each count's applications: one probe of an index per row.
    oldest = (
        select(Application.updated_at)
        .where(
            Application.call_id == StatusCount.call_id,
            Application.province_id == StatusCount.province_id,
            Application.status == StatusCount.status,
            Application.number.is_not(None),
        )
        .order_by(Application.updated_at)
        .limit(1)
        .correlate(StatusCount)
        .scalar_subquery()
    )
    now = utcnow()
    for count, since in db.session.execute(
        select(StatusCount, oldest).where(
            StatusCount.call_id == call.id,
            StatusCount.applications > 0,
            in_provinces(user, StatusCount.province_id),
        )
    ):
        line = lines.get(count.province_id)
        if line is None:
            continue
        if count.status not in NOT_COUNTED:
            line.requested += count.jobs_requested
        if count.status in GRANTED:
            line.approved += count.jobs_granted
        result.statuses[count.status] = result.statuses.get(count.status, 0) + count.applications
        if since is not None:
            days = (now - since).days
            result.longest_days[count.status] = max(result.longest_days.get(count.status, 0), days)
    return result

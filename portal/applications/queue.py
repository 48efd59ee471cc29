"""The staff queue: applications in the provinces a staff member covers, filtered and sorted.

A fixed number of queries whatever the number of rows: one page of rows with their
organisation, call and province joined, and the counts per province and status (which give the
total). Filtered by call, component, province or status only, the counts are read from the
`application_count` rows the transitions keep (a few rows whatever the number of
applications); a search, an outcome or the flagged filter counts the applications they match.
"""

from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from portal.applications.models import Application, Status, StatusCount
from portal.auth.models import User
from portal.calls.models import Call
from portal.core.scope import in_provinces
from portal.extensions import db
from portal.geo.models import Province
from portal.organisations.models import Organisation

PAGE_SIZE = 50
SORTS = {
    "updated": Application.updated_at.desc(),
    "number": Application.number.asc(),
    "organisation": Organisation.name_fr.asc(),
    "submitted": Application.first_submitted_at.asc(),
}


@dataclass
class Filters:
    call: int | None = None
    component: int | None = None
    province: int | None = None
    status: str | None = None
    outcome: str | None = None
    q: str = ""
    flagged: bool = False
    sort: str = "updated"
    page: int = 1

    def without_place(self) -> "Filters":
        """The same filters but the province and the status, which the counts are grouped by."""
        return replace(self, province=None, status=None)


def scope(user: User):
    """Submitted applications (drafts are the applicant's own) in the user's provinces."""
    return Application.number.is_not(None) & in_provinces(user, Application.province_id)


def _filtered(user: User, filters: Filters):
    conditions = [scope(user)]
    if filters.call:
        conditions.append(Application.call_id == filters.call)
    if filters.component:
        conditions.append(Application.component == filters.component)
    if filters.province:
        conditions.append(Application.province_id == filters.province)
    if filters.outcome:
        conditions.append(Application.eligibility_outcome == filters.outcome)
    if filters.flagged:
        conditions.append(Application.flag.is_not(None))
    if filters.status:
        conditions.append(Application.status == filters.status)
    if filters.q:
        pattern = f"%{filters.q.strip()[:100]}%"
        conditions.append(
            or_(
                Organisation.name_ar.ilike(pattern),
                Organisation.name_fr.ilike(pattern),
                Application.number.ilike(pattern),
            )
        )
    return conditions


def page(user: User, filters: Filters, total: int):
    """One page of rows (Flask-SQLAlchemy pagination) with their related rows joined; `total`
    comes from the counts per status, so the rows are not counted twice."""
    query = (
        select(Application)
        .join(Application.organisation)
        .join(Application.call)
        .join(Application.province)
        .options(
            contains_eager(Application.organisation),
            contains_eager(Application.call),
            contains_eager(Application.province),
        )
        .where(*_filtered(user, filters))
        .order_by(SORTS.get(filters.sort, SORTS["updated"]), Application.id.desc())
    )
    pagination = db.paginate(
        query, page=max(filters.page, 1), per_page=PAGE_SIZE, error_out=False, count=False
    )
    pagination.total = total
    return pagination


Counts = dict[tuple[int, str], int]
"""Applications per (province id, status) under the filters other than those two."""


def counts(user: User, filters: Filters) -> Counts:
    """One statement: from the kept counts when the filters allow, else over the applications."""
    if filters.q or filters.outcome or filters.flagged:
        query = select(Application.province_id, Application.status, func.count()).where(
            *_filtered(user, filters.without_place())
        )
        if filters.q:  # the search looks at the organisation's names
            query = query.join(Application.organisation)
        query = query.group_by(Application.province_id, Application.status)
    else:
        query = select(
            StatusCount.province_id, StatusCount.status, func.sum(StatusCount.applications)
        ).where(in_provinces(user, StatusCount.province_id), StatusCount.applications > 0)
        if filters.call:
            query = query.where(StatusCount.call_id == filters.call)
        if filters.component:
            of_component = select(Call.id).where(Call.component == filters.component)
            query = query.where(StatusCount.call_id.in_(of_component))
        query = query.group_by(StatusCount.province_id, StatusCount.status)
    return {(province_id, status): n for province_id, status, n in db.session.execute(query)}


def sums(counts: Counts, filters: Filters) -> tuple[dict[str, int], dict[int, int]]:
    """The counts per status in the province chosen (or all), and per province in the status
    chosen (or all)."""
    statuses: dict[str, int] = {}
    provinces: dict[int, int] = {}
    for (province_id, status), n in counts.items():
        if not filters.province or province_id == filters.province:
            statuses[status] = statuses.get(status, 0) + n
        if not filters.status or status == filters.status:
            provinces[province_id] = provinces.get(province_id, 0) + n
    return statuses, provinces


def total(counts: dict[str, int], filters: Filters) -> int:
    return counts.get(filters.status, 0) if filters.status else sum(counts.values())


def choices(user: User) -> tuple[list[Call], list[Province]]:
    calls = db.session.scalars(select(Call).order_by(Call.opens_at.desc())).all()
    provinces = select(Province).where(in_provinces(user, Province.id)).order_by(Province.id)
    return calls, db.session.scalars(provinces).all()


STATUSES = [s.value for s in Status if s != Status.DRAFT]

"""The staff queue: applications in the provinces a staff member covers, filtered and sorted.

A fixed number of queries whatever the number of rows: one page of rows with their
organisation, call and province joined, and the counts per status (which give the total).
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from portal.applications.models import Application, Status
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


def scope(user: User):
    """Submitted applications (drafts are the applicant's own) in the user's provinces."""
    return Application.number.is_not(None) & in_provinces(user, Application.province_id)


def _filtered(user: User, filters: Filters, *, with_status: bool = True):
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
    if with_status and filters.status:
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


def counts_by_status(user: User, filters: Filters) -> dict[str, int]:
    query = select(Application.status, func.count()).where(
        *_filtered(user, filters, with_status=False)
    )
    if filters.q:  # the search looks at the organisation's names
        query = query.join(Application.organisation)
    rows = db.session.execute(query.group_by(Application.status))
    return {status: count for status, count in rows}


def total(counts: dict[str, int], filters: Filters) -> int:
    return counts.get(filters.status, 0) if filters.status else sum(counts.values())


def choices(user: User) -> tuple[list[Call], list[Province]]:
    calls = db.session.scalars(select(Call).order_by(Call.opens_at.desc())).all()
    provinces = select(Province).where(in_provinces(user, Province.id)).order_by(Province.id)
    return calls, db.session.scalars(provinces).all()


STATUSES = [s.value for s in Status if s != Status.DRAFT]

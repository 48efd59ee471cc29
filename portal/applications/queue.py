"""The staff queue: applications in the provinces a staff member covers, filtered and sorted.

A fixed number of queries whatever the number of rows: one page of rows with their
organisation, call and province joined, and the counts per province and status (which give the
total). Pages follow one another by keyset (the next page starts after the last row's sort
value and id, read from an index), not by an offset that reads every row before it. Filtered by call, component, province or status only, the counts are read from the
`application_count` rows the transitions keep (a few rows whatever the number of
applications); a search, an outcome or the flagged filter counts the applications they match.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import contains_eager

from portal.applications.models import Application, Status, StatusCount
from portal.auth.models import User
from portal.calls.models import Call
from portal.core.scope import in_provinces
from portal.extensions import db
from portal.geo.models import Province
from portal.organisations.models import Organisation

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    column: Any  # what the rows are ordered by, then by id
    descending: bool
    value: Callable[[Application], Any]  # the same value read from a row, for the next page
    is_time: bool = False


SORTS = {
    "updated": Sort(Application.updated_at, True, lambda a: a.updated_at, is_time=True),
    "number": Sort(Application.number, False, lambda a: a.number),
    "organisation": Sort(Organisation.name_fr, False, lambda a: a.organisation.name_fr),
    # Every numbered application has its first submission's time; created_at stands in otherwise.
    "submitted": Sort(
        func.coalesce(Application.first_submitted_at, Application.created_at),
        False,
        lambda a: a.first_submitted_at or a.created_at,
        is_time=True,
    ),
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
    page: int = 1  # the page's number, shown; where it starts is `after` or `before`
    after: str | None = None  # the previous page's last row
    before: str | None = None  # the next page's first row

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


@dataclass
class Page:
    items: list[Application]
    total: int
    page: int
    has_prev: bool
    has_next: bool
    prev_args: dict
    next_args: dict

    pages: int


def token(sort: Sort, application: Application) -> str:
    """Where a page starts or ends, for the address of the next or previous page."""
    value = sort.value(application)
    return f"{value.isoformat() if sort.is_time else value}|{application.id}"


def _edge(sort: Sort, rows: list[Application], at: int) -> str | None:
    return token(sort, rows[at]) if rows else None


def _boundary(sort: Sort, text: str | None) -> tuple | None:
    """The (sort value, id) a token names; None for no token or a token that makes no sense."""
    if not text:
        return None
    value, _, ident = text.rpartition("|")
    try:
        return (datetime.fromisoformat(value) if sort.is_time else value), int(ident)
    except ValueError:
        return None


def page(user: User, filters: Filters, total: int) -> Page:
    """One page of rows with their related rows joined, after (or before) a boundary row;
    `total` comes from the counts per status, so the rows are not counted twice."""
    sort = SORTS.get(filters.sort, SORTS["updated"])
    backwards = _boundary(sort, filters.before)
    boundary = backwards or _boundary(sort, filters.after)
    descending = sort.descending != bool(backwards)  # a previous page is read in reverse
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
    )
    if boundary is not None:
        key, start = tuple_(sort.column, Application.id), tuple_(*boundary)
        query = query.where(key < start if descending else key > start)
    order = [sort.column, Application.id]
    query = query.order_by(*(c.desc() if descending else c.asc() for c in order))
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    number = min(max(filters.page, 1), pages) if boundary is not None else 1
    return Page(
        items=rows,
        total=total,
        page=number,
        pages=pages,
        has_prev=more if backwards else boundary is not None,
        has_next=bool(rows) and (bool(backwards) or more),
        prev_args={"page": number - 1, "after": None, "before": _edge(sort, rows, 0)},
        next_args={"page": number + 1, "before": None, "after": _edge(sort, rows, -1)},
    )


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

"""The staff queue: province scope, filters, counts, and a number of queries that does not grow."""

import html
import re
import uuid

import pytest

from portal.applications.models import Application
from portal.extensions import db
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    login,
    post,
)
from tests.support.applications import bulk_applications, fill_component1, start
from tests.support.queries import count_queries


def submitted(app, province: str, name_fr: str):
    owner = create_user(app)
    organisation = create_organisation(app, owner, name_fr=name_fr, province=province)
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    application_id, province_id = start(app, client, organisation, 1, province=province)
    fill_component1(app, client, application_id, province_id)
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    with app.app_context():
        return db.session.get(Application, application_id).number, application_id


def test_staff_see_only_their_provinces(app):
    number_guelmim, guelmim_id = submitted(app, "Guelmim", "Coopérative Tighmert")
    number_tantan, tantan_id = submitted(app, "Tan-Tan", "Association Ouatia")
    tantan = app.test_client()
    login(tantan, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    page = tantan.get("/backoffice/applications/").get_data(as_text=True)
    assert number_tantan in page and number_guelmim not in page
    assert tantan.get(f"/backoffice/applications/{guelmim_id}").status_code == 404
    assert tantan.get(f"/backoffice/applications/{tantan_id}").status_code == 200
    admin = app.test_client()
    login(admin, create_staff(app, "admin"))
    page = admin.get("/backoffice/applications/").get_data(as_text=True)
    assert number_tantan in page and number_guelmim in page


def test_search_filters_and_counts(app):
    number, application_id = submitted(app, "Assa-Zag", f"Association Zag {uuid.uuid4().hex[:6]}")
    client = app.test_client()
    login(client, create_staff(app, "technical_committee", provinces=("Assa-Zag",)))
    by_number = client.get("/backoffice/applications/", query_string={"q": number})
    assert number in by_number.get_data(as_text=True)
    by_name = client.get("/backoffice/applications/", query_string={"q": "zag"})
    assert number in by_name.get_data(as_text=True)
    none = client.get("/backoffice/applications/", query_string={"status": "withdrawn"}).get_data(
        as_text=True
    )
    assert number not in none and "مؤهل، في انتظار الدراسة: <strong>" in none
    page = client.get(f"/backoffice/applications/{application_id}").get_data(as_text=True)
    assert "C1-ORG-FORM" in page and "/documents/" in page


def test_drafts_never_show_in_the_queue(app):
    owner = create_user(app)
    organisation = create_organisation(
        app, owner, name_fr="Brouillon seulement", province="Guelmim"
    )
    client = app.test_client()
    login(client, owner)
    draft_id, _ = start(app, client, organisation, 1, province="Guelmim")
    admin = app.test_client()
    login(admin, create_staff(app, "admin"))
    assert "Brouillon seulement" not in admin.get("/backoffice/applications/").get_data(
        as_text=True
    )
    assert admin.get(f"/backoffice/applications/{draft_id}").status_code == 404


@pytest.fixture
def many(app):
    """Add `n` submitted applications straight into the table."""
    owner = create_user(app)
    organisation = create_organisation(app, owner, province="Guelmim")
    return lambda n: bulk_applications(app, organisation, owner, n, province="Guelmim")


def test_the_queue_runs_the_same_number_of_queries_with_10_and_1000_applications(app, many):
    client = app.test_client()
    login(client, create_staff(app, "secretariat", provinces=("Guelmim",)))
    counts = []
    for total in (10, 990):
        many(total)
        client.get("/backoffice/applications/")
        with count_queries(app) as queries:
            response = client.get("/backoffice/applications/", query_string={"sort": "number"})
        assert response.status_code == 200
        counts.append(queries["n"])
    assert counts[0] == counts[1]
    assert response.get_data(as_text=True).count("/backoffice/applications/") >= 50


def test_a_flag_with_its_reason_and_the_flagged_filter(app):
    number, application_id = submitted(app, "Guelmim", "Association Flag")
    client = app.test_client()
    login(client, create_staff(app, "secretariat", provinces=("Guelmim",)))
    page = f"/backoffice/applications/{application_id}"
    from tests.support.accounts import csrf_token

    client.post(
        f"{page}/flag",
        data={"reason": "نفس العنوان لهيئتين", "csrf_token": csrf_token(client, page)},
    )
    flagged = client.get("/backoffice/applications/", query_string={"flagged": "1"})
    assert number in flagged.get_data(as_text=True)
    client.post(f"{page}/flag", data={"reason": "", "csrf_token": csrf_token(client, page)})
    assert number not in client.get(
        "/backoffice/applications/", query_string={"flagged": "1"}
    ).get_data(as_text=True)


def _shown(page: str) -> tuple[dict[str, int], dict[int, int]]:
    """(counts per status, counts per province in the filter's options) on a queue page."""
    statuses = re.findall(r'status=([a-z_]+)[^"]*">[^<]*<strong>(\d+)</strong>', page)
    provinces = re.findall(r'<option value="(\d+)"[^>]*>[^<(]*\((\d+)\)</option>', page)
    return {status: int(n) for status, n in statuses}, {int(p): int(n) for p, n in provinces}


def _counted(app, provinces: set[int], **filters) -> tuple[dict[str, int], dict[int, int]]:
    """The same figures counted over the applications."""
    from sqlalchemy import func, select

    from portal.organisations.models import Organisation

    with app.app_context():
        conditions = [Application.number.is_not(None), Application.province_id.in_(provinces)]
        for name in ("call_id", "component", "eligibility_outcome"):
            if name in filters:
                conditions.append(getattr(Application, name) == filters[name])
        query = select(Application.province_id, Application.status, func.count())
        if "q" in filters:
            query = query.join(Application.organisation)
            conditions.append(Organisation.name_fr.ilike(f"%{filters['q']}%"))
        rows = db.session.execute(
            query.where(*conditions).group_by(Application.province_id, Application.status)
        ).all()
    province, status = filters.get("province_id"), filters.get("status")
    statuses: dict[str, int] = {}
    per_province: dict[int, int] = dict.fromkeys(provinces, 0)
    for province_id, row_status, n in rows:
        if province is None or province_id == province:
            statuses[row_status] = statuses.get(row_status, 0) + n
        if status is None or row_status == status:
            per_province[province_id] += n
    return statuses, per_province


def test_the_counts_per_status_and_province_are_the_applications_and_read_the_kept_rows(app, many):
    from portal.geo.models import Province
    from tests.support.accounts import demo_call

    name = f"Association Comptes {uuid.uuid4().hex[:6]}"
    submitted(app, "Guelmim", name)
    submitted(app, "Tan-Tan", name)
    many(30)
    with app.app_context():
        ids = {
            p.name_fr: p.id
            for p in db.session.query(Province).filter(Province.name_fr.in_(("Guelmim", "Tan-Tan")))
        }
    client = app.test_client()
    login(client, create_staff(app, "secretariat", provinces=("Guelmim", "Tan-Tan")))
    call = demo_call(app, 1).id
    cases = [
        ({}, {}),
        ({"province": ids["Tan-Tan"]}, {"province_id": ids["Tan-Tan"]}),
        ({"status": "eligible"}, {"status": "eligible"}),
        ({"call": call, "status": "eligible"}, {"call_id": call, "status": "eligible"}),
        ({"component": 2}, {"component": 2}),
        ({"q": name}, {"q": name}),  # a search counts the applications it matches
        (
            {"outcome": "pass", "province": ids["Guelmim"]},
            {"eligibility_outcome": "pass", "province_id": ids["Guelmim"]},
        ),
    ]
    for query_string, filters in cases:
        with count_queries(app) as queries:
            page = client.get("/backoffice/applications/", query_string=query_string)
        assert page.status_code == 200
        assert _shown(page.get_data(as_text=True)) == _counted(app, set(ids.values()), **filters)
        counting = [sql for sql in queries["sql"] if "count(" in sql.lower()]
        grouped = [sql for sql in queries["sql"] if "GROUP BY" in sql]
        assert len(grouped) == 1, query_string
        kept = "FROM application_count" in grouped[0]
        assert kept == (not {"q", "outcome"} & set(query_string)), (query_string, grouped[0])
        assert counting == ([] if kept else grouped)


def _rows_and_links(client, url: str) -> tuple[list[int], str | None, str | None]:
    """(the application ids on a page, the next page's address, the previous page's)."""
    page = client.get(url).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'href="/backoffice/applications/(\d+)"', page)]
    nav = page.partition('<nav class="pagination"')[2]
    links = [html.unescape(h) for h in re.findall(r'<a href="([^"]+)"', nav)]
    after = next((h for h in links if "after=" in h), None)
    before = next((h for h in links if "before=" in h), None)
    return ids, after, before


@pytest.mark.parametrize("sort", ["updated", "number", "organisation", "submitted"])
def test_pages_follow_one_another_by_keyset_each_row_once_forward_and_back(app, many, sort):
    many(120)  # ties on the sort value included: the id breaks them
    client = app.test_client()
    login(client, create_staff(app, "secretariat", provinces=("Guelmim",)))
    url = f"/backoffice/applications/?sort={sort}"
    statuses, _provinces = _shown(client.get(url).get_data(as_text=True))
    forward, previous = [], None
    while url is not None and len(forward) < 100:
        ids, url, previous = _rows_and_links(client, url)
        forward.append(ids)
    seen = [i for ids in forward for i in ids]
    assert len(seen) == len(set(seen)) == sum(statuses.values()) >= 120
    assert all(len(ids) == 50 for ids in forward[:-1])
    backward, url = [], previous  # from the last page back to the first
    while url is not None and len(backward) < 100:
        ids, _next, url = _rows_and_links(client, url)
        backward.append(ids)
    assert backward == forward[-2::-1]

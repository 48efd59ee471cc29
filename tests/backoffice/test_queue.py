"""The staff queue: province scope, filters, counts, and a number of queries that does not grow."""

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

"""Organisation A cannot see, edit, submit or withdraw organisation B's applications."""

from flask import url_for

from portal.applications.models import Application
from portal.extensions import db
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_user,
    csrf_token,
    login,
    post,
)
from tests.support.applications import fill_component1, start


def test_every_application_route_of_another_organisation_is_refused(app):
    owner_a, owner_b = create_user(app), create_user(app)
    organisation_a = create_organisation(app, owner_a)
    organisation_b = create_organisation(app, owner_b)
    add_documents(app, organisation_b, owner_b)
    client_b = app.test_client()
    login(client_b, owner_b)
    draft_b, province_id = start(app, client_b, organisation_b, 1)
    submitted_b, _ = start(app, client_b, organisation_b, 1, province="Guelmim")
    fill_component1(app, client_b, submitted_b, _province(app, "Guelmim"))
    post(
        client_b,
        f"/applications/{submitted_b}/submit",
        {},
        token_from=f"/applications/{submitted_b}/preview",
    )

    client_a = app.test_client()
    login(client_a, owner_a)
    token = csrf_token(client_a, f"/organisations/{organisation_a.id}")
    checked = 0
    for application_id in (draft_b, submitted_b):
        for rule in app.url_map.iter_rules():
            if "application_id" not in rule.arguments:
                continue
            values = {"application_id": application_id, "step": "worksite"}
            with app.test_request_context():
                url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            if "GET" in rule.methods:
                response = client_a.get(url)
            else:
                response = client_a.post(
                    url,
                    data={
                        "csrf_token": token,
                        "reason": "x",
                        "title": "hijack",
                        "kind": "worksite_sheet",
                    },
                )
            assert response.status_code in (403, 404), (rule.endpoint, response.status_code)
            checked += 1
    routes = [r for r in app.url_map.iter_rules() if "application_id" in r.arguments]
    assert checked == 2 * len(routes) and len(routes) >= 7  # the staff routes included
    # Starting an application for B's organisation is refused too.
    call_id = _call(app)
    response = post(
        client_a,
        "/applications/start",
        {
            "call_id": call_id,
            "organisation_id": organisation_b.id,
            "province_id": province_id,
        },
        token_from=f"/calls/{call_id}",
    )
    assert response.status_code in (302, 403, 404)
    with app.app_context():
        assert db.session.get(Application, draft_b).details.get("title") is None
        assert db.session.get(Application, submitted_b).status == "eligible"
        assert (
            db.session.query(Application).filter_by(organisation_id=organisation_b.id).count() == 2
        )
    # And B's list shows nothing of A, A's list nothing of B.
    assert "/applications/" + str(draft_b) not in client_a.get("/applications/").get_data(
        as_text=True
    )


def _province(app, name):
    from portal.geo.models import Province

    with app.app_context():
        return db.session.query(Province).filter_by(name_fr=name).one().id


def _call(app):
    from tests.support.accounts import demo_call

    return demo_call(app, 1).id

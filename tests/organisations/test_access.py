"""A member of organisation A gets 403 or 404 on every route and object of organisation B."""

import io
import re

from flask import url_for

from portal.extensions import db
from portal.organisations.models import Invitation, JoinRequest
from tests.support import files
from tests.support.accounts import (
    add_member,
    create_organisation,
    create_user,
    csrf_token,
    login,
)


def test_a_member_of_one_organisation_reaches_nothing_of_another(app):
    owner_a, owner_b, editor_b, requester = (create_user(app) for _ in range(4))
    organisation_a = create_organisation(app, owner_a)
    organisation_b = create_organisation(app, owner_b)
    client_b = app.test_client()
    login(client_b, owner_b)
    path_b = f"/organisations/{organisation_b.id}"
    client_b.post(
        f"{path_b}/documents",
        content_type="multipart/form-data",
        data={
            "kind": "statutes",
            "csrf_token": csrf_token(client_b, path_b),
            "file": (io.BytesIO(files.plain_pdf()), "statuts.pdf"),
        },
    )
    document_b = re.search(r"/documents/(\d+)/view", client_b.get(path_b).get_data(as_text=True))[1]
    with app.app_context():
        join_request = JoinRequest(organisation_id=organisation_b.id, user_id=requester.id)
        invitation = Invitation(
            organisation_id=organisation_b.id,
            email="someone@example.ma",
            token="tok-" + document_b,
            invited_by_id=owner_b.id,
        )
        db.session.add_all([join_request, invitation])
        db.session.commit()
        request_id = join_request.id
    add_member(app, organisation_b, editor_b)
    values = {
        "organisation_id": organisation_b.id,
        "document_id": int(document_b),
        "user_id": editor_b.id,
        "request_id": request_id,
    }

    client_a = app.test_client()
    login(client_a, owner_a)
    token = csrf_token(client_a, f"/organisations/{organisation_a.id}")
    checked = []
    for rule in app.url_map.iter_rules():
        if not set(rule.arguments) & {"organisation_id", "document_id"}:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        if "GET" in rule.methods:
            response = client_a.get(url)
        else:
            response = client_a.post(
                url,
                data={
                    "csrf_token": token,
                    "decision": "approve",
                    "email": "x@example.ma",
                    "kind": "statutes",
                },
            )
        assert response.status_code in (403, 404), (rule.endpoint, response.status_code)
        checked.append(rule.endpoint)
    assert len(checked) >= 11
    # Nothing changed in B.
    page = client_b.get(f"{path_b}/members").get_data(as_text=True)
    assert "x@example.ma" not in page and page.count("/remove") == 1
    # No page tells B's name from its id alone (asking to join starts from one of B's
    # numbers: tests/organisations/test_profile.py).
    assert client_a.get(f"{path_b}/join").status_code == 404

"""A worker's data on request: the notice says what is collected and why; the secretariat
exports a person's data, the whole CIN included, each export audited; nobody else does."""

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.beneficiaries import certificates, services
from portal.beneficiaries.models import Person
from portal.extensions import db
from tests.support.accounts import login
from tests.support.beneficiaries import enrol, new_cin, person_form, signed_agreement


def signed_in(app, user, lang: str = "ar"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


@pytest.mark.parametrize(
    ("lang", "said", "why"),
    [
        ("ar", "العمال والأجراء المشغلون بعقد أوراش", "شهادة نهاية الورش"),
        ("fr", "Travailleurs et recrues sous contrat Awrach", "attestation de fin de chantier"),
    ],
)
def test_the_notice_says_what_is_collected_on_workers_and_why(client, lang, said, why, html_pages):
    client.set_cookie("lang", lang)
    page = client.get("/privacy").get_data(as_text=True)
    html_pages.save(f"privacy-{lang}", page)
    assert said in page and why in page


def test_the_secretariat_exports_a_person_and_the_export_is_audited(app):
    side = signed_agreement(app, jobs=1)
    cin = new_cin()
    with app.app_context():
        contract = enrol(side, cin).contract
        services.validate(contract, by=db.session.get(User, side.staff.id))
        services.end_contract(
            contract, date(2027, 8, 31), "completed", by=db.session.get(User, side.editor.id)
        )
        db.session.commit()
        person_id, code = (
            contract.person_id,
            certificates.certificate_of(contract.id).verification_code,
        )
    path = f"/backoffice/beneficiaries/persons/{person_id}/export.json"
    staff = signed_in(app, side.staff)
    person_page = staff.get(f"/backoffice/beneficiaries/persons/{person_id}")
    assert path in person_page.get_data(as_text=True)
    response = staff.get(path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.data)
    assert data["person"]["cin"] == cin and data["person"]["first_name_fr"] == "Saïd"
    assert data["person"]["birth_date"] == "1996-04-02"
    [line] = data["contracts"]
    assert line["status"] == "ended" and line["certificate"] == code
    with app.app_context():
        exported = db.session.scalar(
            select(AuditEvent).filter_by(
                action="person.exported", object_id=person_id, actor_id=side.staff.id
            )
        )
        assert exported is not None and cin not in json.dumps(exported.after)
    assert signed_in(app, side.editor).get(path).status_code in (403, 404)


def test_the_secretariat_corrects_a_person_on_request_and_the_trail_says_what(app, html_pages):
    side = signed_agreement(app, jobs=1)
    with app.app_context():
        person_id = enrol(side, new_cin()).contract.person_id
        db.session.commit()
    staff = signed_in(app, side.staff, "fr")
    path = f"/backoffice/beneficiaries/persons/{person_id}/correct"
    page = staff.get(path)
    assert page.status_code == 200 and 'value="Saïd"' in page.get_data(as_text=True)
    html_pages.save("beneficiaries-staff-correct", page.get_data(as_text=True))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    wrong = staff.post(
        path, data=person_form(side.commune_id, reason="", csrf_token=token.group(1))
    )
    assert wrong.status_code == 400
    done = staff.post(
        path,
        data=person_form(side.commune_id, first_name_fr="Sayid", csrf_token=token.group(1)),
    )
    assert done.status_code == 302
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.first_name_fr == "Sayid" and person.phone == "+212612345678"
        event = db.session.scalar(
            select(AuditEvent).filter_by(action="person.corrected", object_id=person_id)
        )
        assert "first_name_fr" in event.after["fields"] and "Sayid" not in str(event.after)
    editor = signed_in(app, side.editor)
    assert editor.get(path).status_code in (403, 404)

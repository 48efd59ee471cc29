"""The pages: the partner's workers, enrolment and end; the staff's validation and a person's
history. CIN masked in every list, whole on the staff's person page alone."""

import re

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.beneficiaries import services
from portal.beneficiaries.models import Contract, Person
from portal.extensions import db
from tests.support.accounts import create_staff, create_user
from tests.support.beneficiaries import (
    enrol,
    enrol_form,
    new_cin,
    send,
    signed_agreement,
    signed_in,
)


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=2)


def test_an_editor_enrols_a_worker_from_the_agreement_and_sees_them_masked(app, side, html_pages):
    client = signed_in(app, side.editor)
    application = client.get(f"/applications/{side.application_id}").get_data(as_text=True)
    html_pages.save("beneficiaries-application", application)
    workers = f"/agreements/{side.agreement_id}/workers"
    assert f'href="{workers}"' in application
    html_pages.save("beneficiaries-enrol", client.get(f"{workers}/new").get_data(as_text=True))
    wrong = send(
        client, f"{workers}/new", enrol_form(side.commune_id, "123", planned_end="2026-01-01")
    )
    assert wrong.status_code == 400
    html_pages.save("beneficiaries-enrol-errors", wrong.get_data(as_text=True))
    cin = new_cin()
    response = send(client, f"{workers}/new", enrol_form(side.commune_id, f" {cin.lower()} "))
    assert response.status_code == 302 and response.headers["Location"].endswith(workers)
    page = client.get(workers).get_data(as_text=True)
    html_pages.save("beneficiaries-workers", page)
    assert f"{cin[:2]}{'•' * (len(cin) - 4)}{cin[-2:]}" in page and cin not in page
    assert "خديجة" in page and "مسجل، في انتظار المصادقة" in page
    with app.app_context():
        person = db.session.scalar(select(Person).filter_by(cin=cin))
        assert person.phone == "+212612345678" and person.sex == "female"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ar", "مسجل بالفعل في عقد أوراش في مكان آخر"),
        ("fr", "déjà sous contrat Awrach ailleurs"),
    ],
)
def test_the_partner_is_told_the_person_works_elsewhere_but_not_where(
    app, side, lang, said, html_pages
):
    elsewhere = signed_agreement(app, "Tan-Tan")
    cin = new_cin()
    with app.app_context():
        enrol(elsewhere, cin)
        db.session.commit()
        other = db.session.scalar(select(Contract).join(Person).filter(Person.cin == cin))
        hidden = [
            other.organisation.name_ar,
            other.organisation.name_fr,
            other.agreement.number,
            other.application.number,
        ]
    client = signed_in(app, side.editor, lang)
    response = send(
        client, f"/agreements/{side.agreement_id}/workers/new", enrol_form(side.commune_id, cin)
    )
    page = response.get_data(as_text=True)
    html_pages.save(f"beneficiaries-refused-{lang}", page)
    assert response.status_code == 409 and said in page
    assert not [text for text in hidden if text in page]
    with app.app_context():
        assert len(db.session.scalar(select(Person).filter_by(cin=cin)).contracts) == 1


def test_the_form_holds_the_wage_to_the_smig_of_the_start_date(app, side):
    client = signed_in(app, side.editor, "fr")
    path = f"/agreements/{side.agreement_id}/workers/new"
    form = enrol_form(side.commune_id, new_cin(), start_date="2024-06-03", planned_end="2024-11-30")
    page = send(client, path, form | {"monthly_wage": "2970.05"}).get_data(as_text=True)
    assert "3,111.39" in page or "3 111,39" in page or "3\u202f111,39" in page
    assert send(client, path, form | {"monthly_wage": "3111.39"}).status_code == 302


def test_strangers_see_nothing_and_staff_enrol_nobody(app, side):
    stranger = signed_in(app, create_user(app))
    workers = f"/agreements/{side.agreement_id}/workers"
    assert stranger.get(workers).status_code == 404
    assert stranger.get(f"{workers}/new").status_code == 404
    staff = signed_in(app, side.staff)
    assert staff.get(workers).status_code == 200
    assert staff.get(f"{workers}/new").status_code == 403


def test_the_secretariat_validates_refuses_and_reads_a_persons_history(app, side, html_pages):
    cins = [new_cin(), new_cin()]
    with app.app_context():
        first, second = (enrol(side, cin).contract.id for cin in cins)
        db.session.commit()
    staff = signed_in(app, side.staff)
    listing = staff.get("/backoffice/beneficiaries/contracts").get_data(as_text=True)
    html_pages.save("beneficiaries-staff-contracts", listing)
    assert all(cin not in listing and cin[-2:] in listing for cin in cins)
    application = staff.get(f"/backoffice/applications/{side.application_id}")
    assert f"/agreements/{side.agreement_id}/workers" in application.get_data(as_text=True)
    page = f"/backoffice/beneficiaries/contracts/{first}"
    shown = staff.get(page)
    assert shown.status_code == 200 and cins[0] not in shown.get_data(as_text=True)
    html_pages.save("beneficiaries-staff-contract", shown.get_data(as_text=True))
    assert send(staff, f"{page}/validate", {}).status_code == 302
    refused = f"/backoffice/beneficiaries/contracts/{second}"
    assert send(staff, f"{refused}/refuse", {"reason": "خارج الفئة"}).status_code == 302
    partner = signed_in(app, side.editor)
    workers = partner.get(f"/agreements/{side.agreement_id}/workers").get_data(as_text=True)
    assert "خارج الفئة" in workers and "مرفوض" in workers
    found = staff.get("/backoffice/beneficiaries/persons", query_string={"cin": cins[0].lower()})
    person_id = re.search(r"/persons/(\d+)", found.get_data(as_text=True)).group(1)
    part = staff.get("/backoffice/beneficiaries/persons", query_string={"cin": cins[0][:4]})
    assert "/persons/" not in part.get_data(as_text=True)  # the whole CIN, or nobody
    html_pages.save("beneficiaries-staff-search", found.get_data(as_text=True))
    assert services.mask_cin(cins[0]) in found.get_data(as_text=True)  # the list masks it
    person = staff.get(f"/backoffice/beneficiaries/persons/{person_id}").get_data(as_text=True)
    html_pages.save("beneficiaries-staff-person", person)
    assert cins[0] in person  # whole, here alone
    with app.app_context():
        viewed = db.session.scalar(
            select(AuditEvent).filter_by(
                action="person.viewed", object_id=int(person_id), actor_id=side.staff.id
            )
        )
        assert viewed is not None
    elsewhere = signed_in(app, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    assert elsewhere.get(page).status_code == 404
    assert elsewhere.get(f"/backoffice/beneficiaries/persons/{person_id}").status_code == 200


def test_an_editor_ends_a_contract_early_with_its_reason(app, side, html_pages):
    with app.app_context():
        contract_id = enrol(side, new_cin()).contract.id
        db.session.commit()
    client = signed_in(app, side.editor, "fr")
    path = f"/contracts/{contract_id}/end"
    assert client.get(path).status_code == 200
    late = send(client, path, {"actual_end": "2027-09-30", "end_reason": "resigned"})
    assert late.status_code == 400 and "01/03/2027" in late.get_data(as_text=True)
    html_pages.save("beneficiaries-end-errors", late.get_data(as_text=True))
    response = send(
        client, path, {"actual_end": "2027-05-31", "end_reason": "resigned", "note": "Départ"}
    )
    assert response.status_code == 302
    page = client.get(f"/agreements/{side.agreement_id}/workers").get_data(as_text=True)
    assert "Démission du travailleur" in page
    assert client.get(path).status_code == 403  # ended: nothing more to end

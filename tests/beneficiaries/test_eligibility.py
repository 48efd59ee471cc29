"""Worker eligibility at the enrolment: the edition's rules run on the person and what the
enrolment declares; a blocking failure refuses it with the bounds in the form's message, a
proof to check is kept as "needs review" and shown to the secretariat and the partner."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.beneficiaries import services
from portal.beneficiaries.models import Contract, Person
from portal.extensions import db
from tests.support.accounts import csrf_token, login
from tests.support.beneficiaries import enrol, enrol_form, new_cin, signed_agreement


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=2)


def signed_in(app, user, lang: str):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def test_the_report_is_kept_with_the_contract_and_its_rules_version(app, side):
    with app.app_context():
        contract = enrol(side, new_cin(), eligibility={"target_group": "difficult_access"}).contract
        assert contract.target_group == "difficult_access"
        report = contract.eligibility
        assert report["outcome"] == "pass" and report["rules_version"] == "awrach1-2022-workers.1"
        assert [r["rule"] for r in report["results"]] == ["B1-AGE", "B1-TARGET-C1", "B1-PROOF"]


def test_a_person_too_young_is_refused_and_nothing_is_written(app, side):
    cin = new_cin()
    with app.app_context():
        with pytest.raises(services.EnrolmentRefused) as refused:
            enrol(side, cin, birth_date=date(2009, 3, 2))  # 18 the day after the start
        assert refused.value.reason == "ineligible"
        assert refused.value.values["report"]["results"][0]["values"]["age"] == 17
        assert db.session.scalar(select(Person).filter_by(cin=cin)) is None
        of_age = enrol(side, new_cin(), birth_date=date(2009, 3, 1)).contract  # 18 that day
        assert of_age.eligibility["results"][0]["outcome"] == "pass"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "ar",
            "سن الشخص 17 عند بداية العقد في 01/03/2027: هذه النسخة تقبل العمال الذين تبلغ أعمارهم 18 أو أكثر.",
        ),
        (
            "fr",
            "La personne a 17 ans au début du contrat, le 01/03/2027 : cette édition inscrit des travailleurs de 18 ans ou plus.",
        ),
    ],
)
def test_enrolling_someone_too_young_is_refused_in_the_form_with_the_range(
    app, side, lang, said, html_pages
):
    client = signed_in(app, side.editor, lang)
    path = f"/agreements/{side.agreement_id}/workers/new"
    data = enrol_form(side.commune_id, new_cin(), birth_date="2009-03-02")
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    html_pages.save(f"beneficiaries-enrol-too-young-{lang}", page)
    text = (
        page.replace("\u2066", "").replace("\u2069", "").replace("\u202f", " ").replace("\xa0", " ")
    )
    assert said in text
    with app.app_context():
        assert db.session.scalar(select(Contract).filter_by(agreement_id=side.agreement_id)) is None


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_report_shows_on_the_staff_contract_page_and_to_the_partner(
    app, side, lang, html_pages
):
    with app.app_context():
        contract = enrol(side, new_cin(), eligibility={"target_group": "nobody"}).contract
        db.session.commit()
        contract_id = contract.id
    staff = signed_in(app, side.staff, lang).get(
        f"/backoffice/beneficiaries/contracts/{contract_id}"
    )
    page = staff.get_data(as_text=True)
    html_pages.save(f"beneficiaries-staff-contract-eligibility-{lang}", page)
    assert staff.status_code == 200
    assert "B1-AGE" in page and "B1-TARGET-C1" in page and "awrach1-2022-workers.1" in page
    review = {
        "ar": "أهلية العامل تحتاج إلى مراجعة",
        "fr": "L'éligibilité du travailleur demande un examen",
    }
    assert review[lang] in page
    age = {"ar": "السن عند بداية العقد", "fr": "Âge au début du contrat"}
    assert age[lang] in page
    queue = signed_in(app, side.staff, lang).get("/backoffice/beneficiaries/contracts")
    to_review = {"ar": "يتطلب دراسة", "fr": "À examiner"}
    assert to_review[lang] in queue.get_data(as_text=True)
    partner = signed_in(app, side.editor, lang).get(f"/agreements/{side.agreement_id}/workers")
    listed = partner.get_data(as_text=True)
    html_pages.save(f"beneficiaries-workers-eligibility-{lang}", listed)
    assert "B1-TARGET-C1" in listed and age[lang] in listed

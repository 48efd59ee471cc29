"""Enrolment from a spreadsheet: every row checked by the enrolment form, errors by row and
column in the user's language, nothing enrolled from a file with errors unless the valid rows
are kept, safe to run twice, a refusal elsewhere that never says where, no formula."""

import csv
import html
import io
import re
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.beneficiaries import imports
from portal.beneficiaries.models import Contract, EnrolmentImport, Person
from portal.extensions import db
from tasks.beneficiaries import run_enrolment_import
from tests.support.accounts import create_staff, create_user, csrf_token, login
from tests.support.beneficiaries import enrol, new_cin, signed_agreement

BAD_CIN_ROW, NO_BIRTH_ROW = 5, 9  # lines of the sheet (the header is line 1)


def signed_in(app, user, lang: str = "fr"):
    """Signed in, the account reading the portal in `lang`."""
    with app.app_context():
        db.session.execute(update(User).filter_by(id=user.id).values(locale=lang))
        db.session.commit()
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def upload(client, agreement_id: int, data: bytes, name: str = "ouvriers.xlsx"):
    path = f"/agreements/{agreement_id}/workers/import"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def worker(commune: str, cin: str, **changes) -> dict:
    return {
        "cin": cin,
        "last_name_ar": "البصري",
        "first_name_ar": "خديجة",
        "last_name_fr": "Basri",
        "first_name_fr": "Khadija",
        "birth_date": date(1998, 2, 11),
        "sex": "Femme",
        "commune_id": commune,
        "education_level": "Baccalauréat",
        "disability_card_no": None,
        "anapec_registration_date": None,
        "cnss_number": None,
        "phone": "0612345678",
        "role": "عاملة تشجير",
        "kind": "CDD",
        "start_date": "01/03/2027",
        "planned_end": date(2027, 8, 31),
        "monthly_wage": 3266.10,
    } | changes


def error_rows(page: str) -> list[tuple[str, str, str]]:
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    return [tuple(html.unescape(cell) for cell in row) for row in cells]


def headers(app, agreement_id: int, lang: str) -> dict[str, str]:
    with app.test_request_context(), force_locale(lang):
        return imports.headers(db.session.get(Agreement, agreement_id))


def commune_name(app, side) -> str:
    with app.app_context():
        agreement = db.session.get(Agreement, side.agreement_id)
        return agreement.application.province.communes[0].name_fr


def xlsx(titles: dict[str, str], rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(titles.values()))
    for row in rows:
        sheet.append([row.get(key) for key in titles])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def the_file(app, side, cins: list[str], **bad) -> bytes:
    commune = commune_name(app, side)
    rows = [worker(commune, cin) for cin in cins]
    rows[BAD_CIN_ROW - 2]["cin"] = "12AB34"
    rows[NO_BIRTH_ROW - 2]["birth_date"] = None
    return xlsx(headers(app, side.agreement_id, "fr"), rows)


def held(app, side) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Contract.id)).filter_by(application_id=side.application_id)
        )


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=30)


def last_import(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(EnrolmentImport.id)))


def test_two_bad_rows_are_named_in_french_and_arabic_and_nothing_is_enrolled(app, side, html_pages):
    client = signed_in(app, side.editor, "fr")
    form = client.get(f"/agreements/{side.agreement_id}/workers/import").get_data(as_text=True)
    html_pages.save("beneficiaries-import", form)
    response = upload(
        client, side.agreement_id, the_file(app, side, [new_cin() for _ in range(24)])
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    html_pages.save("beneficiaries-import-errors", page)
    assert "2 erreurs ont été trouvées. Rien n’a été inscrit." in page
    fr, ar = headers(app, side.agreement_id, "fr"), headers(app, side.agreement_id, "ar")
    rows = error_rows(page)
    assert [(int(r), c) for r, c, _m in rows] == [
        (BAD_CIN_ROW, fr["cin"]),
        (NO_BIRTH_ROW, fr["birth_date"]),
    ]
    assert "AB123456" in rows[0][2]
    with app.app_context():  # the editor now reads the portal in Arabic
        db.session.execute(update(User).filter_by(id=side.editor.id).values(locale="ar"))
        db.session.commit()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    rows = error_rows(page)
    assert [(int(r), c) for r, c, _m in rows] == [
        (BAD_CIN_ROW, ar["cin"]),
        (NO_BIRTH_ROW, ar["birth_date"]),
    ]
    assert all(re.search("[\u0600-\u06ff]", message) for _r, _c, message in rows)
    html_pages.save("beneficiaries-import-errors-ar", page)
    assert held(app, side) == 0


def test_keeping_the_valid_rows_enrols_22_and_running_again_enrols_nobody_more(app, side):
    client = signed_in(app, side.editor, "ar")
    cins = [new_cin() for _ in range(24)]
    data = the_file(app, side, cins)
    report = upload(client, side.agreement_id, data).headers["Location"]
    import_id = last_import(app)
    path = f"/imports/{import_id}/keep"
    response = client.post(path, data={"csrf_token": csrf_token(client, report)})
    assert response.status_code == 302
    assert held(app, side) == 22
    assert "22" in client.get(report).get_data(as_text=True)
    assert run_enrolment_import(import_id) == "skipped"  # the task again: claimed already
    with app.app_context():  # even re-queued, each row is found enrolled already
        db.session.execute(update(EnrolmentImport).filter_by(id=import_id).values(status="queued"))
        db.session.commit()
    assert run_enrolment_import(import_id) == "done"
    assert held(app, side) == 22
    with app.app_context():
        outcomes = db.session.get(EnrolmentImport, import_id).report["outcomes"]
        assert {o["outcome"] for o in outcomes} == {"already_here"} and len(outcomes) == 22
    # The same file uploaded again, corrected: the two fixed rows only.
    commune = commune_name(app, side)
    fixed = [worker(commune, cin) for cin in cins]
    fixed[BAD_CIN_ROW - 2]["cin"] = new_cin()
    upload(client, side.agreement_id, xlsx(headers(app, side.agreement_id, "ar"), fixed))
    assert held(app, side) == 24
    page = client.get(f"/imports/{last_import(app)}").get_data(as_text=True)
    assert "مسجل" in page


def test_a_person_under_contract_in_another_province_is_refused_without_saying_where(app, side):
    elsewhere = signed_agreement(app, province="Tan-Tan", jobs=2)
    taken = new_cin()
    with app.app_context():
        enrol(elsewhere, taken)
        db.session.commit()
    commune = commune_name(app, side)
    rows = [worker(commune, new_cin()), worker(commune, taken)]
    client = signed_in(app, side.editor, "fr")
    report = upload(client, side.agreement_id, xlsx(headers(app, side.agreement_id, "fr"), rows))
    page = client.get(report.headers["Location"]).get_data(as_text=True)
    assert held(app, side) == 1
    assert "déjà sous contrat" in page
    assert "Tan-Tan" not in page and "طانطان" not in page
    with app.app_context():
        other = db.session.get(Agreement, elsewhere.agreement_id)
        assert other.number not in page
        assert other.application.organisation.name_fr not in page


def test_a_formula_in_a_cell_is_stored_as_text_and_the_template_writes_none(app, side):
    commune = commune_name(app, side)
    cin = new_cin()
    rows = [worker(commune, cin, last_name_fr='=HYPERLINK("http://x.example","Basri")')]
    client = signed_in(app, side.editor, "fr")
    upload(client, side.agreement_id, xlsx(headers(app, side.agreement_id, "fr"), rows))
    with app.app_context():
        person = db.session.scalar(select(Person).filter_by(cin=cin))
        assert person.last_name_fr == '=HYPERLINK("http://x.example","Basri")'
    for lang, header in (("ar", "رقم البطاقة"), ("fr", "CIN")):
        response = client.get(
            f"/agreements/{side.agreement_id}/workers/import/template-{lang}.xlsx"
        )
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
        sheet, notes = book.worksheets
        assert header in sheet.cell(1, 1).value and sheet.cell(2, 1).value == imports.EXAMPLE_CIN
        assert notes.max_row > len(imports.columns(db_agreement(app, side)))
        assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)


def db_agreement(app, side):
    with app.app_context():
        agreement = db.session.get(Agreement, side.agreement_id)
        db.session.expunge(agreement)
        return agreement


def test_a_csv_with_a_bom_and_semicolons_is_read_and_the_example_row_skipped(app, side):
    titles = headers(app, side.agreement_id, "ar")
    commune = commune_name(app, side)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(titles.values())
    writer.writerow([worker(commune, imports.EXAMPLE_CIN).get(k) for k in titles])
    writer.writerow([worker(commune, new_cin()).get(k) for k in titles])
    client = signed_in(app, side.editor, "ar")
    response = upload(client, side.agreement_id, text.getvalue().encode("utf-8-sig"), "w.csv")
    assert response.status_code == 302
    assert held(app, side) == 1


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"%PDF-1.4 not a sheet", "pas un tableur"),
        (b"<html><script>alert(1)</script></html>", "pas un tableur"),
        (b"\xff\xfe\x00a\x00b", "pas un tableur"),
        (b"a" * (imports.MAX_BYTES + 1), "trop volumineux"),
    ],
)
def test_an_upload_that_is_not_a_spreadsheet_is_refused(app, side, data, said):
    client = signed_in(app, side.editor, "fr")
    before = last_import(app)  # the run's other tests may have committed imports
    response = upload(client, side.agreement_id, data, "ouvriers.xlsx")
    assert response.status_code == 400 and said in response.get_data(as_text=True)
    assert last_import(app) == before


def test_too_many_rows_are_refused(app, side):
    commune = commune_name(app, side)
    rows = [worker(commune, f"AB{n:06d}") for n in range(1, imports.MAX_ROWS + 2)]
    client = signed_in(app, side.editor, "fr")
    response = upload(client, side.agreement_id, xlsx(headers(app, side.agreement_id, "fr"), rows))
    assert response.status_code == 400 and "1000" in response.get_data(as_text=True).replace(
        "\u202f", ""
    ).replace(" ", "").replace(",", "")


def test_another_organisations_editor_and_staff_see_no_import(app, side):
    client = signed_in(app, side.editor, "fr")
    commune = commune_name(app, side)
    upload(
        client,
        side.agreement_id,
        xlsx(headers(app, side.agreement_id, "fr"), [worker(commune, new_cin())]),
    )
    report = f"/imports/{last_import(app)}"
    assert client.get(report).status_code == 200
    stranger = signed_in(app, create_user(app))
    assert stranger.get(report).status_code in (403, 404)
    assert stranger.get(f"/agreements/{side.agreement_id}/workers/import").status_code in (403, 404)
    staff = signed_in(app, create_staff(app, "secretariat", provinces=("Sidi Ifni",)))
    assert staff.get(report).status_code in (403, 404)
    assert staff.get(f"/agreements/{side.agreement_id}/workers/import").status_code in (403, 404)


def test_the_sweep_takes_back_an_import_whose_worker_died(app, side):
    commune = commune_name(app, side)
    rows = [worker(commune, new_cin()), worker(commune, new_cin())]
    client = signed_in(app, side.editor, "fr")
    upload(client, side.agreement_id, xlsx(headers(app, side.agreement_id, "fr"), rows))
    import_id = last_import(app)
    with app.app_context():  # as if the worker died after its first row
        db.session.execute(
            update(EnrolmentImport)
            .filter_by(id=import_id)
            .values(status="running", claimed_at=date(2020, 1, 1), created_at=date(2020, 1, 1))
        )
        assert imports.sweep() == 1
        db.session.commit()  # the task runs after the commit
        outcomes = db.session.get(EnrolmentImport, import_id).report["outcomes"]
        assert [o["outcome"] for o in outcomes] == ["already_here", "already_here"]
    assert held(app, side) == 2

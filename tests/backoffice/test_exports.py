"""Exports: in the language of the staff member who asks, with the machine codes beside; Arabic
intact, CSV with its BOM, identifiers masked by role, and no applicant's name a formula."""

import csv
import io
import re
import uuid
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from portal import storage
from portal.applications.models import Application
from portal.calls.models import Call, CallProvince
from portal.committees.models import CommitteeSession, Decision
from portal.extensions import db
from portal.geo.models import Province
from portal.review.models import Review
from tests.support.accounts import (
    create_organisation,
    create_staff,
    create_user,
    csrf_token,
    demo_call,
    login,
    new_ice,
)

ARABIC_NAME = "تعاونية النخيل للتمور بأسا"
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def a_call(app, applications: list[dict]) -> int:
    """A component-1 call in Assa-Zag holding `applications` (columns of Application)."""
    template = demo_call(app, 1)
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr="Assa-Zag").one().id
        call = Call(
            edition_id=template.edition_id,
            component=1,
            title_ar="تصدير",
            title_fr="Export",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
        )
        call.provinces = [CallProvince(province_id=province_id, quota_jobs=100)]
        db.session.add(call)
        db.session.flush()
        db.session.execute(
            insert(Application),
            [
                {
                    "call_id": call.id,
                    "component": 1,
                    "province_id": province_id,
                    "status": "eligible",
                    "details": {},
                    "number": f"E-{i:03d}-{uuid.uuid4().hex[:6]}",
                    "jobs_requested": 20,
                    "first_submitted_at": datetime(2026, 6, 10, 23, 30),
                }
                | application
                for i, application in enumerate(applications)
            ],
        )
        db.session.commit()
        return call.id


def a_call_with_applications(app):
    owner = create_user(app)
    ice = new_ice()
    organisation = create_organisation(
        app,
        owner,
        province="Assa-Zag",
        name_ar=ARABIC_NAME,
        legal_form="cooperative",
        association_receipt_no=None,
        cooperative_register_no=f"CO-{uuid.uuid4().hex[:6]}",
        ice=ice,
    )
    one = {"organisation_id": organisation.id, "created_by_id": owner.id}
    return a_call(app, [one] * 250), ice


def export(client, call_id, fmt):
    token = csrf_token(client, f"/backoffice/reports/dashboard?call={call_id}")
    response = client.post(
        "/backoffice/reports/exports", data={"call_id": call_id, "format": fmt, "csrf_token": token}
    )
    page_path = response.headers["Location"]
    page = client.get(page_path).get_data(as_text=True)  # tasks run eagerly here: done
    download = re.search(r'href="(/backoffice/reports/exports/\d+/download)"', page)
    assert download, "the export did not finish"
    return page_path, client.get(download[1])


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def test_xlsx_export_keeps_arabic_and_shows_identifiers_to_the_secretariat(app):
    call_id, ice = a_call_with_applications(app)
    admin = app.test_client()
    login(admin, create_staff(app, "admin"))
    page_path, response = export(admin, call_id, "xlsx")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["الطلبات", "codes"]
    rows = list(workbook["codes"].iter_rows(values_only=True))
    assert rows[0][:3] == ("number", "organisation_ar", "organisation_fr")
    column = rows[0].index("ice")
    assert len(rows) == 251 and rows[1][1] == ARABIC_NAME and rows[1][column] == ice
    shown = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert shown[0][:2] == ("الرقم", "الاسم بالعربية")
    assert len(shown) == 251 and shown[1][1] == ARABIC_NAME and shown[1][column] == ice
    other = app.test_client()
    login(other, create_staff(app, "admin"))
    assert other.get(page_path).status_code == 200  # admins see every export
    stranger = app.test_client()
    login(stranger, create_staff(app, "secretariat", provinces=("Assa-Zag",)))
    assert stranger.get(page_path).status_code == 404


def test_csv_export_has_a_bom_and_masks_identifiers_for_the_technical_committee(app):
    call_id, ice = a_call_with_applications(app)
    member = app.test_client()
    login(member, create_staff(app, "technical_committee", provinces=("Assa-Zag",)))
    _page, response = export(member, call_id, "csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert ARABIC_NAME in text and ice not in text and ice[-4:] in text
    assert text.count("\n") == 251


def test_the_export_task_runs_once_and_the_sweep_builds_a_lost_one(make_app):
    from datetime import timedelta

    from portal.auth.models import User
    from portal.reports import exports
    from portal.reports.models import Export
    from portal.timeutil import utcnow

    app = make_app(celery={"task_always_eager": False, "broker_url": "redis://127.0.0.1:1/0"})
    call_id, _ice = a_call_with_applications(app)
    staff = create_staff(app, "admin")
    with app.app_context():
        lost = exports.request_export(
            db.session.get(Call, call_id), "csv", by=db.session.get(User, staff.id)
        )  # broker unreachable
        lost.created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        app.extensions["celery"].conf.task_always_eager = True
        assert exports.sweep() >= 1
        db.session.commit()  # eager: the re-queued build runs after the commit
        db.session.expire_all()
        assert db.session.get(Export, lost.id).status == "done"
        assert list(exports.build(lost.id)) == ["skipped"]
        text = storage.get(db.session.get(Export, lost.id).sha256).decode("utf-8-sig")
        assert text.count(",2026-06-11,") == 250  # dated in Casablanca outside a request too


# What a French- and an Arabic-speaking staff member read; the codes stay the same.
READ = {
    "fr": {
        "sheet": "Demandes",
        "headers": ["Numéro", "Nom en arabe", "Nom en français", "Forme juridique", "Province"],
        "more_headers": ["Statut", "Éligibilité", "Premier dépôt", "Emplois demandés"],
        "province": "Assa-Zag",
        "labels": {
            "legal_form": "Coopérative",
            "component": "Chantiers publics temporaires",
            "status": "Approuvée",
            "eligibility": "Rempli",
            "recommendation": "Recommandée au comité",
            "decision": "Approuvée",
        },
        "right_to_left": False,
    },
    "ar": {
        "sheet": "الطلبات",
        "headers": ["الرقم", "الاسم بالعربية", "الاسم بالفرنسية", "الشكل القانوني", "الإقليم"],
        "more_headers": ["الحالة", "الأهلية", "تاريخ أول إرسال", "مناصب الشغل المطلوبة"],
        "province": "أسا الزاك",
        "labels": {
            "legal_form": "تعاونية",
            "component": "الأوراش العامة المؤقتة",
            "status": "مقبول",
            "eligibility": "مستوفى",
            "recommendation": "موصى به للجنة",
            "decision": "مقبول",
        },
        "right_to_left": True,
    },
}
CODES = {
    "legal_form": "cooperative",
    "province": "Assa-Zag",
    "component": "1",
    "status": "approved",
    "eligibility": "pass",
    "recommendation": "recommend",
    "decision": "approve",
}


def a_decided_application(app) -> int:
    """An approved cooperative's application: submitted late on 10 June 2026 (UTC, already the
    11th in Casablanca), reviewed, approved by the session of 20 June 2026."""
    owner = create_user(app)
    organisation = create_organisation(
        app,
        owner,
        name_ar=ARABIC_NAME,
        legal_form="cooperative",
        association_receipt_no=None,
        cooperative_register_no=f"CO-{uuid.uuid4().hex[:6]}",
    )
    application = {
        "organisation_id": organisation.id,
        "created_by_id": owner.id,
        "status": "approved",
        "eligibility_outcome": "pass",
        "jobs_granted": 18,
    }
    call_id = a_call(app, [application])
    staff = create_staff(app, "committee_member", provinces=("Assa-Zag",))
    with app.app_context():
        application_id = db.session.query(Application.id).filter_by(call_id=call_id).scalar()
        db.session.add(
            Review(
                application_id=application_id,
                reviewer_id=staff.id,
                total=74,
                recommendation="recommend",
            )
        )
        session = CommitteeSession(
            call_id=call_id, held_on=date(2026, 6, 20), created_by_id=staff.id
        )
        session.decisions = [
            Decision(
                application_id=application_id,
                outcome="approve",
                jobs_granted=18,
                decided_by_id=staff.id,
            )
        ]
        db.session.add(session)
        db.session.commit()
    return call_id


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_exports_speak_the_language_of_the_staff_member_and_keep_the_codes(app, lang):
    call_id = a_decided_application(app)
    read = READ[lang]
    staff = app.test_client()
    login(staff, create_staff(app, "secretariat", provinces=("Assa-Zag",), locale=lang))

    _page, response = export(staff, call_id, "xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [read["sheet"], "codes"]
    sheet = workbook[read["sheet"]]
    assert sheet.sheet_view.rightToLeft is read["right_to_left"]
    (header, row), (codes_header, codes_row) = (
        list(s.iter_rows(values_only=True)) for s in (sheet, workbook["codes"])
    )
    assert list(header[:5]) == read["headers"] and set(read["more_headers"]) <= set(header)
    shown, codes = (
        dict(zip(codes_header, row, strict=True)),
        dict(zip(codes_header, codes_row, strict=True)),
    )
    assert shown["province"] == read["province"] and shown["organisation_ar"] == ARABIC_NAME
    assert {key: shown[key] for key in read["labels"]} == read["labels"]
    assert {key: str(codes[key]) for key in CODES} == CODES
    assert (shown["review_total"], shown["jobs_granted"]) == (74, 18)
    for values in (shown, codes):  # date cells; submitted on the 11th in Casablanca
        assert (values["submitted_on"], values["decided_on"]) == (
            datetime(2026, 6, 11),
            datetime(2026, 6, 20),
        )
    dates = [cell for cell in next(sheet.iter_rows(min_row=2)) if cell.is_date]
    assert [cell.number_format for cell in dates] == ["dd/mm/yyyy", "dd/mm/yyyy"]

    _page, response = export(staff, call_id, "csv")
    (header, row) = read_csv(response)
    assert header[:5] == read["headers"] and header[-len(CODES) :] == list(CODES)
    assert row[-len(CODES) :] == list(CODES.values())
    shown = dict(zip(codes_header, row[: len(codes_header)], strict=True))
    assert {key: shown[key] for key in read["labels"]} == read["labels"]
    assert (shown["submitted_on"], shown["decided_on"]) == ("2026-06-11", "2026-06-20")


# Organisation names a spreadsheet would run, and one with a character XML cannot carry.
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def formula_names_call(app) -> tuple[int, dict[str, str]]:
    """One application per dangerous name; returns the call and each number's name."""
    owner = create_user(app)
    applications, names = [], {}
    for i, name in enumerate([*FORMULAS, "Coopérative\x0bdes dattes"]):
        organisation = create_organisation(app, owner, name_ar=name, name_fr=name)
        number = f"F-{i}-{uuid.uuid4().hex[:6]}"
        applications.append(
            {"organisation_id": organisation.id, "created_by_id": owner.id, "number": number}
        )
        names[number] = name
    return a_call(app, applications), names


def test_no_organisation_name_becomes_a_formula_in_the_xlsx(app):
    call_id, names = formula_names_call(app)
    admin = app.test_client()
    login(admin, create_staff(app, "admin", locale="fr"))
    _page, response = export(admin, call_id, "xlsx")

    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        for name in sheets:
            tree = ElementTree.fromstring(archive.read(name))
            assert tree.findall(f".//{SHEET_NS}f") == [], name
    workbook = load_workbook(io.BytesIO(response.data))
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows())
        assert all(cell.data_type != "f" for row in rows for cell in row)
        exported = {row[0].value: (row[1], row[2]) for row in rows[1:]}
        for number, name in names.items():
            visible = name.replace("\x0b", "")  # XML cannot carry it: the rest is kept
            assert [cell.value for cell in exported[number]] == [visible, visible]
            assert all(cell.data_type == "s" for cell in exported[number])


def test_no_organisation_name_starts_a_formula_in_the_csv(app):
    call_id, names = formula_names_call(app)
    admin = app.test_client()
    login(admin, create_staff(app, "admin", locale="fr"))
    _page, response = export(admin, call_id, "csv")
    _header, *rows = read_csv(response)
    assert len(rows) == len(names)
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row)
        name = names[row[0]]
        expected = "'" + name if name in FORMULAS else name
        assert row[1:3] == [expected, expected]


def test_an_export_is_removed_after_its_keeping_period_and_its_page_says_so(app):
    """A built export is a copy of applicants' data: RETENTION_EXPORTS_DAYS after it was built
    the sweep removes its file (its row stays, expired); a younger one stays; twice is once."""
    from datetime import timedelta

    from portal.reports import exports
    from portal.reports.models import Export
    from portal.storage.models import Blob
    from portal.timeutil import utcnow

    call_id, _ice = a_call_with_applications(app)
    admin = app.test_client()
    login(admin, create_staff(app, "admin", locale="fr"))
    old_path, _response = export(admin, call_id, "csv")
    young_path, _response = export(admin, call_id, "xlsx")
    days = app.config["RETENTION_EXPORTS_DAYS"]
    with app.app_context():
        old = db.session.get(Export, int(old_path.rsplit("/", 1)[1]))
        young = db.session.get(Export, int(young_path.rsplit("/", 1)[1]))
        old.finished_at = utcnow() - timedelta(days=days, minutes=1)
        young.finished_at = utcnow() - timedelta(days=days - 1)
        digest, young_digest = old.sha256, young.sha256
        db.session.commit()
        assert exports.expire() == 1
        db.session.commit()
        assert exports.expire() == 0  # twice: once
        db.session.refresh(old)
        db.session.refresh(young)
        assert (old.status, old.sha256) == ("expired", None)
        assert db.session.get(Blob, digest) is None  # no other row used that file
        assert (young.status, young.sha256) == ("done", young_digest)
    assert admin.get(f"{old_path}/download").status_code == 404
    page = admin.get(old_path).get_data(as_text=True)
    assert f"supprimé {days}" in page.replace("\u202f", " ").replace("\xa0", " ")
    assert admin.get(f"{young_path}/download").status_code == 200


def test_the_sweep_expires_the_exports_past_their_period(app, monkeypatch):
    import tasks.system

    monkeypatch.setattr(tasks.system, "expire_exports", lambda: 3)
    with app.app_context():
        assert tasks.system.sweep.run()["exports_expired"] == 3

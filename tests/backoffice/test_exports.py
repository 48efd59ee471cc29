"""Exports: XLSX opens with Arabic intact, CSV has its BOM, identifiers masked by role."""

import io
import re
import uuid

from openpyxl import load_workbook
from sqlalchemy import insert

from portal.applications.models import Application
from portal.calls.models import Call, CallProvince
from portal.extensions import db
from portal.geo.models import Province
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
                    "organisation_id": organisation.id,
                    "call_id": call.id,
                    "component": 1,
                    "province_id": province_id,
                    "status": "eligible",
                    "details": {},
                    "number": f"E-{i:03d}-{uuid.uuid4().hex[:6]}",
                    "created_by_id": owner.id,
                    "jobs_requested": 20,
                }
                for i in range(250)
            ],
        )
        db.session.commit()
        return call.id, ice


def export(client, call_id, fmt):
    token = csrf_token(client, f"/backoffice/reports/dashboard?call={call_id}")
    response = client.post(
        "/backoffice/reports/exports", data={"call_id": call_id, "format": fmt, "csrf_token": token}
    )
    page_path = response.headers["Location"]
    page = client.get(page_path).get_data(as_text=True)  # tasks run eagerly here: done
    download = re.search(r'href="(/backoffice/reports/exports/\d+/download)"', page)[1]
    return page_path, client.get(download)


def test_xlsx_export_keeps_arabic_and_shows_identifiers_to_the_secretariat(app):
    call_id, ice = a_call_with_applications(app)
    admin = app.test_client()
    login(admin, create_staff(app, "admin"))
    page_path, response = export(admin, call_id, "xlsx")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(workbook["applications"].iter_rows(values_only=True))
    assert rows[0][:3] == ("number", "organisation_ar", "organisation_fr")
    assert len(rows) == 251 and rows[1][1] == ARABIC_NAME and rows[1][13] == ice
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
        assert db.session.get(Export, lost.id).status == "done"
        assert exports.build(lost.id) == "skipped"

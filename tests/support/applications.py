"""Applying through HTTP, for the tests of every area: start a draft, fill it, upload."""

import html
import io
import re
import uuid
from datetime import timedelta

from portal.extensions import db
from portal.geo.models import Province
from portal.timeutil import local_date
from tests.support import files
from tests.support.accounts import csrf_token, demo_call, post


def planned_start(days: int = 90) -> str:
    """A start date some way ahead (the worksite step refuses a date in the past)."""
    return (local_date() + timedelta(days=days)).isoformat()


def start(app, client, organisation, component, province="Sidi Ifni"):
    """A draft for the demo call of `component`: (application id, province id)."""
    application_id = start_on(app, client, organisation, demo_call(app, component).id, province)
    with app.app_context():
        return application_id, db.session.query(Province).filter_by(name_fr=province).one().id


def commune_of(app, province_id):
    with app.app_context():
        return db.session.get(Province, province_id).communes[1].id


def upload(client, application_id, kind):
    path = f"/applications/{application_id}/steps/documents"
    return client.post(
        f"/applications/{application_id}/documents",
        content_type="multipart/form-data",
        data={
            "kind": kind,
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(files.plain_pdf()), f"{kind}.pdf"),
        },
    )


def worksite(app, province_id, **overrides) -> dict:
    """The worksite step's answers, within the edition's bounds."""
    return {
        "title": "تشجير مدخل المدينة",
        "sector": "forests",
        "commune_id": commune_of(app, province_id),
        "location": "الطريق الجهوية 104",
        "workers_planned": "24",
        "supervisors": "2",
        "duration_months": "6",
        "planned_start": planned_start(),
    } | overrides


def fill_component1(app, client, application_id, province_id, **overrides):
    base = f"/applications/{application_id}/steps"
    response = post(client, f"{base}/worksite", worksite(app, province_id, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = post(
        client,
        f"{base}/description",
        {"expected_results": "غرس 5000 شجرة", "description": "أشغال الحفر والغرس والسقي"},
    )
    assert response.status_code == 302
    assert upload(client, application_id, "worksite_sheet").status_code == 302
    assert post(client, f"{base}/declaration", {"declaration": "y"}).status_code == 302


def complete_draft(app, client, organisation, province="Sidi Ifni") -> int:
    """A component-1 draft of the demo call with every step filled, ready to submit; its id."""
    application_id, province_id = start(app, client, organisation, 1, province=province)
    fill_component1(app, client, application_id, province_id)
    return application_id


def submit(client, application_id):
    """Press the preview's submit button."""
    return post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )


def field_error(page: str, field_id: str) -> str:
    """The error shown under a field ('' when there is none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', page)
    return html.unescape(match[1]) if match else ""


def report_line(page: str, rule: str) -> tuple[str, str]:
    """(outcome, explanation) of one rule in a page's eligibility table."""
    for row in re.findall(r'<tr class="report-([a-z_]+)">(.*?)</tr>', page, re.S):
        if f">{rule}<" in row[1]:
            cells = re.findall(r"<td>(.*?)</td>", row[1], re.S)
            return row[0], html.unescape(re.sub(r"<[^>]+>", "", cells[-1])).strip()
    raise AssertionError(f"{rule} is not in the report")


def open_call(app, edition: str, component: int, province: str = "Sidi Ifni") -> int:
    """An open call of another edition than the demo calls' (with jobs in `province`)."""
    from portal.calls.models import Call, CallProvince, Edition

    template = demo_call(app, component)
    with app.app_context():
        call = Call(
            edition_id=db.session.query(Edition).filter_by(code=edition).one().id,
            component=component,
            title_ar=f"طلب مشاريع {edition}",
            title_fr=f"Appel {edition} {uuid.uuid4().hex[:6]}",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
        )
        place = db.session.query(Province).filter_by(name_fr=province).one()
        call.provinces = [CallProvince(province_id=place.id, quota_jobs=100)]
        db.session.add(call)
        db.session.commit()
        return call.id


def start_on(app, client, organisation, call_id: int, province: str = "Sidi Ifni") -> int:
    """A draft for the call `call_id` (start() takes the demo call of a component)."""
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr=province).one().id
    response = post(
        client,
        "/applications/start",
        {"call_id": call_id, "organisation_id": organisation.id, "province_id": province_id},
        token_from=f"/calls/{call_id}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.search(r"/applications/(\d+)/", response.headers["Location"])[1])


def bulk_applications(app, organisation, owner, n: int, province: str = "Sidi Ifni") -> None:
    """`n` submitted applications of `organisation` straight into the table (for counting a
    page's statements at two sizes)."""
    from sqlalchemy import insert

    from portal.applications.lifecycle import rebuild_counts
    from portal.applications.models import Application

    call = demo_call(app, 1)
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr=province).one().id
        rows = [
            {
                "organisation_id": organisation.id,
                "call_id": call.id,
                "component": 1,
                "province_id": province_id,
                "status": "eligible",
                "details": {},
                "number": f"BULK-{uuid.uuid4().hex[:12]}",
                "created_by_id": owner.id,
                "eligibility_outcome": "pass",
            }
            for _ in range(n)
        ]
        db.session.execute(insert(Application), rows)
        rebuild_counts()  # past the transitions
        db.session.commit()

"""The dashboard: jobs allotted, requested, approved and left per province; statuses."""

import uuid

from sqlalchemy import insert

from portal.applications.lifecycle import rebuild_counts
from portal.applications.models import Application
from portal.calls.models import Call, CallProvince
from portal.extensions import db
from portal.geo.models import Province
from tests.support.accounts import create_organisation, create_staff, create_user, demo_call, login


def test_dashboard_figures_per_province(app):
    owner = create_user(app)
    organisation = create_organisation(app, owner, province="Sidi Ifni")
    template = demo_call(app, 1)
    with app.app_context():
        sidi_ifni = db.session.query(Province).filter_by(name_fr="Sidi Ifni").one().id
        tantan = db.session.query(Province).filter_by(name_fr="Tan-Tan").one().id
        call = Call(
            edition_id=template.edition_id,
            component=1,
            title_ar="لوحة",
            title_fr=f"Tableau {uuid.uuid4().hex[:6]}",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
        )
        call.provinces = [
            CallProvince(province_id=sidi_ifni, quota_jobs=30, committed_jobs=12),  # the approval
            CallProvince(province_id=tantan, quota_jobs=50),
        ]
        db.session.add(call)
        db.session.flush()
        rows = [("eligible", 10, None)] * 3 + [("approved", 12, 12), ("withdrawn", 99, None)]
        db.session.execute(
            insert(Application),
            [
                {
                    "organisation_id": organisation.id,
                    "call_id": call.id,
                    "component": 1,
                    "province_id": sidi_ifni,
                    "status": status,
                    "details": {},
                    "number": f"D-{uuid.uuid4().hex[:10]}",
                    "created_by_id": owner.id,
                    "jobs_requested": requested,
                    "jobs_granted": granted,
                }
                for status, requested, granted in rows
            ],
        )
        rebuild_counts()  # rows written straight into the table, past the transitions
        db.session.commit()
        call_id = call.id
    admin = app.test_client()
    login(admin, create_staff(app, "admin"))
    page = admin.get("/backoffice/reports/dashboard", query_string={"call": call_id}).get_data(
        as_text=True
    )
    # Sidi Ifni: 30 allotted, 42 requested (withdrawn left out), 12 approved, 18 left.
    assert "<td>30</td><td>42</td><td>12</td><td>18</td>" in page
    assert "<td>50</td><td>0</td><td>0</td><td>50</td>" in page  # Tan-Tan
    assert "40%" in page and "<svg" in page
    tantan_staff = app.test_client()
    login(tantan_staff, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    page = tantan_staff.get(
        "/backoffice/reports/dashboard", query_string={"call": call_id}
    ).get_data(as_text=True)
    assert "<td>30</td>" not in page and "<td>50</td><td>0</td>" in page

"""Applications taken through submission and a closed committee session, for agreement tests."""

from datetime import date

from sqlalchemy import update

from portal.applications.models import Application
from portal.auth.models import User
from portal.committees import services as committees
from portal.extensions import db
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    login,
    new_cnss,
    new_ice,
    post,
)
from tests.support.applications import fill_component1, start

POSTS = {
    "posts-0-title": "عامل تلفيف",
    "posts-0-count": "3",
    "posts-0-contract_months": "24",
    "posts-0-monthly_wage": "3200",
    "posts-0-cat_covid_job_loss": "3",
    "posts-1-title": "سائق",
    "posts-1-count": "1",
    "posts-1-contract_months": "24",
    "posts-1-monthly_wage": "3300",
    "posts-1-cat_difficult_access": "1",
}


def submitted(app, component: int, province: str = "Sidi Ifni", **organisation):
    """A submitted application of `component`; (application id, owner, signed-in client)."""
    owner = create_user(app, full_name="Fatima Zahra Alaoui", phone="0528123456")
    if component == 2:
        organisation = {
            "legal_form": "company",
            "name_ar": "شركة الواحة",
            "name_fr": "Société Al Waha",
            "association_receipt_no": None,
            "ice": new_ice(),
            "rc": "4521",
            "cnss_affiliation": new_cnss(),
        } | organisation
    org = create_organisation(app, owner, province=province, **organisation)
    add_documents(app, org, owner)
    client = app.test_client()
    login(client, owner)
    application_id, province_id = start(app, client, org, component, province=province)
    if component == 1:
        fill_component1(app, client, application_id, province_id)
    else:
        base = f"/applications/{application_id}/steps"
        assert post(client, f"{base}/posts", POSTS).status_code == 302
        from tests.support.applications import upload

        assert upload(client, application_id, "posts_description").status_code == 302
        post(client, f"{base}/declaration", {"declaration": "y"})
    response = post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return application_id, owner, client


def approve_in_session(app, application_ids: list[int], province: str = "Sidi Ifni"):
    """Recommend the applications, approve them in a session and close it; the session id."""
    staff = create_staff(app, "committee_member", "secretariat", provinces=(province,))
    with app.app_context():
        db.session.execute(
            update(Application)
            .where(Application.id.in_(application_ids))
            .values(status="recommended")
        )
        db.session.commit()
        by = db.session.get(User, staff.id)
        first = db.session.get(Application, application_ids[0])
        session = committees.open_session(
            first.call, date(2027, 1, 15), ["الكاتب العام للعمالة", "ANAPEC"], by=by
        )
        for application_id in application_ids:
            committees.decide(
                session, db.session.get(Application, application_id), "approve", by=by
            )
        committees.close(session, by=by)
        return session.id, staff


def signed_in_staff(app, staff):
    client = app.test_client()
    login(client, staff)
    return client

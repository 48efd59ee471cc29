"""Applications taken through submission and a closed committee session, for agreement tests."""

import re
import subprocess
import uuid

from sqlalchemy import insert, update

from portal.applications.lifecycle import rebuild_counts
from portal.applications.models import Application, Submission
from portal.applications.services import snapshot
from portal.auth.models import User
from portal.calls.models import Call, CallProvince
from portal.committees import services as committees
from portal.extensions import db
from portal.geo.models import Province
from portal.timeutil import local_date, utcnow
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    demo_call,
    login,
    new_cnss,
    new_ice,
    post,
)
from tests.support.applications import fill_component1, start

# A worksite as a submission would have frozen it, for applications made without the steps.
WORKSITE = {"title": "ورش تجريبي", "duration_months": "6", "planned_start": "2027-03-01"}

POSTS = {
    "posts-0-title": "عامل تلفيف",
    "posts-0-count": "3",
    "posts-0-contract_months": "24",
    "posts-0-monthly_wage": "3500",
    "posts-0-cat_covid_job_loss": "3",
    "posts-1-title": "سائق",
    "posts-1-count": "1",
    "posts-1-contract_months": "24",
    "posts-1-monthly_wage": "3600",
    "posts-1-cat_difficult_access": "1",
}


def submitted(
    app,
    component: int,
    province: str = "Sidi Ifni",
    *,
    worksite: dict | None = None,
    posts: dict | None = None,
    **organisation,
):
    """A submitted application of `component` (its worksite's answers or posts changed by
    `worksite` or `posts`); (application id, owner, signed-in client)."""
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
        fill_component1(app, client, application_id, province_id, **(worksite or {}))
    else:
        base = f"/applications/{application_id}/steps"
        assert post(client, f"{base}/posts", POSTS | (posts or {})).status_code == 302
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


def new_call(app, quotas: dict[str, int], *, committee: str = "regional") -> int:
    """A fresh component-1 call with the jobs allotted to each named province; its id."""
    template = demo_call(app, 1)
    with app.app_context():
        ids = {p.name_fr: p.id for p in db.session.query(Province)}
        call = Call(
            edition_id=template.edition_id,
            component=1,
            title_ar="دورة اختبار",
            title_fr="Session d'essai",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
            committee_level=committee,
        )
        call.provinces = [
            CallProvince(province_id=ids[name], quota_jobs=quota) for name, quota in quotas.items()
        ]
        db.session.add(call)
        db.session.commit()
        return call.id


def recommended_in(
    app, call_id: int, province: str, n: int, jobs: int, *, owner=None, organisation=None
):
    """`n` recommended component-1 applications of `jobs` jobs each in `province`, with what a
    submission would have frozen (agreements are written from it), for `organisation` (by
    default a new one, with a new owner); (their ids, the owner)."""
    owner = owner or create_user(app)
    organisation = organisation or create_organisation(app, owner, province=province)
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr=province).one().id
        ids = [
            db.session.execute(
                insert(Application)
                .returning(Application.id)
                .values(
                    organisation_id=organisation.id,
                    call_id=call_id,
                    component=1,
                    province_id=province_id,
                    status="recommended",
                    details={**WORKSITE, "workers_planned": str(jobs)},
                    number=f"T-{uuid.uuid4().hex[:10]}",
                    created_by_id=owner.id,
                )
            ).scalar_one()
            for _ in range(n)
        ]
        for application_id in ids:
            db.session.add(
                Submission(
                    application_id=application_id,
                    sequence=1,
                    submitted_by_id=owner.id,
                    data=snapshot(
                        db.session.get(Application, application_id),
                        by=db.session.get(User, owner.id),
                        at=utcnow(),
                    ),
                )
            )
        rebuild_counts()  # the rows came straight into the table, past the transitions
        db.session.commit()
        return ids, owner


def recommended_in_new_call(app, n: int, jobs: int, quota: int, province: str = "Sidi Ifni"):
    """`n` recommended applications of `jobs` jobs each in a fresh call of one province (its
    regional committee); (call id, application ids, owner)."""
    call_id = new_call(app, {province: quota})
    ids, owner = recommended_in(app, call_id, province, n, jobs)
    return call_id, ids, owner


def approve_in_session(app, application_ids: list[int], province: str = "Sidi Ifni"):
    """Recommend the applications, approve them in a session held today and close it; (the
    session id, a deciding staff member of the session's provinces)."""
    with app.app_context():
        call = db.session.get(Application, application_ids[0]).call
        provinces = (
            (province,)
            if call.committee_level == "provincial"
            else tuple(p.province.name_fr for p in call.provinces)  # the regional committee
        )
    staff = create_staff(app, "committee_member", "secretariat", provinces=provinces)
    with app.app_context():
        db.session.execute(
            update(Application)
            .where(Application.id.in_(application_ids))
            .values(status="recommended")
        )
        rebuild_counts()
        db.session.commit()
        by = db.session.get(User, staff.id)
        first = db.session.get(Application, application_ids[0])
        session = committees.open_session(
            first.call,
            local_date(),
            ["الكاتب العام للعمالة", "ANAPEC"],
            by=by,
            province_id=first.province_id,
        )
        for application_id in application_ids:
            committees.decide(
                session, db.session.get(Application, application_id), "approve", by=by
            )
        committees.close(session, by=by)
        db.session.commit()  # as the request does: the renders and emails leave after it
        return session.id, staff


def signed_in_staff(app, staff):
    client = app.test_client()
    login(client, staff)
    return client


BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdftotext(path) -> str:
    """A PDF's text in logical order (pdftotext), bidi controls removed, whitespace folded."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(BIDI.sub("", text).split())


def pdf_pages(path) -> list[str]:
    """The text of each page of a PDF (pdftotext, page by page), bidi controls removed."""
    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    return [
        BIDI.sub(
            "",
            subprocess.run(
                ["pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), path, "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout,
        )
        for n in range(1, pages + 1)
    ]


def smig_today():
    """The national minimum wage in force today (the agreements state it and its date)."""
    from portal.wages import minimum_wage

    return minimum_wage(local_date())


def french_amount(value: float, space: str = " ") -> str:
    """427 687,20 as French writes it (the thousands separated by `space`)."""
    return f"{value:,.2f}".translate(str.maketrans({",": space, ".": ","}))


def arabic_amount(value: float) -> str:
    """427.687,20 as Arabic writes it in Morocco."""
    return f"{value:,.2f}".translate(str.maketrans(",.", ".,"))

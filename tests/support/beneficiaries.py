"""Signed agreements with room for workers, and the people to enrol on them."""

import random
import string
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch

from sqlalchemy import select

from portal.agreements import services as agreements
from portal.agreements.models import Agreement
from portal.applications.models import Application, Status
from portal.auth.models import User
from portal.beneficiaries import services
from portal.committees import services as committee_services
from portal.extensions import db
from portal.geo.models import Province
from tests.support.accounts import add_member, create_user, csrf_token, login
from tests.support.agreements import approve_in_session, recommended_in_new_call, submitted
from tests.support.files import plain_pdf
from tests.support.processes import wait_for


def signed_agreement(
    app, province: str = "Sidi Ifni", jobs: int = 3, component: int = 1
) -> SimpleNamespace:
    """A signed and confirmed agreement in `province`: component 1, of `jobs` workers;
    component 2, of the posts of tests/support/agreements.py (3 then 1 hires). Its id, its
    application's, the organisation's owner and an editor, and a secretariat member of the
    province (who decided it)."""
    if component == 1:
        _call, (application_id,), owner = recommended_in_new_call(
            app, 1, jobs=jobs, quota=jobs * 2, province=province
        )
    else:
        application_id, owner, _client = submitted(app, 2, province)
    with plain_documents():
        _session, staff = approve_in_session(app, [application_id], province)
    wait_for(lambda: _issued(app, application_id), 60, what="the agreement's PDF by the worker")
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        agreements.upload_signed(agreement, plain_pdf(), by=db.session.get(User, owner.id))
        agreements.confirm_signed(agreement, by=db.session.get(User, staff.id))
        db.session.commit()
        organisation = agreement.application.organisation
        province_id = agreement.application.province_id
        db.session.expunge(organisation)
        side = SimpleNamespace(
            agreement_id=agreement.id,
            application_id=application_id,
            organisation_id=organisation.id,
            province_id=province_id,
            commune_id=db.session.get(Province, province_id).communes[0].id,
            owner=owner,
            staff=staff,
        )
    side.editor = create_user(app)
    add_member(app, organisation, side.editor)
    return side


@contextmanager
def plain_documents():
    """The agreement's and the minutes' PDFs a one-page plain PDF: the tests that sign an
    agreement to work after it never read them, and WeasyPrint takes a second or two for each
    (tests/agreements and tests/committees read the real ones). Only tasks run in this process
    (eager) are concerned: the journeys' real worker renders them."""
    with (
        patch.object(agreements, "agreement_pdf", lambda _agreement: plain_pdf()),
        patch.object(committee_services, "minutes_pdf", lambda _session: plain_pdf()),
    ):
        yield


def _issued(app, application_id: int) -> bool:
    """Is the application's agreement issued (its PDF stored)? At once where tasks are eager;
    a real worker (the journeys) takes a moment, and a signed copy comes after it."""
    with app.app_context():
        status = db.session.scalar(
            select(Application.status).where(Application.id == application_id)
        )
        return status != Status.APPROVED


def new_cin() -> str:
    """A CIN of two letters and six digits, new for this run (as a person would type it)."""
    letters = "".join(random.choices(string.ascii_uppercase, k=2))
    return f"{letters}{random.randint(100_000, 999_999)}"


def person_details(commune_id: int, **overrides) -> dict:
    return {
        "last_name_ar": "العلوي",
        "first_name_ar": "سعيد",
        "last_name_fr": "Alaoui",
        "first_name_fr": "Saïd",
        "birth_date": date(1996, 4, 2),
        "sex": "male",
        "commune_id": commune_id,
        "education_level": "secondary",
        "disability_card_no": None,
        "anapec_registration_date": None,
        "cnss_number": None,
        "phone": None,
    } | overrides


def enrol(side, cin: str, *, by_id: int | None = None, **overrides):
    """Enrol `cin` on the side's agreement through the service (not committed): a CDD from
    `start` (1 March 2027) to `end` (31 August 2027) at the SMIG of its start by default."""
    start = overrides.pop("start", date(2027, 3, 1))
    end = overrides.pop("end", date(2027, 8, 31))
    wage = overrides.pop("wage", None)
    post_index = overrides.pop("post_index", None)
    eligibility = overrides.pop("eligibility", None)
    agreement = db.session.get(Agreement, side.agreement_id)
    return services.enrol(
        agreement,
        cin,
        person_details(side.commune_id, **overrides),
        kind="cdd",
        role="عامل",
        start_date=start,
        planned_end=end,
        monthly_wage=wage or Decimal("3266.10"),
        post_index=post_index,
        eligibility=eligibility,
        by=db.session.get(User, by_id or side.editor.id),
    )


def enrol_form(commune_id: int, cin: str, **changes) -> dict:
    """What a partner's editor types in the enrolment form (component 1)."""
    return {
        "cin": cin,
        "last_name_ar": "البصري",
        "first_name_ar": "خديجة",
        "last_name_fr": "Basri",
        "first_name_fr": "Khadija",
        "birth_date": "1998-02-11",
        "sex": "female",
        "commune_id": str(commune_id),
        "education_level": "baccalaureate",
        "kind": "cdd",
        "role": "عاملة تشجير",
        "start_date": "2027-03-01",
        "planned_end": "2027-08-31",
        "monthly_wage": "3266.10",
        "phone": "06 12 34 56 78",
    } | changes


def person_form(commune_id: int, **changes) -> dict:
    """What the secretariat sends to correct a person's details on their request."""
    return {
        "last_name_ar": "العلوي",
        "first_name_ar": "سعيد",
        "last_name_fr": "Alaoui",
        "first_name_fr": "Said",
        "birth_date": "1996-04-02",
        "sex": "male",
        "commune_id": str(commune_id),
        "education_level": "secondary",
        "phone": "0612345678",
        "reason": "طلب المعني بالأمر تصحيح الاسم",
    } | changes


def signed_in(app, user, lang: str = "ar"):
    """An HTTP client of `user`, signed in, reading the pages in `lang`."""
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def send(client, path: str, data: dict):
    """POST the form of `path` with its CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})

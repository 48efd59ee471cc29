"""Every form strips bidirectional controls from what is typed (portal/forms.py): a name, an
answer kept as typed, a change request and a reason come out without them; passwords and the
harmless direction marks are left alone."""

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import update

from portal.applications.models import Application
from portal.auth.models import User
from portal.committees import services as committees
from portal.committees.models import Decision
from portal.extensions import db
from portal.geo.models import Province
from portal.organisations.models import Organisation
from tests.support.accounts import (
    PASSWORD,
    create_organisation,
    create_staff,
    create_user,
    login,
    post,
)
from tests.support.agreements import submitted
from tests.support.applications import start

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
MARKS = "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks


def planted(text: str) -> str:
    """`text` with every control around it, as a reordering trick would carry them."""
    return f"\u202e{text}\u202c\u2067 {text}\u2069\u202a\u202b\u202d\u2066\u2068\u202c\u2069"


def clean(value: str) -> bool:
    return bool(value) and not any(c in value for c in CONTROLS)


def test_every_form_of_the_portal_inherits_the_cleaning_base():
    bypassing = [
        str(path)
        for path in Path("portal").rglob("*.py")
        if path != Path("portal/forms.py")
        and ("FlaskForm" in path.read_text() or "wtforms import Form" in path.read_text())
    ]
    assert bypassing == []


def test_an_organisation_s_names_are_stored_without_controls(app):
    owner = create_user(app)
    client = app.test_client()
    login(client, owner)
    with app.app_context():
        province = db.session.query(Province).filter_by(name_fr="Tan-Tan").one()
        place = {"province_id": province.id, "commune_id": province.communes[0].id}
    response = post(
        client,
        "/organisations/new",
        {
            "legal_form": "association",
            "name_ar": planted("جمعية النور"),
            "name_fr": planted("Association Ennour") + MARKS,
            "created_on": "2016-04-01",
            "address": planted("حي الفتح"),
            "legal_representative": planted("Said Amrani"),
            "association_receipt_no": "RD-" + planted("4471"),
            **place,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    organisation_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        stored = [
            organisation.name_ar,
            organisation.name_fr,
            organisation.address,
            organisation.legal_representative,
            organisation.association_receipt_no,
        ]
    assert all(clean(value) for value in stored), stored
    assert stored[0] == "جمعية النور جمعية النور"
    assert stored[1].endswith(MARKS)  # the marks stay


def test_an_answer_kept_as_typed_is_kept_without_controls(app):
    owner = create_user(app)
    organisation = create_organisation(app, owner)
    client = app.test_client()
    login(client, owner)
    application_id, _province_id = start(app, client, organisation, 1)
    post(
        client,
        f"/applications/{application_id}/steps/worksite",
        {"title": planted("تشجير"), "workers_planned": "not a number"},
    )
    with app.app_context():
        details = db.session.get(Application, application_id).details
    assert details["title"] == "تشجير تشجير" and details["workers_planned"] == "not a number"


def test_a_change_request_and_the_reasons_of_staff_are_stored_without_controls(app):
    application_id, _owner, _client = submitted(app, 1)
    staff = create_staff(
        app, "secretariat", "committee_member", "technical_committee", provinces=("Sidi Ifni",)
    )
    client = app.test_client()
    login(client, staff)
    page = f"/backoffice/applications/{application_id}"
    post(
        client,
        f"{page}/override",
        {"rule": "C1-PROJ-SECTOR", "outcome": "pass", "reason": planted("مودع ورقيا")},
        token_from=page,
    )
    post(
        client,
        f"{page}/changes",
        {"what": planted("أضيفوا الشهادة"), "deadline": str(date.today() + timedelta(days=9))},
        token_from=page,
    )
    with app.app_context():
        application = db.session.get(Application, application_id)
        override = application.submissions[-1].reports[-1].overrides["C1-PROJ-SECTOR"]
        assert clean(override["reason"]) and clean(application.change_request)
        db.session.execute(
            update(Application).filter_by(id=application_id).values(status="recommended")
        )
        session = committees.open_session(
            application.call,
            date.today(),
            ["ANAPEC"],
            by=db.session.get(User, staff.id),
            province_id=application.province_id,
        )
        db.session.commit()
        session_id = session.id
    sessions = f"/backoffice/sessions/{session_id}"
    post(
        client,
        f"{sessions}/decide",
        {"application_id": str(application_id), "outcome": "reject", "reason": planted("خارج")},
        token_from=sessions,
    )
    with app.app_context():
        decision = db.session.query(Decision).filter_by(session_id=session_id).one()
        assert decision.reason == "خارج خارج"


def test_a_password_is_kept_exactly_as_typed(app):
    user = create_user(app)
    client = app.test_client()
    login(client, user)
    typed = "pass\u202eword with a control"
    post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": typed, "password_confirm": typed},
    )
    login(app.test_client(), user, typed)

"""Field visits: the secretariat plans one with an inspector of the province, the inspector
records it on the page (checklist, head counts, a phone photo); a head-count gap flags the
month's statement (M-HEADCOUNT), at once or when it is opened; visits made against required
(M-VISIT-MIN). Attacks: another province's staff, the applicant, a committee member who is not
the inspector, a PHP file named .jpg, too many photos; the photo shown keeps no GPS."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.monitoring import services
from portal.monitoring.models import MonitoringVisit, VisitPhoto
from portal.payroll import statements
from portal.payroll.models import MonthlyStatement
from portal.storage import get
from tests.support.accounts import create_staff
from tests.support.beneficiaries import send, signed_in
from tests.support.queries import page_statements
from tests.support.statements import NOVEMBER, OCTOBER, TODAY, on_today, statement_in, workforce
from tests.support.visits import LATITUDE, LONGITUDE, has_gps, phone_photo, planned


@pytest.fixture
def side(app, monkeypatch):
    on_today(monkeypatch)
    monkeypatch.setattr("portal.monitoring.services.local_date", lambda: TODAY)
    monkeypatch.setattr("portal.monitoring.staff_views.local_date", lambda: TODAY)
    return workforce(app)


def record_form(**changes) -> dict:
    return {
        "done_on": "2026-11-20",
        "checked": ["site_open", "safety"],
        "declared": "2",
        "present": "2",
        "findings": "Chantier actif, 2 ouvriers au travail.",
        "follow_up": "",
        "follow_up_due": "",
        **changes,
    }


def send_files(client, path: str, data: dict, files: list[tuple[bytes, str]]):
    import io

    from tests.support.accounts import csrf_token

    payload = {**data, "csrf_token": csrf_token(client, path)}
    payload["photos"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(path, data=payload, content_type="multipart/form-data")


def test_the_secretariat_plans_and_the_inspector_records_with_a_photo(app, side, html_pages):
    inspector = create_staff(app, "technical_committee", provinces=("Sidi Ifni",), locale="fr")
    staff = signed_in(app, side.staff, "fr")
    application = staff.get(f"/backoffice/applications/{side.application_id}")
    listing = f"/backoffice/visits/agreements/{side.agreement_id}"
    assert f'href="{listing}"' in application.get_data(as_text=True)
    page = staff.get(listing).get_data(as_text=True)
    html_pages.save("monitoring-agreement-visits", page)
    assert "Planifier une visite" in page and f'value="{inspector.id}"' in page
    response = send(staff, listing, {"planned_on": "2026-11-20", "inspector": inspector.id})
    assert response.status_code == 302
    with app.app_context():
        visit = db.session.scalar(
            select(MonitoringVisit).filter_by(application_id=side.application_id)
        )
        visit_id = visit.id
        assert visit.status == "planned" and visit.inspector_id == inspector.id
    path = f"/backoffice/visits/{visit_id}"
    assert response.headers["Location"].endswith(path)
    phone = signed_in(app, inspector, "fr")
    form = phone.get(path).get_data(as_text=True)
    html_pages.save("monitoring-visit-record", form)
    # The declared head count is pre-filled with the contracts holding the day: the full and
    # the late worker on 20 November (the leaver left in October).
    assert 'name="declared"' in form and 'value="2"' in form
    assert 'capture="environment"' in form and 'accept="image/*"' in form
    response = send_files(phone, path, record_form(), [(phone_photo(), "IMG_0001.jpg")])
    assert response.status_code == 302, response.get_data(as_text=True)
    done = phone.get(path).get_data(as_text=True)
    html_pages.save("monitoring-visit-done", done)
    assert "Chantier actif" in done
    with app.app_context():
        visit = db.session.get(MonitoringVisit, visit_id)
        assert visit.status == "done" and not visit.headcount_flagged
        assert [item["ok"] for item in visit.checklist] == [True, False, True, False, False]
        assert visit.checklist[0]["fr"] == "Le chantier est ouvert et en activité"
        (photo,) = visit.photos
        assert (photo.latitude, photo.longitude) == (LATITUDE, LONGITUDE)  # the edition allows
        assert not has_gps(get(photo.sha256))
        photo_id = photo.id
        assert db.session.scalar(
            select(AuditEvent).filter_by(action="visit.recorded", object_id=visit_id)
        )
    shown = phone.get(f"/backoffice/visits/photos/{photo_id}")
    downloaded = phone.get(f"/backoffice/visits/photos/{photo_id}?download=1")
    assert (
        shown.mimetype == "image/jpeg" and "attachment" in downloaded.headers["Content-Disposition"]
    )
    assert not has_gps(shown.data) and not has_gps(downloaded.data)
    # Recorded once: a replay is refused
    assert send_files(phone, path, record_form(), []).status_code == 403


def test_where_the_edition_does_not_allow_it_the_place_is_not_kept(app, side, monkeypatch):
    real = services.settings_of
    monkeypatch.setattr(
        services, "settings_of", lambda edition: {**real(edition), "keep_location": False}
    )
    visit_id = planned(app, side, date(2026, 11, 20))
    with app.app_context():
        visit = db.session.get(MonitoringVisit, visit_id)
        done = services.VisitRecord(date(2026, 11, 20), 2, 2, photos=[phone_photo("PNG")])
        services.record_visit(visit, done, by=db.session.get(User, side.staff.id))
        (photo,) = visit.photos
        assert photo.latitude is None and photo.longitude is None
        assert photo.content_type == "image/png" and not has_gps(get(photo.sha256))


def test_a_php_file_named_jpg_is_refused_and_nothing_is_written(app, side):
    visit_id = planned(app, side, date(2026, 11, 20))
    staff = signed_in(app, side.staff, "fr")
    path = f"/backoffice/visits/{visit_id}"
    php = b"<?php system($_GET['c']); ?>"
    response = send_files(staff, path, record_form(), [(php, "photo.jpg")])
    assert response.status_code == 400
    assert "JPEG, PNG et WebP" in response.get_data(as_text=True)
    # A JPEG that carries a web page is refused too
    disguised = phone_photo() + b"<script>alert(1)</script>"
    response = send_files(staff, path, record_form(), [(disguised, "photo.jpg")])
    assert response.status_code == 400
    with app.app_context():
        visit = db.session.get(MonitoringVisit, visit_id)
        assert visit.status == "planned" and visit.photos == []
        assert db.session.scalar(select(db.func.count(VisitPhoto.id))) == 0


def test_a_visit_holds_the_editions_number_of_photos(app, side):
    visit_id = planned(app, side, date(2026, 11, 20))
    with app.app_context():
        visit = db.session.get(MonitoringVisit, visit_id)
        done = services.VisitRecord(date(2026, 11, 20), 2, 2, photos=[phone_photo()] * 7)
        with pytest.raises(services.VisitRefused, match="too_many_photos"):
            services.record_visit(visit, done, by=db.session.get(User, side.staff.id))
        assert visit.status == "planned"


def test_a_gap_flags_the_open_statement_and_the_secretariat_sees_it(app, side, html_pages):
    november = statement_in(app, side, NOVEMBER, "certified")
    visit_id = planned(app, side, date(2026, 11, 20))
    staff = signed_in(app, side.staff, "fr")
    response = send_files(staff, f"/backoffice/visits/{visit_id}", record_form(present="1"), [])
    assert response.status_code == 302
    with app.app_context():
        statement = db.session.get(MonthlyStatement, november)
        assert statement.review_flagged_at is not None
        assert statement.review_detail == {
            "visit_id": visit_id,
            "visited_on": "2026-11-20",
            "declared": 2,
            "present": 1,
        }
    page = staff.get(f"/backoffice/payroll/statements/{november}").get_data(as_text=True)
    html_pages.save("payroll-statement-flagged", page)
    assert "À examiner" in page and "Ouvriers comptés à la visite du" in page
    assert 'id="review-flag"' in page
    listing = staff.get("/backoffice/payroll/statements").get_data(as_text=True)
    assert "à examiner" in listing


def test_a_gap_before_the_statement_exists_flags_it_when_it_is_opened(app, side):
    visit_id = planned(app, side, date(2026, 10, 5))
    with app.app_context():
        visit = db.session.get(MonitoringVisit, visit_id)
        staff = db.session.get(User, side.staff.id)
        services.record_visit(visit, services.VisitRecord(date(2026, 10, 5), 3, 1), by=staff)
        assert visit.headcount_flagged
        editor = db.session.get(User, side.editor.id)
        agreement = db.session.get(Agreement, side.agreement_id)
        october = statements.open_statement(agreement, OCTOBER, by=editor)
        november = statements.open_statement(agreement, NOVEMBER, by=editor)
        assert october.review_flagged_at is not None and october.review_detail["present"] == 1
        assert november.review_flagged_at is None  # another month
        # A second gap the same month keeps the first flag
        second = services.plan_visit(agreement, date(2026, 10, 20), staff, by=staff)
        services.record_visit(second, services.VisitRecord(date(2026, 10, 20), 3, 0), by=staff)
        assert october.review_detail["visit_id"] == visit_id


def test_visits_made_against_required_per_province(app, side):
    """Contracts from 1 June: June to December begun by 2 December, 7 visits required."""
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        agreement = db.session.get(Agreement, side.agreement_id)
        for day, present in ((date(2026, 9, 10), 3), (date(2026, 11, 20), 1)):
            visit = services.plan_visit(agreement, day, staff, by=staff)
            services.record_visit(visit, services.VisitRecord(day, 3, present), by=staff)
        services.plan_visit(agreement, date(2026, 12, 15), staff, by=staff)  # not made yet
        counts = services.visit_counts([side.province_id], today=TODAY)[side.province_id]
        assert counts.worksites >= 1 and counts.made >= 2 and counts.required >= 7
        assert counts.with_gap >= 1 and counts.short >= 1
        alone = services.worksite_count(
            agreement.application, services.visits_of(side.application_id), today=TODAY
        )
        assert (alone.made, alone.required, alone.gap) == (2, 7, True)
        assert services.visit_counts([], today=TODAY) == {}


def test_who_sees_plans_and_records(app, side):
    visit_id = planned(app, side, date(2026, 11, 20))
    path = f"/backoffice/visits/{visit_id}"
    listing = f"/backoffice/visits/agreements/{side.agreement_id}"
    elsewhere = signed_in(app, create_staff(app, "secretariat", provinces=("Guelmim",)))
    assert elsewhere.get(path).status_code == 404
    assert elsewhere.get(listing).status_code == 404
    assert send_files(elsewhere, "/backoffice/visits/", {}, []).status_code in (404, 405)
    assert elsewhere.post(path, data=record_form()).status_code in (400, 404)
    committee = signed_in(app, create_staff(app, "committee_member", provinces=("Sidi Ifni",)))
    assert committee.get(path).status_code == 403  # the route is the inspectors'
    # A member of the province's technical committee sees the visit, records only their own
    other = signed_in(app, create_staff(app, "technical_committee", provinces=("Sidi Ifni",)))
    assert other.get(path).status_code == 200
    page = other.get(path).get_data(as_text=True)
    assert 'name="present"' not in page
    assert send_files(other, path, record_form(), []).status_code == 403
    assert send(other, listing, {"planned_on": "2026-12-20", "inspector": 1}).status_code == 403
    applicant = signed_in(app, side.owner)
    assert applicant.get(path).status_code == 403 and applicant.get(listing).status_code == 403
    # An inspector from another province is refused by the service
    with app.app_context():
        outsider = db.session.get(User, create_staff(app, "technical_committee").id)
        agreement = db.session.get(Agreement, side.agreement_id)
        with pytest.raises(services.VisitRefused, match="not_inspector"):
            services.plan_visit(
                agreement, date(2026, 12, 1), outsider, by=db.session.get(User, side.staff.id)
            )


def test_an_overdue_follow_up_is_listed_until_marked_done(app, side):
    visit_id = planned(app, side, date(2026, 11, 2))
    staff = signed_in(app, side.staff, "fr")
    path = f"/backoffice/visits/{visit_id}"
    wrong = send_files(
        staff, path, record_form(done_on="2026-11-02", follow_up="Afficher la liste"), []
    )
    assert wrong.status_code == 400  # a follow-up needs its due date
    response = send_files(
        staff,
        path,
        record_form(
            done_on="2026-11-02", follow_up="Afficher la liste", follow_up_due="2026-11-30"
        ),
        [],
    )
    assert response.status_code == 302
    listing = staff.get("/backoffice/visits/").get_data(as_text=True)
    overdue = listing.split('id="overdue"')[1].split('id="planned"')[0]
    assert path in overdue
    assert send(staff, f"{path}/follow-up", {}).status_code == 302
    listing = staff.get("/backoffice/visits/").get_data(as_text=True)
    assert path not in listing.split('id="overdue"')[1].split('id="planned"')[0]
    assert send(staff, f"{path}/follow-up", {}).status_code == 403  # once


def test_the_pages_run_the_same_statements_whatever_their_visits(app, side):
    staff = signed_in(app, side.staff, "fr")
    listing = f"/backoffice/visits/agreements/{side.agreement_id}"

    def run():
        visit = db.session.scalar(
            select(MonitoringVisit.id)
            .filter_by(status="done")
            .order_by(MonitoringVisit.id.desc())
            .limit(1)
        )
        return {
            "list": page_statements(app, staff, "/backoffice/visits/"),
            "agreement": page_statements(app, staff, listing),
            "visit": page_statements(app, staff, f"/backoffice/visits/{visit}"),
        }

    def add(day: date, photos: int):
        with app.app_context():
            user = db.session.get(User, side.staff.id)
            agreement = db.session.get(Agreement, side.agreement_id)
            visit = services.plan_visit(agreement, day, user, by=user)
            services.record_visit(
                visit, services.VisitRecord(day, 2, 2, photos=[phone_photo()] * photos), by=user
            )
            db.session.commit()

    add(date(2026, 11, 2), 1)
    with app.app_context():
        first = run()
    add(date(2026, 11, 9), 3)
    add(date(2026, 11, 16), 2)
    planned(app, side, date(2026, 12, 20))
    with app.app_context():
        then = run()
    assert then == first, (first, then)
    assert first["list"] <= 6 and first["agreement"] <= 10 and first["visit"] <= 8, first

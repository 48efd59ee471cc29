"""The reports' and close-out's pages: the partner opens a phase's report, writes it, adds a
photo (checked by its content, shown without its metadata), an editor submits, the owner
certifies; the province's secretariat accepts and closes the agreement, once; nobody else."""

import io
from datetime import date

from PIL import Image
from sqlalchemy import select

from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.beneficiaries.models import Contract
from portal.closeout.models import FINAL, WorkReport
from portal.extensions import db
from tests.support.accounts import create_staff, csrf_token, login
from tests.support.closeout import months_paid, photo_bytes, report_in
from tests.support.queries import page_statements


def signed_in(app, user, lang: str = "ar"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def send(client, path: str, data: dict | None = None, token_from: str | None = None):
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def test_the_partner_writes_a_phases_report_with_a_photo_and_the_owner_certifies(
    app, side, html_pages
):
    editor = signed_in(app, side.editor, "fr")
    application = (
        editor.get(f"/applications/{side.application_id}")
        .get_data(as_text=True)
        .replace("&#39;", "'")
    )
    listing = f"/applications/{side.application_id}/reports"
    assert (
        f'href="{listing}"' in application
        and "Le rapport final n'est pas encore rédigé" in application
    )
    page = editor.get(listing).get_data(as_text=True).replace("&#39;", "'")
    html_pages.save("closeout-reports", page)
    assert (
        "Rapport d'avancement de la phase 3" in page and 'value="0"' not in page
    )  # final: not yet
    assert send(editor, listing, {"phase": "0"}).status_code == 302  # refused, with a message
    response = send(editor, listing, {"phase": "1"})
    assert response.status_code == 302
    with app.app_context():
        report_id = db.session.scalar(
            select(WorkReport.id).filter_by(application_id=side.application_id, phase=1)
        )
    path = f"/reports/{report_id}"
    assert response.headers["Location"].endswith(path)
    assert (
        send(editor, path, {"progress": "101", "language": "fr", "narrative": "x"}).status_code
        == 400
    )
    assert (
        send(
            editor, path, {"progress": "35", "language": "fr", "narrative": "Terrassement fait."}
        ).status_code
        == 302
    )
    # A photo: its camera's details are not kept; a PDF or a page is refused by its content.
    photos = f"{path}/photos"
    sent = editor.post(
        photos,
        data={
            "photo": (io.BytesIO(photo_bytes()), "IMG_0001.jpg"),
            "caption": "Le terrassement",
            "csrf_token": csrf_token(editor, path),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    for data, name, message in (
        (b"%PDF-1.4\n%%EOF", "plan.jpg", "Seules les photos JPEG et PNG sont acceptées."),
        (
            b"<html><script>alert(1)</script>",
            "page.png",
            "Seules les photos JPEG et PNG sont acceptées.",
        ),
    ):
        refused = editor.post(
            photos,
            data={"photo": (io.BytesIO(data), name), "csrf_token": csrf_token(editor, path)},
            content_type="multipart/form-data",
        )
        assert refused.status_code == 400 and message in refused.get_data(as_text=True).replace(
            "&#39;", "'"
        )
    page = editor.get(path).get_data(as_text=True).replace("&#39;", "'")
    html_pages.save("closeout-report-draft", page)
    with app.app_context():
        photo_id = db.session.get(WorkReport, report_id).photos[0].id
    shown = editor.get(f"{photos}/{photo_id}")
    assert shown.mimetype == "image/jpeg" and "no-store" in shown.headers["Cache-Control"]
    assert b"PhoneModel" not in shown.data and not Image.open(io.BytesIO(shown.data)).getexif()
    assert f'src="{photos}/{photo_id}"' in page and 'alt="Le terrassement"' in page
    # The owner does not submit; the editor does; the owner certifies.
    owner = signed_in(app, side.owner, "ar")
    assert send(owner, f"{path}/submit", token_from=path).status_code == 403
    assert send(editor, f"{path}/submit", token_from=path).status_code == 302
    assert send(editor, f"{path}/certify", token_from=path).status_code == 403  # it submitted
    page = owner.get(path).get_data(as_text=True).replace("&#39;", "'")
    html_pages.save("closeout-report-certify", page)
    assert 'lang="fr" dir="ltr">Terrassement fait.' in page
    assert send(owner, f"{path}/certify", token_from=path).status_code == 302
    # Another organisation sees nothing of it; another province's secretariat neither.
    from tests.support.accounts import create_user

    assert signed_in(app, create_user(app)).get(path).status_code == 404
    elsewhere = signed_in(app, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    assert elsewhere.get(f"/backoffice/closeout/reports/{report_id}").status_code == 404
    assert elsewhere.get(f"{photos}/{photo_id}").status_code == 404
    # The province's secretariat returns it with a reason, then accepts it once corrected.
    staff = signed_in(app, side.staff, "fr")
    waiting = staff.get("/backoffice/closeout/reports").get_data(as_text=True).replace("&#39;", "'")
    html_pages.save("closeout-staff-reports", waiting)
    assert f"/backoffice/closeout/reports/{report_id}" in waiting
    staff_path = f"/backoffice/closeout/reports/{report_id}"
    html_pages.save(
        "closeout-staff-report", staff.get(staff_path).get_data(as_text=True).replace("&#39;", "'")
    )
    assert (
        send(staff, f"{staff_path}/return", {"reason": ""}, token_from=staff_path).status_code
        == 400
    )
    assert (
        send(
            staff,
            f"{staff_path}/return",
            {"reason": "Ajoutez la clôture du site."},
            token_from=staff_path,
        ).status_code
        == 302
    )
    assert "Ajoutez la clôture du site." in editor.get(path).get_data(as_text=True).replace(
        "&#39;", "'"
    )
    assert send(editor, f"{path}/submit", token_from=path).status_code == 302
    assert send(owner, f"{path}/certify", token_from=path).status_code == 302
    assert send(staff, f"{staff_path}/accept", token_from=staff_path).status_code == 302
    assert send(staff, f"{staff_path}/accept", token_from=staff_path).status_code == 403  # once
    with app.app_context():
        assert db.session.get(WorkReport, report_id).status == "accepted"


def test_the_pages_run_the_same_statements_whatever_their_photos_and_reports(app, side):
    editor, staff = signed_in(app, side.editor), signed_in(app, side.staff)
    first_id = report_in(app, side, 1, "certified")

    def counts(report_id):
        return {
            "partner's list": page_statements(
                app, editor, f"/applications/{side.application_id}/reports"
            ),
            "partner's report": page_statements(app, editor, f"/reports/{report_id}"),
            "partner's application": page_statements(
                app, editor, f"/applications/{side.application_id}"
            ),
            "staff's list": page_statements(app, staff, "/backoffice/closeout/reports"),
            "staff's report": page_statements(
                app, staff, f"/backoffice/closeout/reports/{report_id}"
            ),
            "staff's application": page_statements(
                app, staff, f"/backoffice/applications/{side.application_id}"
            ),
        }

    first = counts(first_id)
    with app.app_context():
        from portal.closeout import services

        editor_user = db.session.get(User, side.editor.id)
        second = db.session.get(WorkReport, report_in(app, side, 2))
        for index in range(4):
            services.add_photo(second, photo_bytes(size=(30 + index, 20)), by=editor_user)
        services.submit(second, by=editor_user)
        services.certify(second, by=db.session.get(User, side.owner.id))
        db.session.commit()
        second_id = second.id
    report_in(app, side, 3, "certified")
    then = counts(second_id)
    assert then == first, (first, then)
    most = {
        "partner's list": 10,
        "partner's report": 8,
        "partner's application": 40,
        "staff's list": 5,
        "staff's report": 8,
        "staff's application": 45,
    }
    for page, count in first.items():
        assert count <= most[page], (page, count)


def test_the_secretariat_closes_the_agreement_once_and_nobody_else_does(app, side, html_pages):
    with app.app_context():
        editor = db.session.get(User, side.editor.id)
        for key in ("full", "late"):
            beneficiaries.end_contract(
                db.session.get(Contract, side.contracts[key]),
                date(2026, 11, 30),
                "completed",
                by=editor,
            )
        db.session.commit()
    months_paid(app, side)
    close = f"/backoffice/closeout/applications/{side.application_id}/close"
    staff_page = f"/backoffice/applications/{side.application_id}"
    staff = signed_in(app, side.staff, "fr")
    page = staff.get(staff_page).get_data(as_text=True).replace("&#39;", "'")
    assert "Le rapport final n'est pas encore rédigé." in page and f'action="{close}"' not in page
    refused = send(
        staff, close, token_from=staff_page
    )  # the button is not there: the route refuses
    assert refused.status_code == 302
    assert "Le rapport final n'est pas encore rédigé." in staff.get(staff_page).get_data(
        as_text=True
    )
    report_in(app, side, FINAL, "accepted")
    page = staff.get(staff_page).get_data(as_text=True).replace("&#39;", "'")
    html_pages.save("closeout-staff-application", page)
    assert f'action="{close}"' in page
    owner = signed_in(app, side.owner)
    assert send(owner, close, token_from=f"/applications/{side.application_id}").status_code == 403
    elsewhere = signed_in(app, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    assert send(elsewhere, close, token_from="/backoffice/").status_code == 404
    technical = signed_in(app, create_staff(app, "technical_committee", provinces=("Sidi Ifni",)))
    assert send(technical, close, token_from="/backoffice/").status_code == 403
    assert send(staff, close, token_from=staff_page).status_code == 302
    with app.app_context():
        application = db.session.get(Application, side.application_id)
        assert application.status == "closed" and application.closed_at is not None
    again = send(staff, close, token_from=staff_page)
    assert again.status_code == 302
    page = staff.get(staff_page).get_data(as_text=True).replace("&#39;", "'")
    assert "La convention est déjà clôturée." in page and f'action="{close}"' not in page
    partner = (
        owner.get(f"/applications/{side.application_id}")
        .get_data(as_text=True)
        .replace("&#39;", "'")
    )
    html_pages.save("closeout-partner-closed", partner)
    assert "La convention a été clôturée le" in signed_in(app, side.owner, "fr").get(
        f"/applications/{side.application_id}"
    ).get_data(as_text=True).replace("&#39;", "'")

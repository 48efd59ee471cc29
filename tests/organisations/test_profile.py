"""Organisation profile, identifiers, documents checklist, members and history."""

import io
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.geo.models import Province
from portal.notifications.models import Notification
from portal.organisations.models import Membership, Organisation
from portal.timeutil import local_date
from tests.support import files
from tests.support.accounts import (
    create_organisation,
    create_staff,
    create_user,
    csrf_token,
    login,
    new_cnss,
    new_ice,
    post,
)


def form_data(app, **overrides):
    with app.app_context():
        province = db.session.query(Province).filter_by(name_fr="Tan-Tan").one()
        place = {"province_id": province.id, "commune_id": province.communes[0].id}
    return {
        "legal_form": "company",
        "name_ar": "شركة الواحة",
        "name_fr": "Société Al Waha",
        "created_on": "2019-06-01",
        "address": "شارع محمد الخامس، طانطان",
        "legal_representative": "Mbarek Lahbib",
        "ice": new_ice(),
        "rc": "4521",
        "cnss_affiliation": "",
        "rib": "",
        **place,
    } | overrides


@pytest.fixture
def owner(app):
    return create_user(app, full_name="Hassan Ouali")


def test_create_a_company_then_see_its_profile_and_checklist(app, client, owner):
    login(client, owner)
    response = post(
        client, "/organisations/new", form_data(app, ice=new_ice()), token_from="/organisations/new"
    )
    assert response.status_code == 302, errors(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "شركة الواحة" in page and "Société Al Waha" in page
    assert "مستخرج من السجل التجاري" in page and "شهادة الوضعية الجبائية" in page
    assert page.count("status-missing") == 6  # 4 for the profile, 2 for component 2


def errors(response) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', response.get_data(as_text=True))


def test_identifier_formats_block_and_check_keys_only_warn(app, client, owner):
    login(client, owner)
    response = post(
        client,
        "/organisations/new",
        form_data(app, ice="12345", rib="1234", rc="RC12", cnss_affiliation="12a"),
        token_from="/organisations/new",
    )
    assert response.status_code == 200
    found = " ".join(errors(response))
    assert "15 رقما" in found and "24 رقما" in found and "أرقام فقط" in found
    # Right length, wrong key: saved, with a warning on the profile.
    response = post(
        client,
        "/organisations/new",
        form_data(app, ice=new_ice(valid_key=False), rib="1" * 24),
        token_from="/organisations/new",
    )
    assert response.status_code == 302, errors(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "المعرف الموحد للمقاولة غير صحيحة" in page and "مفتاح رقم الحساب البنكي" in page


def test_the_number_required_by_the_legal_form_and_the_commune_of_the_province(app, client, owner):
    login(client, owner)
    with app.app_context():
        guelmim = db.session.query(Province).filter_by(name_fr="Guelmim").one()
        elsewhere = guelmim.communes[0].id
    response = post(
        client,
        "/organisations/new",
        form_data(app, legal_form="association", ice="", commune_id=elsewhere),
        token_from="/organisations/new",
    )
    found = " ".join(errors(response))
    assert "مطلوب بالنسبة لشكلك القانوني" in found and "ليست في الإقليم" in found


def test_a_province_and_a_commune_left_on_the_placeholder_are_asked_for(app, client, owner):
    login(client, owner)
    page = client.get("/organisations/new").get_data(as_text=True)
    assert page.count('<option selected value="">—</option>') == 2  # nothing chosen for them
    response = post(
        client,
        "/organisations/new",
        form_data(app, province_id="", commune_id=""),
        token_from="/organisations/new",
    )
    assert errors(response) == ["هذا الحقل إلزامي."] * 2
    assert response.get_data(as_text=True).count('<option selected value="">—</option>') == 2


def test_duplicate_ice_is_refused_and_the_requester_asks_to_join(app, owner):
    ice = new_ice()
    organisation = create_organisation(
        app, owner, legal_form="company", ice=ice, rc="77", association_receipt_no=None
    )
    other = create_user(app, full_name="Aicha Bent Ali")
    client = app.test_client()
    login(client, other)
    response = post(
        client, "/organisations/new", form_data(app, ice=ice), token_from="/organisations/new"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "هذا الرقم مسجل باسم" in page
    join_path = re.search(r'href="(/organisations/join/[^"]+)"', page).group(1)
    assert client.get(f"/organisations/{organisation.id}").status_code == 404
    assert organisation.name_ar in client.get(join_path).get_data(as_text=True)
    post(client, join_path, {"message": "أنا أمينة المال الجديدة"})
    with app.app_context():
        notice = db.session.scalar(
            select(Notification).filter_by(user_id=owner.id, event="join_request")
        )
        assert "Aicha Bent Ali" in notice.subject
    owner_client = app.test_client()
    login(owner_client, owner)
    members = owner_client.get(f"/organisations/{organisation.id}/members").get_data(as_text=True)
    assert "أنا أمينة المال الجديدة" in members
    request_id = re.search(r"/join-requests/(\d+)", members).group(1)
    post(
        owner_client,
        f"/organisations/{organisation.id}/join-requests/{request_id}",
        {"decision": "approve"},
        token_from=f"/organisations/{organisation.id}/members",
    )
    with app.app_context():
        membership = db.session.get(Membership, (organisation.id, other.id))
        assert membership.role == "editor"
    assert client.get(f"/organisations/{organisation.id}/edit").status_code == 200
    assert client.get(f"/organisations/{organisation.id}/history").status_code == 403


def test_the_join_page_tells_no_name_from_an_id_or_from_someone_else_s_link(app, owner):
    ice = new_ice()
    organisation = create_organisation(
        app,
        owner,
        legal_form="company",
        ice=ice,
        rc="78",
        association_receipt_no=None,
        name_ar="شركة الكثبان الذهبية",
    )
    applicant, stranger = app.test_client(), app.test_client()
    login(applicant, create_user(app))
    login(stranger, create_user(app))
    for n in (organisation.id, organisation.id + 1):
        page = stranger.get(f"/organisations/{n}/join")
        assert page.status_code == 404 and organisation.name_ar not in page.get_data(as_text=True)
    page = post(applicant, "/organisations/new", form_data(app, ice=ice)).get_data(as_text=True)
    join_path = re.search(r'href="(/organisations/join/[^"]+)"', page).group(1)
    assert applicant.get(join_path).status_code == 200
    forwarded = stranger.get(join_path)  # the link is for the person who typed the number
    assert forwarded.status_code == 404
    assert organisation.name_ar not in forwarded.get_data(as_text=True)
    assert stranger.get("/organisations/join/forged").status_code == 404


def test_invite_an_editor_who_accepts_and_hand_over_ownership(app, owner):
    organisation = create_organisation(app, owner)
    invited = create_user(app, full_name="Brahim")
    owner_client = app.test_client()
    login(owner_client, owner)
    members_path = f"/organisations/{organisation.id}/members"
    post(
        owner_client,
        f"/organisations/{organisation.id}/invitations",
        {"email": invited.email.upper()},
        token_from=members_path,
    )
    with app.app_context():
        notice = db.session.scalar(
            select(Notification).filter_by(user_id=invited.id, event="organisation_invitation")
        )
    link = re.search(r"/organisations/invitations/\S+", notice.body_text).group(0)
    stranger = app.test_client()
    login(stranger, create_user(app))
    assert "عنوان بريد آخر" in stranger.get(link).get_data(as_text=True)
    invited_client = app.test_client()
    login(invited_client, invited)
    response = post(invited_client, link, {})
    assert response.headers["Location"].endswith(f"/organisations/{organisation.id}")
    assert post(stranger, link, {}).status_code == 404  # used once
    post(owner_client, f"{members_path}/{invited.id}/owner", {}, token_from=members_path)
    with app.app_context():
        roles = {
            m.user_id: m.role
            for m in db.session.scalars(
                select(Membership).filter_by(organisation_id=organisation.id)
            )
        }
    assert roles == {owner.id: "editor", invited.id: "owner"}
    # The new owner removes the former one.
    post(invited_client, f"{members_path}/{owner.id}/remove", {}, token_from=members_path)
    assert owner_client.get(f"/organisations/{organisation.id}").status_code == 404


def test_documents_checklist_present_missing_expired(app, client, owner):
    organisation = create_organisation(app, owner)
    login(client, owner)
    path = f"/organisations/{organisation.id}"
    upload = f"{path}/documents"
    data = {
        "kind": "statutes",
        "csrf_token": csrf_token(client, path),
        "file": (io.BytesIO(files.plain_pdf()), "../../statuts.pdf"),
    }
    response = client.post(upload, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, errors(response)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(
        upload,
        content_type="multipart/form-data",
        data={
            "kind": "tax_certificate",
            "valid_until": yesterday,
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(files.PNG), "attestation.png"),
        },
    )
    assert response.status_code == 302, errors(response)
    page = client.get(path).get_data(as_text=True)
    assert page.count("status-present") == 1 and page.count("status-expired") == 1
    assert "statuts.pdf" in page and "../" not in page
    # A certificate that expires needs its date.
    response = client.post(
        upload,
        content_type="multipart/form-data",
        data={
            "kind": "cnss_certificate",
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(files.PNG), "cnss.png"),
        },
    )
    assert response.status_code == 400 and "تاريخ انتهاء صلاحية" in " ".join(errors(response))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.pdf", files.EXECUTABLE, "لا تُقبل إلا ملفات PDF"),
        ("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), "يتجاوز حجم الملف 10 ميغابايت"),
        ("js.pdf", files.in_object_streams(files.javascript_pdf()), "JavaScript"),
        ("scan.png", files.png_with_text(files.HTML), "شيفرة صفحات ويب"),
        ("scan.jpg", files.declaring("JPEG", 20000, 20000), "عدد كبير جدًا من البكسلات"),
    ],
)
def test_upload_refusals_are_explained(app, client, owner, name, data, message):
    organisation = create_organisation(app, owner)
    login(client, owner)
    path = f"/organisations/{organisation.id}"
    response = client.post(
        f"{path}/documents",
        content_type="multipart/form-data",
        data={
            "kind": "statutes",
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(data), name),
        },
    )
    assert response.status_code == 400
    assert message in " ".join(errors(response))
    assert "status-present" not in client.get(path).get_data(as_text=True)


def test_documents_open_for_members_and_staff_of_the_province_only(app, owner):
    organisation = create_organisation(app, owner)
    member = app.test_client()
    login(member, owner)
    path = f"/organisations/{organisation.id}"
    member.post(
        f"{path}/documents",
        content_type="multipart/form-data",
        data={
            "kind": "statutes",
            "csrf_token": csrf_token(member, path),
            "file": (io.BytesIO(files.plain_pdf()), "statuts.pdf"),
        },
    )
    document_id = re.search(r"/documents/(\d+)/view", member.get(path).get_data(as_text=True))[1]
    inline = member.get(f"/documents/{document_id}/view")
    assert inline.status_code == 200 and inline.data.startswith(b"%PDF")
    assert "sandbox" in inline.headers["Content-Security-Policy"]
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        member.get(f"/documents/{document_id}")
        .headers["Content-Disposition"]
        .startswith("attachment")
    )
    staff_here, staff_elsewhere, stranger = (app.test_client() for _ in range(3))
    login(staff_here, create_staff(app, "secretariat", provinces=("Sidi Ifni",)))
    login(staff_elsewhere, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    login(stranger, create_user(app))
    assert staff_here.get(f"/documents/{document_id}").status_code == 200
    assert staff_here.get(path).status_code == 200
    assert staff_elsewhere.get(f"/documents/{document_id}").status_code == 404
    assert stranger.get(f"/documents/{document_id}/view").status_code == 404


def test_history_shows_changes_with_identifiers_masked_and_cannot_be_rewritten(app, owner):
    cnss = new_cnss()
    organisation = create_organisation(app, owner, cnss_affiliation=cnss)
    client = app.test_client()
    login(client, owner)
    page = client.get(f"/organisations/{organisation.id}/history").get_data(as_text=True)
    assert "أُنشئت الهيئة" in page and cnss[-4:] in page and cnss not in page
    with app.app_context(), pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET action = 'x'"))
        db.session.flush()
    with app.app_context(), pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
        db.session.flush()


def test_staff_cannot_create_organisations(app):
    client = app.test_client()
    login(client, create_staff(app, "admin"))
    assert client.get("/organisations/new").status_code == 403


def test_unknown_organisation_is_404(app, owner):
    client = app.test_client()
    login(client, owner)
    with app.app_context():
        assert db.session.get(Organisation, 10**8) is None
    assert client.get(f"/organisations/{10**8}").status_code == 404


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "هذا الحقل إلزامي."),
        ("not-an-address", "أدخل عنوان بريد إلكتروني مثل name@example.ma."),
    ],
)
def test_an_invitation_refused_says_why_and_keeps_what_was_typed(app, owner, email, error):
    organisation = create_organisation(app, owner)
    client = app.test_client()
    login(client, owner)
    members = f"/organisations/{organisation.id}/members"
    response = post(
        client, f"/organisations/{organisation.id}/invitations", {"email": email}, members
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error in page and 'aria-invalid="true"' in page and f'value="{email}"' in page


def test_an_invitation_to_an_address_without_an_account_is_sent_in_the_inviters_language(
    app, owner
):
    organisation = create_organisation(app, owner)
    client = app.test_client()
    login(client, owner)
    members = f"/organisations/{organisation.id}/members"
    address = f"new-{uuid.uuid4().hex[:8]}@example.ma"
    response = post(
        client, f"/organisations/{organisation.id}/invitations", {"email": address}, members
    )
    assert response.status_code == 302
    assert address in client.get(members).get_data(as_text=True)  # invitations not yet accepted
    with app.app_context():
        notice = db.session.scalar(select(Notification).filter_by(email=address))
        assert notice.user_id is None and notice.locale == "ar"
        assert "/account/register" in notice.body_text
        assert re.search(r"/organisations/invitations/\S+", notice.body_text)


def test_a_date_of_creation_in_the_future_is_refused_and_kept(app, client, owner):
    login(client, owner)
    tomorrow = (local_date() + timedelta(days=1)).isoformat()
    response = post(client, "/organisations/new", form_data(app, created_on=tomorrow))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "لا يمكن أن يكون تاريخ التأسيس في المستقبل" in page and f'value="{tomorrow}"' in page
    created = form_data(app, created_on=local_date().isoformat())
    assert post(client, "/organisations/new", created).status_code == 302

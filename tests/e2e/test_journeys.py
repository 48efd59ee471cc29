"""The users' journeys of ARCHITECTURE §4 (1 to 5) and of the beneficiaries (6), end to end,
in Arabic and in French.

The portal runs as in production (see conftest.py): tasks go through Redis to a real worker,
which sends every email to an SMTP sink and renders the PDFs; the journeys follow the links of
those emails. They share state in order, per language: the application of journey 1 is the one
reviewed in journey 2 and approved in journey 3; journey 5 exports and counts them.

1. An association's president registers, confirms the address from the email, creates the
   organisation with its documents, starts a component-1 application in Sidi Ifni, saves a
   draft, comes back, runs the pre-check and submits; the receipt email gives the number, the
   eligibility report shows within seconds. With the keyboard alone, on a 360 px phone.
2. The secretariat finds it in the queue of Sidi Ifni and assigns it; a technical-committee
   member scores it and asks for a change by a date; the applicant follows the email, edits and
   submits again; the reviewer sees what changed and recommends it.
3. The deciding committee approves it with other recommended applications in one action within
   Sidi Ifni's quota (the one past the quota is refused, with the reason shown) and closes the
   session: minutes, decision emails, agreements by the worker; the applicant downloads the
   agreement and its QR code leads to the verification page, which says it is valid.
4. A company applies to component 2: the posts step refuses a short contract and a low wage at
   their fields with the edition's bounds (the draft keeps them); the pre-check explains them and
   the hires outside the target groups and blocks the submission; corrected, it passes; once
   approved, its agreement states the grant schedule.
5. An admin sees the dashboard of the call by province and exports its applications to XLSX.
6. After the signature, the partner downloads the template and imports 24 workers with two bad
   rows; the worker reports the errors by row and column; fixed, the file is uploaded again and
   one worker is refused, already under contract in another province (the message says neither
   where nor with whom); the secretariat validates the contracts; the partner ends one, whose
   certificate the worker renders; its QR code leads to the check page, which shows the CIN
   masked and nothing more of the person.

Every page visited is checked once per language (axe: no serious or critical violation; the
body does not scroll sideways at 360 px), its screenshot kept as build/screenshots/e2e-*.png.
"""

import io
import re
import subprocess
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries import imports
from portal.beneficiaries.models import (
    Certificate,
    Contract,
    ContractKind,
    ContractStatus,
    EducationLevel,
    Sex,
)
from portal.beneficiaries.services import mask_cin
from portal.calls.models import Call, CallProvince
from portal.extensions import db
from portal.geo.models import Province
from portal.notifications.models import Notification
from portal.organisations.models import Organisation
from portal.timeutil import local_date
from portal.wages import minimum_wage
from tests.support import files
from tests.support.accounts import (
    PASSWORD,
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    demo_call,
    login,
    new_cnss,
    new_ice,
    post,
    unique_email,
)
from tests.support.agreements import approve_in_session
from tests.support.applications import fill_component1, planned_start
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.browser import DESK, PHONE, staff_sign_in
from tests.support.journeys import (
    cells,
    download,
    go,
    new_context,
    no_error,
    notice,
    run,
    wait_for_page,
)
from tests.support.keyboard import choose, follow, tab_to, tick, type_date, type_into
from tests.support.processes import wait_for
from tests.support.smtp import ISOLATES

pytestmark = pytest.mark.e2e

LANGS = ("ar", "fr")
PROVINCE = "Sidi Ifni"
# Jobs per province of the journeys' component-1 call: Sidi Ifni's quota holds journey 1's
# application and the next two recommended ones, not the fourth.
C1_QUOTAS = {"Guelmim": 40, "Tan-Tan": 30, "Sidi Ifni": 60, "Assa-Zag": 20}
WORKERS_BEFORE, WORKERS_AFTER = 24, 26
OTHERS = (20, 14, 10)  # workers of the other recommended applications, in the agenda's order
PROVINCE_NAMES = {"ar": "سيدي إفني", "fr": "Sidi Ifni"}  # Sidi Ifni, as the pages write it
C2_QUOTAS = {"Guelmim": 20, "Tan-Tan": 12, "Sidi Ifni": 10, "Assa-Zag": 5}
C2_PROVINCE = "Tan-Tan"
REPORT_WITHIN = 10  # seconds from the submit button to the report on the page
# Bidi controls pdftotext wraps around right-to-left runs, and the spaces numbers are grouped by.
BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
SPACES = re.compile(r"[\s\u00a0\u202f]+")

# What the people of the journeys type.
TYPED = {
    "ar": {
        "president": "حسن أوعلي",
        "organisation": "جمعية أمل إفني للتنمية",
        "address": "حي البحر، سيدي إفني",
        "representative": "حسن أوعلي",
        "title": "تشجير مدخل المدينة",
        "location": "الطريق الجهوية 104",
        "results": "غرس 5000 شجرة",
        "description": "أشغال الحفر والغرس والسقي",
        "what": "أضيفوا عاملين اثنين للتأطير الميداني",
        "note": "ورش مفيد للمدينة",
        "members": "عامل الإقليم\nممثل أنابيك",
        "post": "عامل تلفيف",
        "driver": "سائق",
        "company": "شركة الواحة للتلفيف",
        "worker": "عامل تشجير",
    },
    "fr": {
        "president": "Hassan Ouali",
        "organisation": "Association Amal Ifni pour le développement",
        "address": "Quartier de la mer, Sidi Ifni",
        "representative": "Hassan Ouali",
        "title": "Reboisement de l'entrée de la ville",
        "location": "Route régionale 104",
        "results": "5000 arbres plantés",
        "description": "Creusement, plantation et arrosage",
        "what": "Ajoutez deux ouvriers pour l'encadrement sur le terrain",
        "note": "Chantier utile à la ville",
        "members": "Le gouverneur de la province\nReprésentant de l'ANAPEC",
        "post": "Emballeur",
        "driver": "Chauffeur",
        "company": "Société Al Waha d'emballage",
        "worker": "Ouvrier de reboisement",
    },
}
ASSOCIATION_DOCUMENTS = (
    "association_receipt",
    "statutes",
    "bureau_minutes",
    "bank_certificate",
    "representative_cin",
)


@pytest.fixture(scope="module", params=LANGS)
def lang(request):
    return request.param


@pytest.fixture(scope="module")
def journeys(portal, tmp_path_factory):
    """What each journey leaves for the next, per language; its browser contexts are closed at
    the end of the module."""
    upload = tmp_path_factory.mktemp("e2e-files") / "document.pdf"
    upload.write_bytes(files.plain_pdf())
    state = {lang: {"upload": upload, "contexts": []} for lang in LANGS}
    yield state
    for journey in state.values():
        for context in journey["contexts"]:
            portal.run(context.close)


def begin(journeys, lang: str, *needed: str) -> dict:
    """The state of `lang`'s journeys, or a skip if one they build on did not complete."""
    state = journeys[lang]
    missing = [step for step in needed if step not in state]
    if missing:
        pytest.skip(f"an earlier journey did not complete in {lang}: {missing}")
    return state


# Test data written through the services or HTTP, as the other users would.


def open_call(app, component: int, lang: str, quotas: dict[str, int]) -> int:
    """A call of its own for the journeys (edition and dates of the demo call), so that its
    quotas, agenda, dashboard and export hold the journeys' applications only."""
    template = demo_call(app, component)
    with app.app_context():
        provinces = {p.name_fr: p.id for p in db.session.scalars(select(Province))}
        call = Call(
            edition_id=template.edition_id,
            component=component,
            title_ar=f"طلب مشاريع المكون {component}: المسار الكامل ({lang})",
            title_fr=f"Appel à projets, volet {component} : parcours complet ({lang})",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
            committee_level=template.committee_level,
            signatories=template.signatories,
        )
        call.provinces = [
            CallProvince(province_id=provinces[name], quota_jobs=jobs)
            for name, jobs in quotas.items()
        ]
        db.session.add(call)
        db.session.commit()
        return call.id


def province(app, name: str):
    """(province id, ids of its first two communes)."""
    with app.app_context():
        row = db.session.scalar(select(Province).filter_by(name_fr=name))
        return row.id, [c.id for c in row.communes[:2]]


def application(app, application_id: int) -> Application:
    with app.app_context():
        row = db.session.get(Application, application_id)
        db.session.expunge(row)
        return row


def agreement_of(app, application_id: int) -> Agreement:
    with app.app_context():
        row = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        db.session.expunge(row)
        return row


def signed_in(app, staff) -> object:
    """An HTTP client of the portal, signed in as `staff` (once: a one-time code is accepted
    once, so each sign-in takes the next time step)."""
    client = app.test_client()
    login(client, staff)
    return client


def recommended_application(app, call_id: int, workers: int, lang: str, desks: dict) -> dict:
    """Another association of Sidi Ifni applies; the secretariat assigns it and a colleague of
    the technical committee recommends it, through HTTP."""
    suffix = uuid.uuid4().hex[:6]
    owner = create_user(app, locale=lang, phone="0528123456")
    organisation = create_organisation(
        app, owner, name_ar=f"جمعية تيوغزة {suffix}", name_fr=f"Association Tioughza {suffix}"
    )
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    province_id, _communes = province(app, PROVINCE)
    response = post(
        client,
        "/applications/start",
        {"call_id": call_id, "organisation_id": organisation.id, "province_id": province_id},
        token_from=f"/calls/{call_id}",
    )
    application_id = int(re.search(r"/applications/(\d+)/", response.headers["Location"])[1])
    fill_component1(app, client, application_id, province_id, workers_planned=str(workers))
    post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    wait_for(
        lambda: application(app, application_id).status == "eligible",
        30,
        interval=0.05,
        what="the eligibility check by the worker",
    )
    staff_page = f"/backoffice/applications/{application_id}"
    post(
        desks["secretariat"],
        f"{staff_page}/assign",
        {"reviewer": str(desks["colleague_id"])},
        token_from=staff_page,
    )
    with app.app_context():
        grid = db.session.get(Call, call_id).edition.parameters["scoring"]
    scores = {f"score_{c['code']}": str(c["max"] // 2) for c in grid}
    response = post(
        desks["colleague"],
        f"{staff_page}/review",
        {"no_conflict": "y", "recommendation": "recommend", "submit_review": "1", **scores},
    )
    assert response.status_code == 302
    row = application(app, application_id)
    assert row.status == "recommended"
    return {"id": application_id, "number": row.number, "owner": owner, "workers": workers}


# Reading pages and documents


def outcome(page, rule: str) -> str:
    """The outcome class of a rule's line in the report on the page (pass, fail, needs_review)."""
    line = page.locator("table.report tbody tr").filter(
        has=page.locator(".rule-id", has_text=re.compile(f"^{re.escape(rule)}$"))
    )
    assert line.count() == 1, f"no line for {rule} on {page.url}"
    return line.get_attribute("class").removeprefix("report-")


def checked(portal, lang: str):
    """Whether the applicant's page shows the report and the status it led to, eligible.

    Both, not the report alone: the page reads the application, then its submissions and
    reports, in separate statements, so a check committed between them shows once as the new
    report beside the old status ("Submitted, being checked")."""
    eligible = portal.status(lang, "eligible")

    def ready(page) -> bool:
        return (
            page.locator("table.report").count() == 1
            and page.locator("main .app-status").inner_text() == eligible
        )

    return ready


def pdf_text(pdf: bytes) -> str:
    """pdftotext's words, bidi controls removed and spaces made plain."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "document.pdf")
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return plain(text)


def plain(text: str) -> str:
    return SPACES.sub(" ", BIDI.sub("", text)).strip()


def squeezed(text: str) -> str:
    """Without any space: pdftotext drops or adds some around right-to-left runs."""
    return SPACES.sub("", BIDI.sub("", text))


def scanned_url(pdf: bytes) -> str:
    """The URL of the QR code on the agreement's pages (pdftoppm to PNG, then zbarimg)."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "agreement.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-png",
                str(Path(tmp, "agreement.pdf")),
                str(Path(tmp, "page")),
            ],
            check=True,
        )
        pngs = sorted(str(p) for p in Path(tmp).glob("page*.png"))
        scanned = subprocess.run(
            ["zbarimg", "--quiet", "--raw", *pngs], capture_output=True, text=True
        ).stdout.split()
    assert scanned, "no QR code found on the agreement's pages"
    return scanned[0]


# The journeys, run on the browser's thread; the page checks add what they find to `problems`.


def register_and_apply(portal, lang: str, state: dict, problems: list[str]) -> None:
    """Journey 1, with the keyboard alone on a phone."""
    typed, url = TYPED[lang], portal.url

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    call_id = open_call(portal.app, 1, lang, C1_QUOTAS)
    province_id, (seat_commune, worksite_commune) = province(portal.app, PROVINCE)
    email = unique_email(f"president-{lang}")
    suffix = uuid.uuid4().hex[:6]
    name_ar, name_fr = (
        f"{TYPED['ar']['organisation']} {suffix}",
        f"{TYPED['fr']['organisation']} {suffix}",
    )
    page = new_context(portal, state, PHONE).new_page()

    # The home page, in the person's language; an account, confirmed from the email.
    page.goto(f"{url}/")
    if lang == "fr":
        follow(page, "header a.lang-switch")
    check(page, "home")
    follow(page, "header a[href='/account/register']")
    check(page, "register")
    type_into(page, "#full_name", typed["president"])
    type_into(page, "#email", email)
    type_into(page, "#phone", "0661234567")
    type_into(page, "#password", PASSWORD)
    type_into(page, "#password_confirm", PASSWORD)
    tick(page, "#consent")
    follow(page, "main form button[type=submit]")
    assert urlsplit(page.url).path == "/account/check-email", page.url
    check(page, "check-email")
    message = portal.mail.wait(email, portal.text(lang, "Confirm your email address"))
    page.goto(portal.mail.link(message))
    assert urlsplit(page.url).path == "/account/login"
    assert notice(page) == portal.text(
        lang, "Your email address is confirmed. You can now sign in."
    )
    check(page, "login")
    type_into(page, "#email", email)
    type_into(page, "#password", PASSWORD)
    follow(page, "main form button[type=submit]")
    assert urlsplit(page.url).path == "/account/", page.url
    check(page, "account")

    # The organisation's profile, then its documents one by one from the checklist.
    follow(page, "header a[href='/organisations/']")
    check(page, "organisations")
    follow(page, "main a[href='/organisations/new']")
    check(page, "organisation-new")
    tick(page, "#legal_form-0")
    assert page.eval_on_selector("#legal_form-0", "el => el.value") == "association"
    type_into(page, "#name_ar", name_ar)
    type_into(page, "#name_fr", name_fr)
    type_date(page, "#created_on", "2015-03-02")
    choose(page, "#province_id", str(province_id))
    choose(page, "#commune_id", str(seat_commune))
    type_into(page, "#address", typed["address"])
    type_into(page, "#legal_representative", typed["representative"])
    type_into(page, "#association_receipt_no", f"SI-{suffix}")
    follow(page, "main form button[type=submit]")
    no_error(page)
    assert page.locator("main h1").inner_text() == (name_ar if lang == "ar" else name_fr)
    check(page, "organisation-profile")
    for code in ASSOCIATION_DOCUMENTS:
        follow(page, f"main table.checklist a[href*='kind={code}']")
        assert page.eval_on_selector("#kind", "el => el.value") == code
        page.set_input_files("#file", state["upload"])  # the file chooser is the system's
        follow(page, "#upload ~ div form button[type=submit]")
        assert notice(page) == portal.text(lang, "The document is added.")
    first_group = page.locator("main table.checklist").first
    assert first_group.locator(".status-missing").count() == 0
    assert first_group.locator(".status-present").count() == len(ASSOCIATION_DOCUMENTS)
    check(page, "organisation-documents")

    # The call, from the list of open calls; the application starts in Sidi Ifni.
    follow(page, "header a[href='/applications/']")
    check(page, "applications-none")
    follow(page, "main a[href='/calls/']")
    check(page, "calls")
    follow(page, f"main a[href='/calls/{call_id}']")
    check(page, "call")
    with portal.app.app_context():
        organisation_id = db.session.scalar(select(Organisation.id).filter_by(name_fr=name_fr))
    choose(page, "#organisation_id", str(organisation_id))
    choose(page, "#province_id", str(province_id))
    follow(page, "form[action$='/applications/start'] button[type=submit]")
    match = re.search(r"/applications/(\d+)/steps/worksite$", page.url)
    assert match, page.url
    application_id = int(match[1])
    check(page, "step-worksite")

    # The worksite, saved as a draft; the person leaves and comes back to it.
    start_on = planned_start()
    worksite = {
        "#title": typed["title"],
        "#location": typed["location"],
        "#workers_planned": str(WORKERS_BEFORE),
        "#supervisors": "2",
        "#duration_months": "6",
    }
    type_into(page, "#title", worksite["#title"])
    choose(page, "#sector", "forests")
    choose(page, "#commune_id", str(worksite_commune))
    for selector in ("#location", "#workers_planned", "#supervisors", "#duration_months"):
        type_into(page, selector, worksite[selector])
    type_date(page, "#planned_start", start_on)
    follow(page, "main form button[name=save_and_leave]")
    assert urlsplit(page.url).path == "/applications/"
    assert notice(page) == portal.text(
        lang, "Your draft is saved. You can come back to it at any time."
    )
    check(page, "applications-draft")
    follow(page, f"main a[href='/applications/{application_id}']")
    assert portal.status(lang, "draft") in page.locator("main dl").inner_text()
    check(page, "application-draft")
    follow(page, f"main a[href='/applications/{application_id}/preview']")
    assert page.locator("main .notice-error li").count() > 0  # what is still missing
    check(page, "preview-incomplete")
    follow(page, "main nav.progress a[href$='/steps/worksite']")
    for selector, value in worksite.items():
        assert page.eval_on_selector(selector, "el => el.value") == value, selector
    assert page.eval_on_selector("#planned_start", "el => el.value") == start_on
    follow(page, "main form .form-actions button:not([name])")

    # The description, the application's own document, the declaration of honour.
    assert page.url.endswith("/steps/description"), page.url
    check(page, "step-description")
    type_into(page, "#expected_results", typed["results"])
    type_into(page, "#description", typed["description"])
    follow(page, "main form .form-actions button:not([name])")
    assert page.url.endswith("/steps/documents"), page.url
    check(page, "step-documents")
    assert page.eval_on_selector("#kind", "el => el.value") == "worksite_sheet"
    page.set_input_files("#file", state["upload"])
    follow(page, "main form[enctype] button[type=submit]")
    assert page.locator("main .status-present").count() == 1
    follow(page, "main .form-actions a")
    assert page.url.endswith("/steps/declaration"), page.url
    check(page, "step-declaration")
    tick(page, "#declaration")
    follow(page, "main form .form-actions button:not([name])")

    # The pre-check, then the submission: the report shows within seconds.
    assert page.url.endswith("/preview"), page.url
    no_error(page)
    assert page.locator("table.report tbody tr").count() > 5
    assert page.locator("table.report tbody tr.report-fail").count() == 0
    check(page, "preview")
    tab_to(page, "form[action$='/submit'] button[type=submit]")
    started = time.monotonic()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    number = application(portal.app, application_id).number
    assert re.fullmatch(r"GON-\d{4}-C1-\d{5}", number or ""), number
    assert notice(page) == portal.text(
        lang,
        "Your application is submitted under number %(number)s. We are checking it now.",
        number=number,
    )
    wait_for_page(page, checked(portal, lang), what="the report")
    took = time.monotonic() - started
    assert took < REPORT_WITHIN, f"the report took {took:.1f}s"
    check(page, "application-submitted")

    # The receipt, in the person's language, with the number and a link to the application.
    receipt = portal.mail.wait(
        email, portal.text(lang, "Application %(number)s received", number=number)
    )
    assert number in portal.mail.text(receipt)
    assert (name_ar if lang == "ar" else name_fr) in portal.mail.text(receipt)
    result = portal.mail.wait(
        email, portal.text(lang, "Application %(number)s meets the rules", number=number)
    )
    assert portal.mail.link(result) == portal.mail.link(receipt)
    page.goto(portal.mail.link(receipt))
    assert number in page.locator("main h1").inner_text()

    state.update(
        applicant={"email": email, "page": page, "names": {"ar": name_ar, "fr": name_fr}},
        call_id=call_id,
        province_id=province_id,
        application_id=application_id,
        number=number,
        journey_1=True,
    )


def review_with_a_change(portal, lang: str, state: dict, problems: list[str]) -> None:
    """Journey 2: queue, assignment, scores, a change request by a date, the applicant's new
    submission, what changed, the recommendation."""
    typed, url = TYPED[lang], portal.url
    app, application_id, number = portal.app, state["application_id"], state["number"]
    staff_page = f"/backoffice/applications/{application_id}"

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    def status(page) -> str:
        return page.locator("main dl.summary dd").first.inner_text().strip()

    secretariat = create_staff(app, "secretariat", "committee_member", provinces=(PROVINCE,))
    reviewer = create_staff(app, "technical_committee", provinces=(PROVINCE,))
    colleague = create_staff(app, "technical_committee", provinces=(PROVINCE,))

    # The secretariat finds the application in the queue of Sidi Ifni and assigns it.
    desk = new_context(portal, state, DESK).new_page()
    staff_sign_in(desk, portal.url, secretariat, lang, check)
    check(desk, "backoffice")
    go(desk, "main a[href='/backoffice/applications/']")
    desk.locator("#province").select_option(str(state["province_id"]))
    desk.locator("#call").select_option(str(state["call_id"]))
    go(desk, "main form[role=search] button[type=submit]")
    desk.wait_for_url(re.compile(r"[?&]province="))
    rows = desk.locator("main table tbody tr")
    assert rows.count() == 1
    assert cells(rows.first)[0] == number
    assert cells(rows.first)[4] == portal.status(lang, "eligible")
    check(desk, "queue")
    go(desk, f"main table tbody a[href='{staff_page}']")
    check(desk, "staff-application")
    desk.locator("#reviewer").select_option(str(reviewer.id))
    go(desk, "main form[action$='/assign'] button[type=submit]")
    assert notice(desk) == portal.text(
        lang, "%(name)s reviews the application.", name=reviewer.full_name
    )
    assert status(desk) == portal.status(lang, "in_review")

    # The technical-committee member scores it and asks for a change by a date.
    bench = new_context(portal, state, DESK).new_page()
    staff_sign_in(bench, portal.url, reviewer, lang)
    bench.goto(f"{url}{staff_page}")
    go(bench, f"main a[href='{staff_page}/review']")
    bench.wait_for_url(f"{url}{staff_page}/review")
    check(bench, "review")
    bench.locator("#no_conflict").check()
    with app.app_context():
        grid = db.session.get(Call, state["call_id"]).edition.parameters["scoring"]
    for criterion in grid:
        bench.locator(f"#score_{criterion['code']}").fill(str(criterion["max"] * 4 // 5))
        bench.locator(f"#why_{criterion['code']}").fill(criterion[lang])
    go(bench, "main form button[type=submit]:not([name])")
    assert notice(bench) == portal.text(lang, "The scores are saved.")
    go(bench, f"main a[href='{staff_page}']")
    bench.locator("main details:has(form[action$='/changes']) > summary").click()
    deadline = date.today() + timedelta(days=14)
    bench.locator("#what").fill(typed["what"])
    bench.locator("#deadline").fill(deadline.isoformat())
    go(bench, "main form[action$='/changes'] button[type=submit]")
    assert notice(bench) == portal.text(lang, "The applicant is asked for the changes.")
    assert status(bench) == portal.status(lang, "changes_requested")
    check(bench, "staff-application-changes")

    # The applicant follows the email, adds the two workers and submits again.
    email, page = state["applicant"]["email"], state["applicant"]["page"]
    message = portal.mail.wait(
        email, portal.text(lang, "Changes requested on application %(number)s", number=number)
    )
    assert typed["what"] in portal.mail.text(message)
    page.goto(portal.mail.link(message))
    assert typed["what"] in page.locator("main .notice-warning").inner_text()
    check(page, "application-changes")
    go(page, f"main a[href='/applications/{application_id}/preview']")
    go(page, "main nav.progress a[href$='/steps/worksite']")
    page.wait_for_url(re.compile(r"/steps/worksite$"))
    assert typed["what"] in page.locator("main .notice-warning").inner_text()
    check(page, "step-worksite-changes")
    page.locator("#workers_planned").fill(str(WORKERS_AFTER))
    go(page, "main form .form-actions button:not([name])")
    page.wait_for_url(re.compile(r"/steps/description$"))
    go(page, "main form .form-actions button:not([name])")
    page.wait_for_url(re.compile(r"/steps/documents$"))
    go(page, "main .form-actions a")
    page.wait_for_url(re.compile(r"/steps/declaration$"))
    page.locator("#declaration").check()
    go(page, "main form .form-actions button:not([name])")
    page.wait_for_url(re.compile(r"/preview$"))
    submit = page.locator("form[action$='/submit'] button[type=submit]")
    assert submit.inner_text() == portal.text(lang, "Submit the changed application")
    go(page, "form[action$='/submit'] button[type=submit]")
    page.wait_for_url(re.compile(rf"/applications/{application_id}$"))
    wait_for_page(
        page,
        lambda p: p.locator("main .app-status").inner_text() == portal.status(lang, "eligible"),
        what="the new report",
    )
    portal.mail.wait(
        email, portal.text(lang, "Application %(number)s received again", number=number)
    )

    # The reviewer sees what changed and recommends it.
    bench.reload()
    assert status(bench) == portal.status(lang, "eligible")
    go(bench, f"main a[href='{staff_page}/review']")
    bench.wait_for_url(f"{url}{staff_page}/review")
    changed = portal.text(lang, "What changed since the previous submission")
    assert bench.locator("main h2", has_text=changed).count() == 1
    workers = portal.text(lang, "Workers to hire")
    row = bench.locator("main table tbody tr", has_text=workers)
    assert cells(row) == [workers, str(WORKERS_BEFORE), str(WORKERS_AFTER)]
    check(bench, "review-changes")
    bench.locator("input[name=recommendation][value=recommend]").check()
    bench.locator("#note").fill(typed["note"])
    go(bench, "main button[name=submit_review]")
    bench.wait_for_url(f"{url}{staff_page}")
    assert notice(bench) == portal.text(lang, "The recommendation is recorded.")
    assert status(bench) == portal.status(lang, "recommended")
    check(bench, "staff-application-recommended")
    bench.context.close()

    state.update(
        staff={"secretariat": secretariat, "reviewer": reviewer, "colleague": colleague},
        desk=desk,
        journey_2=True,
    )


def committee_decides(portal, lang: str, state: dict, problems: list[str]) -> None:
    """Journey 3: the session, approvals within the quota, the close, minutes, emails,
    agreements, the download and the verification page reached through the QR code."""
    typed, url, app = TYPED[lang], portal.url, portal.app

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    desks = {
        "secretariat": signed_in(app, state["staff"]["secretariat"]),
        "colleague": signed_in(app, state["staff"]["colleague"]),
        "colleague_id": state["staff"]["colleague"].id,
    }
    others = [
        recommended_application(app, state["call_id"], workers, lang, desks) for workers in OTHERS
    ]
    agenda = [
        {
            "id": state["application_id"],
            "number": state["number"],
            "workers": WORKERS_AFTER,
            "email": state["applicant"]["email"],
        },
        *({**o, "email": o["owner"].email} for o in others),
    ]
    approved, refused = agenda[:3], agenda[3]
    quota = C1_QUOTAS[PROVINCE]
    assert sum(a["workers"] for a in approved) == quota

    # The committee opens a session of the call.
    desk = state["desk"]
    go(desk, "header a[href='/backoffice/']")
    go(desk, "main a[href='/backoffice/sessions/']")
    desk.wait_for_url(f"{url}/backoffice/sessions/")
    check(desk, "sessions")
    desk.locator("#call_id").select_option(str(state["call_id"]))
    desk.locator("#held_on").fill(date.today().isoformat())
    desk.locator("#members_present").fill(typed["members"])
    go(desk, "main form[method=post] button[type=submit]")
    desk.wait_for_url(re.compile(r"/backoffice/sessions/\d+$"))
    session_path = urlsplit(desk.url).path
    province_name = PROVINCE_NAMES[lang]

    def ledger() -> list[str]:
        return cells(desk.locator("main table").first.locator("tbody tr", has_text=province_name))

    assert ledger() == [province_name, str(quota), "0", str(quota)]
    assert desk.locator("input[name=application_id]").count() == len(agenda)
    check(desk, "session-open")

    # Four recommended applications approved at once: three fit in the quota, the fourth is
    # refused with the reason, and nothing is recorded for it.
    for item in agenda:
        desk.locator(f"#pick-{item['id']}").check()
    go(desk, "main button[name=outcome][value=approve]")
    desk.wait_for_url(f"{url}{session_path}")
    assert notice(desk, "error") == portal.ntext(
        lang,
        "%(number)s: %(num)s job asked but only %(remaining)s left in the province. "
        "Nothing was recorded for it.",
        "%(number)s: %(num)s jobs asked but only %(remaining)s left in the province. "
        "Nothing was recorded for it.",
        refused["workers"],
        number=refused["number"],
        remaining=0,
    )
    approved_label = portal.text(lang, "Approved")
    for item in approved:
        assert cells(desk.locator(f"main tr:has(#pick-{item['id']})"))[5] == approved_label
    assert cells(desk.locator(f"main tr:has(#pick-{refused['id']})"))[5] == "—"
    assert ledger() == [province_name, str(quota), str(quota), "0"]
    check(desk, "session-decided")

    # Closing, once the box is ticked: the minutes and the agreements come from the worker;
    # each applicant is told.
    desk.locator("main form[action$='/close'] input[name=confirm]").check()
    go(desk, "main form[action$='/close'] button[type=submit]")
    desk.wait_for_url(f"{url}{session_path}")
    assert notice(desk) == portal.text(lang, "The session is closed and the applicants are told.")
    progress = portal.ntext(
        lang,
        "%(rendered)s of %(num)s agreement issued, %(signed)s signed.",
        "%(rendered)s of %(num)s agreements issued, %(signed)s signed.",
        3,
        rendered=3,
        signed=0,
    )
    wait_for_page(
        desk,
        lambda p: (
            p.locator("main a[href$='/minutes.pdf']").count() == 1
            and progress in p.locator("main").inner_text()
        ),
        timeout=60,
        what="the minutes and the agreements",
    )
    check(desk, "session-closed")
    name, minutes = download(desk, "main a[href$='/minutes.pdf']")
    assert name.endswith(".pdf") and minutes.startswith(b"%PDF")
    minutes_text = pdf_text(minutes)
    for item in approved:
        assert item["number"] in minutes_text
    assert refused["number"] not in minutes_text
    decisions = [
        portal.mail.wait(
            item["email"],
            portal.text(lang, "Application %(number)s is approved", number=item["number"]),
        )
        for item in approved
    ]
    with app.app_context():
        told = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .filter_by(user_id=refused["owner"].id, event="committee_decision")
        )
    assert told == 0  # no decision was recorded for the application past the quota

    # The applicant follows the agreement's email, downloads it, and its QR code leads to the
    # verification page, which says it is valid.
    agreement = agreement_of(app, state["application_id"])
    email, page = state["applicant"]["email"], state["applicant"]["page"]
    jobs = portal.ntext(
        lang,
        "The committee approved the application with %(num)s job. The partnership agreement "
        "will follow.",
        "The committee approved the application with %(num)s jobs. The partnership agreement "
        "will follow.",
        WORKERS_AFTER,
    )
    assert jobs in portal.mail.text(decisions[0])
    page.goto(portal.mail.link(decisions[0]))
    assert page.locator("main .app-status").inner_text() in {
        portal.status(lang, status) for status in ("approved", "agreement_issued")
    }
    message = portal.mail.wait(
        email,
        portal.text(
            lang, "Your partnership agreement %(number)s is ready", number=agreement.number
        ),
    )
    page.goto(portal.mail.link(message))
    assert page.locator("main .app-status").inner_text() == portal.status(lang, "agreement_issued")
    check(page, "application-agreement")
    name, pdf = download(page, f"main a[href='/agreements/{agreement.id}.pdf']")
    assert name == f"{agreement.number}-v1.pdf" and pdf.startswith(b"%PDF")
    scanned = scanned_url(pdf)
    assert scanned.startswith(f"{url}/verify/"), scanned
    anyone = new_context(portal, state, PHONE).new_page()
    anyone.goto(f"{url}/language/{lang}")
    anyone.goto(scanned)
    assert agreement.number in anyone.locator("main").inner_text()
    assert anyone.locator("main .notice-success h2").inner_text() == portal.text(
        lang, "This agreement was issued by the Awrach portal."
    )
    check(anyone, "verify")
    anyone.context.close()

    state.update(agenda=agenda, journey_3=True)


def company_applies(portal, lang: str, state: dict, problems: list[str]) -> None:
    """Journey 4: a company's posts, the rules on contracts, wages and target groups, the
    approval, the grant schedule in the agreement."""
    typed, url, app = TYPED[lang], portal.url, portal.app

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    call_id = open_call(app, 2, lang, C2_QUOTAS)
    province_id, _communes = province(app, C2_PROVINCE)
    owner = create_user(app, locale=lang, full_name="Fatima Zahra Alaoui", phone="0528123456")
    suffix = uuid.uuid4().hex[:6]
    organisation = create_organisation(
        app,
        owner,
        province=C2_PROVINCE,
        legal_form="company",
        name_ar=f"{TYPED['ar']['company']} {suffix}",
        name_fr=f"{TYPED['fr']['company']} {suffix}",
        association_receipt_no=None,
        ice=new_ice(),
        rc="4521",
        cnss_affiliation=new_cnss(),
    )
    add_documents(app, organisation, owner)

    page = new_context(portal, state, PHONE).new_page()
    page.goto(f"{url}/language/{lang}")
    page.goto(f"{url}/account/login")
    page.locator("#email").fill(owner.email)
    page.locator("#password").fill(PASSWORD)
    go(page, "main form button[type=submit]")
    page.wait_for_url(f"{url}/account/")
    go(page, "header a[href='/applications/']")
    go(page, "main a[href='/calls/']")
    go(page, f"main a[href='/calls/{call_id}']")
    page.wait_for_url(f"{url}/calls/{call_id}")
    check(page, "call-c2")
    page.locator("#organisation_id").select_option(str(organisation.id))
    page.locator("#province_id").select_option(str(province_id))
    go(page, "form[action$='/applications/start'] button[type=submit]")
    page.wait_for_url(re.compile(r"/applications/\d+/steps/posts$"))
    application_id = int(re.search(r"/applications/(\d+)/", page.url)[1])
    check(page, "step-posts")

    def posts(rows: list[dict], then: str = r"/steps/documents$") -> None:
        for index, row in enumerate(rows):
            for name, value in row.items():
                page.locator(f"#posts-{index}-{name}").fill(value)
        go(page, "main form .form-actions button:not([name])")
        page.wait_for_url(re.compile(then))

    # A contract too short and a wage below the minimum: the step refuses them at their fields,
    # naming the edition's bounds, and the draft keeps them; hires outside the target groups
    # are the pre-check's to explain.
    posts(
        [
            {
                "title": typed["post"],
                "count": "3",
                "contract_months": "12",
                "monthly_wage": "2500",
                "cat_covid_job_loss": "2",
            }
        ],
        then=r"/steps/posts$",
    )
    with app.app_context():
        edition = db.session.get(Call, call_id).edition.parameters["component2"]
    contract_error = page.locator("#posts-0-contract_months-error").inner_text()
    assert str(edition["contract_min_months"]) in contract_error, contract_error
    assert page.locator("#posts-0-monthly_wage-error").count() == 1
    assert page.locator("main .error-summary a[href='#posts-0-contract_months']").count() == 1
    check(page, "step-posts-refused")
    go(page, "main nav.progress a[href$='/steps/documents']")
    page.wait_for_url(re.compile(r"/steps/documents$"))
    page.locator("#file").set_input_files(state["upload"])
    go(page, "main form[enctype] button[type=submit]")
    assert page.locator("main .status-present").count() == 1
    go(page, "main .form-actions a")
    page.wait_for_url(re.compile(r"/steps/declaration$"))
    page.locator("#declaration").check()
    go(page, "main form .form-actions button:not([name])")
    page.wait_for_url(re.compile(r"/preview$"))
    rules = ("C2-CONTRACT-MIN", "C2-WAGE-FLOOR", "C2-HIRE-CATEGORY")
    assert [outcome(page, rule) for rule in rules] == ["fail", "fail", "fail"]
    assert page.locator("form[action$='/submit']").count() == 0  # blocked until corrected
    assert page.locator("main .notice-error").count() == 1
    contract_line = page.locator("table.report tbody tr").filter(has_text="C2-CONTRACT-MIN")
    assert typed["post"] in contract_line.inner_text()  # the rule names the post it refuses
    check(page, "preview-c2-refused")

    # Corrected: two posts of 24 months, above the minimum wage, every hire in a target group.
    go(page, "main nav.progress a[href$='/steps/posts']")
    page.wait_for_url(re.compile(r"/steps/posts$"))
    posts(
        [
            {
                "title": typed["post"],
                "count": "3",
                "contract_months": "24",
                "monthly_wage": "3500",
                "cat_covid_job_loss": "2",
                "cat_difficult_access": "1",
            },
            {
                "title": typed["driver"],
                "count": "1",
                "contract_months": "24",
                "monthly_wage": "3600",
                "cat_disability": "1",
            },
        ]
    )
    go(page, "main nav.progress a[href$='/preview']")
    page.wait_for_url(re.compile(r"/preview$"))
    assert [outcome(page, rule) for rule in rules] == ["pass", "pass", "pass"]
    hires = 4
    with app.app_context():
        grant = db.session.get(Call, call_id).edition.parameters["component2"]
    monthly, months = grant["grant_monthly_mad"], grant["grant_months"]
    shown = plain(page.locator("main .grant").inner_text())
    assert plain(portal.mad(lang, monthly * months * hires)) in shown
    check(page, "preview-c2")
    go(page, "form[action$='/submit'] button[type=submit]")
    page.wait_for_url(f"{url}/applications/{application_id}")
    wait_for_page(page, checked(portal, lang), what="the report")
    check(page, "application-c2")
    number = application(app, application_id).number
    assert re.fullmatch(r"GON-\d{4}-C2-\d{5}", number), number

    # Approved by the committee (its pages are journey 3's); the agreement gives the schedule.
    approve_in_session(app, [application_id], province=C2_PROVINCE)
    agreement = agreement_of(app, application_id)
    message = portal.mail.wait(
        owner.email,
        portal.text(
            lang, "Your partnership agreement %(number)s is ready", number=agreement.number
        ),
    )
    page.goto(portal.mail.link(message))
    check(page, "application-c2-agreement")
    _name, pdf = download(page, f"main a[href='/agreements/{agreement.id}.pdf']")
    text = pdf_text(pdf)
    # The French part word for word; the Arabic part by its words (pdftotext moves the article's
    # number around the dash in right-to-left lines).
    # (the agreement's wording lives in its templates, one per language)
    assert "Article 6 — Engagement financier et échéancier" in text
    heading = "المادة السادسة: الالتزام المالي وجدول الأداء"
    assert set(heading.replace(":", " ").split()) <= set(text.replace(":", " ").split()), heading
    for language in LANGS:
        amounts = (
            (monthly, "per person and month"),
            (monthly * months, "per hire"),
            (monthly * months * hires, "in all"),
        )
        for amount, what in amounts:
            assert squeezed(portal.mad(language, amount)) in squeezed(text), (language, what)
        # The schedule, line by line: the month, its amount and the sum paid to date (the
        # first line's number comes out with the table's header).
        position = 0
        for month in range(1, months + 1):
            line = squeezed(
                f"{month if month > 1 else ''}{portal.mad(language, monthly * hires)}"
                f"{portal.mad(language, monthly * hires * month)}"
            )
            found = squeezed(text).find(line, position)
            assert found >= 0, (language, month, line)
            position = found + len(line)

    state.update(company={"application_id": application_id, "number": number}, journey_4=True)


def dashboard_and_export(portal, lang: str, state: dict, problems: list[str]) -> None:
    """Journey 5: the dashboard of the call by province, and its applications in XLSX."""
    app = portal.app

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    admin = create_staff(app, "admin")
    page = new_context(portal, state, DESK).new_page()
    staff_sign_in(page, portal.url, admin, lang)
    go(page, "main a[href='/backoffice/reports/dashboard']")
    page.locator("#call").select_option(str(state["call_id"]))
    go(page, "main form.filters button[type=submit]")
    page.wait_for_url(re.compile(rf"[?&]call={state['call_id']}\b"))

    agenda = state["agenda"]
    requested = sum(item["workers"] for item in agenda)
    approved = sum(item["workers"] for item in agenda[:3])
    allotted = sum(C1_QUOTAS.values())
    target = portal.ntext(
        lang,
        "Target: %(num)s job · requested: %(requested)s · approved: %(approved)s · left: %(left)s",
        "Target: %(num)s jobs · requested: %(requested)s · approved: %(approved)s · left: %(left)s",
        allotted,
        requested=requested,
        approved=approved,
        left=allotted - approved,
    )
    assert target in page.locator("main").inner_text()
    lines = {
        cells(row)[0]: cells(row)[1:5]
        for row in page.locator("main table.dashboard tbody tr").all()
    }
    with app.app_context():
        names = {
            p.name_fr: (p.name_ar if lang == "ar" else p.name_fr)
            for p in db.session.scalars(select(Province))
        }
    expected = {
        names[name]: [str(quota), "0", "0", str(quota)] for name, quota in C1_QUOTAS.items()
    }
    expected[names[PROVINCE]] = [str(C1_QUOTAS[PROVINCE]), str(requested), str(approved), "0"]
    assert lines == expected
    check(page, "dashboard")

    go(page, "main button[name=format][value=xlsx]")
    page.wait_for_url(re.compile(r"/backoffice/reports/exports/\d+$"))
    link = page.locator("main a[href$='/download']")
    link.wait_for(timeout=30_000)  # the page refreshes itself until the worker is done
    check(page, "export")
    name, data = download(page, "main a[href$='/download']")
    assert name == f"applications-call-{state['call_id']}.xlsx"
    header, *rows = list(load_workbook(io.BytesIO(data))["codes"].iter_rows(values_only=True))
    column = {title: index for index, title in enumerate(header)}
    exported = {row[column["number"]]: row for row in rows}
    assert set(exported) == {item["number"] for item in agenda}
    for item in agenda:
        row = exported[item["number"]]
        assert row[column["jobs_requested"]] == item["workers"]
        assert row[column["province"]] == PROVINCE
    for item in agenda[:3]:
        row = exported[item["number"]]
        assert row[column["decision"]] == "approve"
        assert row[column["jobs_granted"]] == item["workers"]
        assert row[column["status"]] in ("approved", "agreement_issued")
    assert exported[agenda[3]["number"]][column["status"]] == "recommended"
    first = exported[state["number"]]
    assert first[column["organisation_ar"]] == state["applicant"]["names"]["ar"]
    assert first[column["recommendation"]] == "recommend"

    state.update(journey_5=True)


# Journey 6: the workers of a signed agreement.

WORKERS = 24
BAD_ROWS = {4: "cin", 9: "planned_end"}  # worker (0-based) → the column its first file gets wrong
TAKEN = 13  # the worker already under contract in Guelmim
FIRST_ROW = 3  # the template's headers, its example row, then one worker a row
FIRST_NAMES = (("سعيد", "Said"), ("خديجة", "Khadija"), ("محمد", "Mohamed"), ("فاطمة", "Fatima"))
LAST_NAMES = (
    ("العلوي", "Alaoui"),
    ("البصري", "Basri"),
    ("أيت بها", "Ait Baha"),
    ("الإدريسي", "Idrissi"),
)


@pytest.fixture(scope="module")
def elsewhere(portal):
    """A signed agreement of a Guelmim association, for the people already under contract
    there: one agreement for both languages (a committee session fewer)."""
    return signed_agreement(portal.app, province="Guelmim", jobs=len(LANGS))


def worker_rows(app, lang: str, commune: str, cins: list[str], start: date, end: date) -> list:
    """The workers as the partner types them in the template, by column."""
    with app.test_request_context(), force_locale(lang):
        sexes = [str(Sex.MALE.lazy_label), str(Sex.FEMALE.lazy_label)]
        education = str(EducationLevel.SECONDARY.lazy_label)
        kind = str(ContractKind.CDD.lazy_label)
    wage = float(minimum_wage(start).smig_monthly) + 100
    rows = []
    for at, cin in enumerate(cins):
        (first_ar, first_fr), (last_ar, last_fr) = FIRST_NAMES[at % 4], LAST_NAMES[at // 4 % 4]
        rows.append(
            {
                "cin": cin,
                "last_name_ar": last_ar,
                "first_name_ar": first_ar,
                "last_name_fr": last_fr,
                "first_name_fr": first_fr,
                "birth_date": date(1990 + at % 10, 1 + at % 12, 3),
                "sex": sexes[at % 4 in (1, 3)],
                "commune_id": commune,
                "education_level": education,
                "role": TYPED[lang]["worker"],
                "kind": kind,
                "start_date": start,
                "planned_end": end,
                "monthly_wage": wage,
            }
        )
    return rows


def filled(template: bytes, titles: dict[str, str], rows: list[dict]) -> bytes:
    """The downloaded template with the rows written under its headers."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    keys = {title: key for key, title in titles.items()}
    order = [keys[cell.value] for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(key) for key in order])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_done(page) -> bool:
    return page.locator("#import-progress").count() == 0


def enrol_workers(portal, lang: str, state: dict, problems: list[str]) -> None:
    """Journey 6: import with errors, fixed, one refused elsewhere; validation; an end; the
    certificate verified by its QR code."""
    url, app, elsewhere = portal.url, portal.app, state["elsewhere"]

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    side = signed_agreement(app, province=PROVINCE, jobs=WORKERS)
    with app.app_context():
        db.session.get(User, side.owner.id).locale = lang
        agreement = db.session.get(Agreement, side.agreement_id)
        number, application_id = agreement.number, agreement.application_id
        commune = db.session.get(Province, side.province_id).communes[0]
        commune_name = commune.name_ar if lang == "ar" else commune.name_fr
        # Someone already at work on the Guelmim worksite over the same months.
        today = local_date()
        start, end = today - timedelta(days=45), today + timedelta(days=120)
        taken = new_cin()
        enrol(elsewhere, taken, start=today - timedelta(days=90), end=today + timedelta(days=90))
        other = db.session.get(Agreement, elsewhere.agreement_id)
        hidden = {
            other.number,
            other.application.organisation.name_ar,
            other.application.organisation.name_fr,
            other.application.province.name_ar,
            other.application.province.name_fr,
        }
        db.session.commit()
    with app.test_request_context(), force_locale(lang):
        titles = imports.headers(db.session.get(Agreement, side.agreement_id))
    cins = [new_cin() for _ in range(WORKERS)]
    cins[TAKEN] = taken
    rows = worker_rows(app, lang, commune_name, cins, start, end)
    bad = [dict(row) for row in rows]
    bad[4]["cin"] = "12AB"
    bad[9]["planned_end"] = start - timedelta(days=1)

    # The partner signs in and goes from the application to the agreement's workers.
    page = new_context(portal, state, DESK).new_page()
    page.goto(f"{url}/language/{lang}")
    page.goto(f"{url}/account/login")
    page.locator("#email").fill(side.owner.email)
    page.locator("#password").fill(PASSWORD)
    go(page, "main form button[type=submit]")
    page.goto(f"{url}/applications/{application_id}")
    go(page, f"main #workers a[href='/agreements/{side.agreement_id}/workers']")
    check(page, "workers-none")
    go(page, f"main a[href='/agreements/{side.agreement_id}/workers/import']")
    check(page, "workers-import")
    name, template = download(page, f"main a[href$='/template-{lang}.xlsx']")
    assert name == f"awrach-workers-{lang}.xlsx"

    # The first file: two bad rows, reported by row and column; nothing is enrolled.
    def upload(data: bytes) -> None:
        page.locator("#file").set_input_files(
            {
                "name": f"workers-{lang}.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data,
            }
        )
        go(page, "main form[enctype] button[type=submit]")
        page.wait_for_url(re.compile(r"/imports/\d+$"))
        wait_for_page(page, import_done, what="the import")

    upload(filled(template, titles, bad))
    errors = [cells(row) for row in page.locator("#import-errors ~ div table tbody tr").all()]
    assert [(row, column) for row, column, _message in errors] == [
        (str(FIRST_ROW + at), titles[column]) for at, column in BAD_ROWS.items()
    ], errors
    assert errors[0][2] == portal.text(
        lang, "A CIN has one or two letters, then up to six digits, like AB123456."
    )
    assert plain(notice(page, "error")).startswith(
        plain(
            portal.ntext(
                lang,
                "%(num)d error was found. Nothing was enrolled.",
                "%(num)d errors were found. Nothing was enrolled.",
                2,
            )
        )
    )
    with app.app_context():
        held = db.session.scalar(
            select(func.count(Contract.id)).filter_by(application_id=application_id)
        )
    assert held == 0
    check(page, "workers-import-errors")

    # Fixed and uploaded again: 23 enrolled, the one under contract elsewhere refused, without
    # a word of where or with whom.
    go(page, f"main a[href='/agreements/{side.agreement_id}/workers/import']")
    upload(filled(template, titles, rows))
    no_error(page)
    refused = [cells(row) for row in page.locator("#import-refused ~ div table tbody tr").all()]
    assert refused == [
        [
            str(FIRST_ROW + TAKEN),
            mask_cin(taken),
            portal.text(
                lang,
                "This person is already under an Awrach contract elsewhere on some of these "
                "days. One person holds one contract at a time: choose dates after that "
                "contract ends, or enrol someone else.",
            ),
        ]
    ], refused
    shown = page.locator("main").inner_text()
    assert not [word for word in hidden if word in shown]
    assert portal.ntext(
        lang,
        "%(num)d worker enrolled. The secretariat will validate the contracts.",
        "%(num)d workers enrolled. The secretariat will validate the contracts.",
        WORKERS - 1,
    ) in shown.translate(ISOLATES)
    check(page, "workers-import-done")
    go(page, f"main a.button[href='/agreements/{side.agreement_id}/workers']")
    assert page.locator("main table:not(.report) tbody tr").count() == WORKERS - 1
    assert not [cin for cin in cins if cin in page.locator("main").inner_text()]
    check(page, "workers")

    # The secretariat of Sidi Ifni validates them, from its list of contracts to validate.
    staff = create_staff(app, "secretariat", provinces=(PROVINCE,), locale=lang)
    desk = new_context(portal, state, DESK).new_page()
    staff_sign_in(desk, url, staff, lang)
    go(desk, "main a[href='/backoffice/beneficiaries/contracts']")
    ours = desk.locator("main table tbody tr").filter(has_text=number)
    assert ours.count() == WORKERS - 1
    check(desk, "contracts-to-validate")
    pages = ours.locator("a[href*='/contracts/']").evaluate_all("links => links.map(a => a.href)")
    # The first one through its page; the others as its form sends them (the same session,
    # the same token), page by page being the same request 22 times.
    desk.goto(pages[0])
    check(desk, "contract-to-validate")
    token = desk.locator("main form[action$='/validate'] input[name=csrf_token]").input_value()
    go(desk, "main form[action$='/validate'] button[type=submit]")
    assert notice(desk) == portal.text(lang, "The contract is validated.")
    for address in pages[1:]:
        response = desk.request.post(
            f"{address}/validate", form={"csrf_token": token}, max_redirects=0
        )
        assert response.status == 302, (address, response.status)
    desk.reload()
    assert desk.locator("main table tbody tr").filter(has_text=number).count() == 0
    with app.app_context():
        statuses = db.session.scalars(
            select(Contract.status).filter_by(application_id=application_id)
        ).all()
    assert statuses == [ContractStatus.VALIDATED] * (WORKERS - 1)

    # The partner ends the first worker's contract yesterday; the worker renders its
    # certificate, and the QR code leads to the check page.
    page.reload()
    go(page, "main a[href$='/end'] >> nth=0")
    check(page, "contract-end")
    page.locator("#actual_end").fill((today - timedelta(days=1)).isoformat())
    page.locator("#end_reason").select_option("resigned")
    go(page, "main form button[type=submit]")
    assert notice(page) == portal.text(
        lang, "The contract is ended. Its job is free for another worker."
    )
    with app.app_context():
        certificate = db.session.scalar(
            select(Certificate)
            .join(Certificate.contract)
            .filter(Contract.application_id == application_id)
        )
        ended_cin = certificate.contract.person.cin
    link = f"main a[href='/contracts/{certificate.contract_id}/certificate.pdf']"
    wait_for_page(
        page,
        lambda p: p.locator("#certificates-title ~ ul li .muted").count() == 0,
        what="the certificate",
    )
    check(page, "workers-certificate")
    name, pdf = download(page, link)
    assert pdf.startswith(b"%PDF") and ended_cin not in name
    scanned = scanned_url(pdf)
    assert scanned == f"{url}/verify/certificates/{certificate.verification_code}", scanned
    anyone = new_context(portal, state, PHONE).new_page()
    anyone.goto(f"{url}/language/{lang}")
    anyone.goto(scanned)
    assert anyone.locator("main .notice-success h2").inner_text() == portal.text(
        lang, "This certificate was issued by the Awrach portal."
    )
    facts = anyone.locator("main").inner_text()
    assert mask_cin(ended_cin) in facts and ended_cin not in facts
    assert number in facts.translate(ISOLATES)
    names = certificate.content
    assert not [n for n in (names["name_ar"], names["name_fr"]) if n in facts]
    check(anyone, "verify-certificate")
    anyone.context.close()
    desk.context.close()

    state.update(journey_6=True)


# The tests: one per journey and language, in order (the language is the module's parameter).


def test_1_an_association_registers_and_applies_with_the_keyboard(portal, lang, journeys):
    run(portal, register_and_apply, lang, begin(journeys, lang))


def test_2_the_application_is_reviewed_with_a_change_request(portal, lang, journeys):
    run(portal, review_with_a_change, lang, begin(journeys, lang, "journey_1"))


def test_3_the_committee_decides_and_the_agreement_is_verified(portal, lang, journeys):
    run(portal, committee_decides, lang, begin(journeys, lang, "journey_2"))


def test_4_a_company_applies_for_the_grant_and_gets_its_schedule(portal, lang, journeys):
    run(portal, company_applies, lang, begin(journeys, lang))


def test_5_staff_read_the_dashboard_and_export_the_call(portal, lang, journeys):
    run(portal, dashboard_and_export, lang, begin(journeys, lang, "journey_3"))


def test_6_a_partner_enrols_its_workers_and_a_certificate_is_verified(
    portal, lang, journeys, elsewhere
):
    state = begin(journeys, lang)
    state["elsewhere"] = elsewhere
    run(portal, enrol_workers, lang, state)

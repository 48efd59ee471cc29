"""Journey 8, after the works, end to end in Arabic and in French.

A signed worksite of six workers in Tan-Tan, from 1 September to 30 November 2026; September
and October are paid, November is certified by the partner. The province's secretariat plans a
visit at a desk for an inspector of the technical committee, who records it on a 360 px phone
with a photo taken there: four workers present of the six declared, a gap that flags November's
statement, which the secretariat then reads flagged before accepting it. The contracts end, the
worker issues the certificates; the partner's editor writes the final report on a phone with a
photo, the owner follows the email and certifies it, the secretariat accepts it and closes the
agreement, and the members are told. The region's dashboard is counted again by the worker and
shows the funnel of the four provinces; the public figures are computed as beat computes them,
and a visitor with no account reads the province's page and downloads the open data's CSV.

The portal runs as in production (conftest.py): a real worker renders the certificates, counts
the figures and sends the emails to an SMTP sink. Every page visited is checked once per
language (axe, 360 px, Nu).
"""

import csv
import io
import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.beneficiaries.models import Certificate, Contract
from portal.closeout.models import FINAL
from portal.extensions import db
from portal.geo.models import Commune, Province
from portal.monitoring.models import MonitoringVisit
from portal.opendata import schema
from portal.opendata.models import OpenDataRelease
from portal.outcomes.models import OutcomeRefresh
from portal.payroll.models import MonthlyStatement
from tests.support.accounts import PASSWORD, create_staff
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.browser import DESK, PHONE, staff_sign_in
from tests.support.journeys import cells, download, go, new_context, notice, run
from tests.support.opendata import in_forests
from tests.support.processes import wait_for
from tests.support.statements import paid, statement_in
from tests.support.visits import has_gps, phone_photo

pytestmark = pytest.mark.e2e

PROVINCE = "Tan-Tan"  # no payroll file of this province is asked for by another test
START, END = date(2026, 9, 1), date(2026, 11, 30)
SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
VISITED = date(2026, 11, 20)
WORKERS, PRESENT = 6, 4  # a gap of a third, above the edition's 20 %


@pytest.fixture(scope="module", params=("ar", "fr"))
def lang(request):
    return request.param


@pytest.fixture(scope="module")
def contexts(portal):
    opened = []
    yield opened
    for context in opened:
        portal.run(context.close)


def worksite(app, lang: str):
    """The six validated workers of a forests worksite of three months, its members reading
    `lang`; September and October paid, November certified by the owner."""
    side = signed_agreement(app, province=PROVINCE, jobs=WORKERS)
    in_forests(app, side)
    with app.app_context():
        for user in (side.owner, side.editor):
            db.session.get(User, user.id).locale = lang
        application = db.session.get(Application, side.application_id)
        application.details = {
            **application.details,
            "planned_start": START.isoformat(),
            "duration_months": "3",
            "commune_id": str(side.commune_id),
        }
        commune = db.session.get(Commune, side.commune_id)
        agreement = db.session.get(Agreement, side.agreement_id)
        agreement.content["worksite"] |= {
            "commune_ar": commune.name_ar,
            "commune_fr": commune.name_fr,
        }
        flag_modified(agreement, "content")
        staff = db.session.get(User, side.staff.id)
        for _ in range(WORKERS):
            contract = enrol(side, new_cin(), start=START, end=END).contract
            beneficiaries.validate(contract, by=staff)
        db.session.commit()
    for period in (SEPTEMBER, OCTOBER):
        statement_in(app, side, period, "paid")
    side.november = statement_in(app, side, NOVEMBER, "certified")
    return side


def after_the_works(portal, lang: str, state: dict, problems: list[str]) -> None:
    url, app, side = portal.url, portal.app, state["worksite"]

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    # The secretariat of Tan-Tan plans a visit, at a desk, for an inspector of the province.
    secretariat = create_staff(app, "secretariat", provinces=(PROVINCE,), locale=lang)
    inspector = create_staff(app, "technical_committee", provinces=(PROVINCE,), locale=lang)
    desk = new_context(portal, state, DESK).new_page()
    staff_sign_in(desk, url, secretariat, lang)
    desk.goto(f"{url}/backoffice/applications/{side.application_id}")
    go(desk, "#visits a")
    assert re.search(r"/backoffice/visits/agreements/\d+$", desk.url), desk.url
    check(desk, "visits-of-agreement")
    desk.fill("#planned_on", VISITED.isoformat())
    desk.select_option("#inspector", str(inspector.id))
    go(desk, "main form button[type=submit]")
    assert re.search(r"/backoffice/visits/\d+$", desk.url), desk.url
    visit_path = desk.url.removeprefix(url)

    # The inspector, on a phone, finds it in the visits to make and records it there.
    phone = new_context(portal, state, PHONE).new_page()
    staff_sign_in(phone, url, inspector, lang)
    phone.goto(f"{url}/backoffice/visits/")
    check(phone, "visits-to-make")
    go(phone, f"main a[href='{visit_path}']")
    check(phone, "visit-to-record")
    assert phone.input_value("#declared") == str(WORKERS)  # from the contracts of that day
    phone.fill("#done_on", VISITED.isoformat())
    phone.locator("#checked-1").check()
    phone.fill("#present", str(PRESENT))
    phone.set_input_files(
        "#photos", {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}
    )
    phone.fill(
        "#findings",
        "عاملان غائبان، ورقة الحضور غير محينة."
        if lang == "ar"
        else "Deux ouvriers absents, la feuille de présence n'est pas à jour.",
    )
    go(phone, "main form button[type=submit] >> nth=-1")
    check(phone, "visit-recorded")
    shown = phone.locator("main .photos img")
    assert shown.count() == 1
    for link in (
        shown.get_attribute("src"),
        phone.locator("main .photos a[download]").get_attribute("href"),
    ):
        photo = phone.request.get(url + link)
        assert photo.ok and not has_gps(photo.body())  # the place stays out of what is shown
    with app.app_context():
        visit = db.session.scalar(
            select(MonitoringVisit).filter_by(application_id=side.application_id)
        )
        assert (visit.status, visit.headcount_present, visit.headcount_flagged) == (
            "done",
            PRESENT,
            True,
        )

    # Back at the desk: November's statement is to review; the secretariat reads the flag on
    # its page, then accepts it; the paying body pays it (journey 7 goes through that file).
    desk.goto(f"{url}/backoffice/payroll/statements")
    listed = desk.locator(f"main a[href='/backoffice/payroll/statements/{side.november}']")
    assert portal.text(lang, "to review") in listed.locator("xpath=..").inner_text()
    go(desk, f"main a[href='/backoffice/payroll/statements/{side.november}']")
    flag = desk.locator("#review-flag")
    assert flag.count() == 1 and str(PRESENT) in flag.inner_text()
    check(desk, "statement-flagged")
    go(desk, "main form[action$='/accept'] button[type=submit]")
    with app.app_context():
        paid(db.session.get(MonthlyStatement, side.november))
        # The contracts reach their end: the partner ends them, the worker issues certificates.
        editor = db.session.get(User, side.editor.id)
        for contract in db.session.scalars(
            select(Contract).filter_by(application_id=side.application_id)
        ):
            beneficiaries.end_contract(contract, END, "completed", by=editor)
        db.session.commit()

    def certificates_rendered():
        with app.app_context():
            return (
                db.session.scalar(
                    select(func.count(Certificate.id))
                    .join(Contract, Certificate.contract_id == Contract.id)
                    .where(
                        Contract.application_id == side.application_id,
                        Certificate.rendered_at.is_not(None),
                    )
                )
                == WORKERS
            )

    wait_for(certificates_rendered, 60, what="the certificates rendered by the worker")

    # The partner's editor writes the final report on a phone, with a photo, and submits it.
    partner = new_context(portal, state, PHONE).new_page()
    sign_in(partner, url, side.editor, lang)
    partner.goto(f"{url}/applications/{side.application_id}/reports")
    check(partner, "reports")
    partner.select_option("#phase", str(FINAL))
    go(partner, "main form button[type=submit] >> nth=0")
    assert re.search(r"/reports/\d+$", partner.url), partner.url
    report_path = partner.url.removeprefix(url)
    partner.fill("#progress", "100")
    partner.select_option("#language", lang)
    partner.fill(
        "#narrative",
        "أنجزت كل الأشغال: الحفر والتشجير والسياج."
        if lang == "ar"
        else "Tous les travaux sont faits : terrassement, plantation, clôture.",
    )
    go(partner, "main form:not([action]) button[type=submit] >> nth=0")
    partner.set_input_files(
        "#photo",
        {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": phone_photo(size=(640, 480))},
    )
    partner.fill("#caption", "السياج" if lang == "ar" else "La clôture")
    go(partner, f"form[action$='{report_path}/photos'] button")
    check(partner, "final-report-draft")
    assert partner.locator("ul.photos img").count() == 1
    go(partner, f"form[action$='{report_path}/submit'] button")

    # The owner follows the email and certifies it: a second person of the organisation.
    number = application_number(app, side.application_id)
    final = portal.text(lang, "Final report")
    message = portal.mail.wait(
        side.owner.email,
        portal.text(
            lang, "%(report)s of application %(number)s is submitted", report=final, number=number
        ),
    )
    owner = new_context(portal, state, DESK).new_page()
    sign_in(owner, url, side.owner, lang)
    owner.goto(portal.mail.link(message))
    assert owner.url.endswith(report_path), owner.url
    check(owner, "final-report-to-certify")
    go(owner, f"form[action$='{report_path}/certify'] button")

    # The secretariat accepts it and closes the agreement; the members are told both.
    report_id = int(report_path.rsplit("/", 1)[1])
    staff_path = f"/backoffice/closeout/reports/{report_id}"
    desk.goto(f"{url}/backoffice/closeout/reports")
    check(desk, "reports-to-accept")
    go(desk, f"main a[href$='{staff_path}']")
    check(desk, "final-report")
    go(desk, f"form[action$='{staff_path}/accept'] button")
    portal.mail.wait(
        side.editor.email,
        portal.text(
            lang, "%(report)s of application %(number)s is accepted", report=final, number=number
        ),
    )
    desk.goto(f"{url}/backoffice/applications/{side.application_id}")
    assert desk.locator("ul.closing li").count() == 4  # report, statements, months, certificates
    assert desk.locator("ul.closing li.missing").count() == 0
    check(desk, "agreement-to-close")
    close = f"/backoffice/closeout/applications/{side.application_id}/close"
    go(desk, f"form[action$='{close}'] button")
    assert desk.locator(f"form[action$='{close}']").count() == 0
    message = portal.mail.wait(
        side.owner.email,
        portal.text(lang, "The agreement of application %(number)s is closed", number=number),
    )
    owner.goto(portal.mail.link(message))
    assert portal.status(lang, "closed") in owner.locator("main").inner_text()
    check(owner, "agreement-closed")
    with app.app_context():
        application = db.session.get(Application, side.application_id)
        assert application.status == "closed" and application.closed_at is not None
        closed_at = application.closed_at

    # The regional committee's dashboard, counted again by the worker: the four provinces.
    admin = create_staff(app, "admin", locale=lang)
    dashboard = new_context(portal, state, DESK).new_page()
    staff_sign_in(dashboard, url, admin, lang)
    dashboard.goto(f"{url}/backoffice/outcomes/")
    go(dashboard, "main form[action$='/outcomes/refresh'] button[type=submit]")
    assert notice(dashboard) == portal.text(
        lang, "The figures are being counted again: reload the page in a minute."
    )
    wait_for(lambda: counted_after(app, closed_at), 60, what="the dashboard counted again")
    dashboard.reload()
    with app.app_context():
        provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
        names = {p.id: (p.name_ar if lang == "ar" else p.name_fr) for p in provinces}
        tan_tan = next(p.id for p in provinces if p.name_fr == PROVINCE)
    rows = dashboard.locator("#funnel-table tbody tr")
    assert rows.count() == len(provinces) + 1  # the four provinces and the region
    assert (
        dashboard.locator("svg.bars[aria-describedby='funnel-table']").count() == len(provinces) + 1
    )
    headers = [h.strip() for h in dashboard.locator("#funnel-table thead th").all_inner_texts()]
    province_row = rows.filter(has=dashboard.locator("th", has_text=names[tan_tan]))
    figures = dict(zip(headers[1:], cells(province_row), strict=False))
    completed = figures[portal.text(lang, "Completed")]
    assert int(re.sub(r"\D", "", completed)) >= WORKERS, figures
    # The bars start where the labels end: at the right in Arabic, at the left in French.
    chart = dashboard.locator("svg.bars").first.bounding_box()
    bar = dashboard.locator("svg.bars rect").first.bounding_box()
    middle = chart["x"] + chart["width"] / 2
    if lang == "ar":
        assert bar["x"] + bar["width"] > middle, (bar, chart)
    else:
        assert bar["x"] < middle, (bar, chart)
    check(dashboard, "outcomes")

    # The public figures, computed as beat computes them; a visitor with no account reads the
    # province's page in the language chosen, and downloads the worksites as CSV.
    released = latest_release(app)
    with app.app_context():
        app.extensions["celery"].send_task("refresh_open_data")
    wait_for(lambda: latest_release(app) > released, 60, what="the public figures computed")
    visitor = new_context(portal, state, PHONE).new_page()
    visitor.goto(f"{url}/language/{lang}")
    go(visitor, "main a[href='/results/']")
    check(visitor, "results")
    go(visitor, f"main a[href='/results/province/{tan_tan}']")
    check(visitor, "results-province")
    go(visitor, f"main a[href='/results/commune/{side.commune_id}']")  # its commune's page
    card = card_of(visitor, side.number)
    shown = dict(
        zip(card.locator("dt").all_inner_texts(), card.locator("dd").all_inner_texts(), strict=True)
    )
    for label in ("Jobs approved", "Jobs created", "Contracts completed"):
        assert shown[portal.text(lang, label)].strip() == str(WORKERS), shown
    progress = shown[portal.text(lang, "Progress")]  # the final report's, not the time elapsed
    assert "100" in progress and portal.text(lang, "from the accepted progress reports") in progress
    check(visitor, "results-commune")
    _name, body = download(visitor, "main a[href='/open-data/v1/worksites.csv']")
    assert body.startswith(b"\xef\xbb\xbf")  # a spreadsheet reads it as UTF-8
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == list(schema.NAMES)
    row = dict(zip(table[0], next(r for r in table if r[0] == side.number), strict=True))
    assert (row["jobs_approved"], row["jobs_created"], row["jobs_completed"]) == ("6", "6", "6")
    assert (row["progress_percent"], row["progress_basis"]) == ("100", "reports")
    assert not any(cin.encode() in body for cin in contract_cins(app, side.application_id))
    listed = json.loads(visitor.request.get(f"{url}/open-data/v1/worksites.json").body())
    assert any(item.get("identifier") == side.number for item in listed["worksites"])
    go(visitor, "main a[href='/open-data/']")
    check(visitor, "open-data-schema")
    # Every email of the journey delivered before its worker stops: none left queued for the
    # next test's worker to send.
    wait_for(lambda: not undelivered(app, side), 60, what="the journey's emails delivered")
    state["done"] = True


# Reading what the journey needs


def sign_in(page, url: str, user, lang: str) -> None:
    page.goto(f"{url}/language/{lang}")
    page.goto(f"{url}/account/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    go(page, "main form button[type=submit]")


def application_number(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).number


def contract_cins(app, application_id: int) -> list[str]:
    from portal.beneficiaries.models import Person

    with app.app_context():
        return db.session.scalars(
            select(Person.cin)
            .join(Contract, Contract.person_id == Person.id)
            .where(Contract.application_id == application_id)
        ).all()


def undelivered(app, side) -> int:
    from portal.notifications.models import DeliveryStatus, Notification

    with app.app_context():
        return db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id.in_([side.owner.id, side.editor.id]),
                Notification.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
            )
        )


def counted_after(app, moment: datetime) -> bool:
    with app.app_context():
        last = db.session.scalar(select(func.max(OutcomeRefresh.computed_at)))
        return last is not None and last > moment


def latest_release(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(OpenDataRelease.id))) or 0


def card_of(page, number: str):
    """The worksite's card on the province's page, following its pages as a visitor does (other
    worksites of the province come before it)."""
    while True:
        card = page.locator(".public-worksites li", has_text=number)
        if card.count() == 1:
            return card
        more = page.locator("main a[href*='?after=']")
        assert more.count() == 1, f"no card of {number} on the province's pages"
        go(page, "main a[href*='?after=']")


def test_8_after_the_works_visits_close_out_and_results(portal, lang, contexts):
    state = {"contexts": contexts, "worksite": worksite(portal.app, lang)}
    run(portal, after_the_works, lang, state)

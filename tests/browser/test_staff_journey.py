"""The staff's whole journey in a real browser, in Arabic and in French.

The secretariat finds a submitted application in the queue and assigns it; the
technical-committee member declares no conflict of interest, scores it on the call's grid and
asks for a change by a date; the applicant submits again; the reviewer sees what changed and
recommends it; the deciding committee approves it with two other recommended applications in
one action and closes the session; the call's applications are exported to XLSX. Every page
is checked with axe once, and its screenshot kept as `staff-journey-<step>-<lang>.png`.
"""

import io
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.applications.models import Application
from portal.calls.models import Call, CallProvince
from portal.extensions import db
from portal.geo.models import Province
from tests.support.accounts import (
    add_documents,
    create_organisation,
    create_staff,
    create_user,
    demo_call,
    login,
    post,
)
from tests.support.applications import fill_component1, planned_start, start_on
from tests.support.browser import staff_sign_in

pytestmark = pytest.mark.browser

PROVINCE = "Guelmim"
QUOTA = 80
WORKERS_BEFORE, WORKERS_AFTER = 24, 26  # the change the reviewer asks for
OTHERS = (24, 20)  # workers of the two other applications recommended to the committee
APPROVED_JOBS = WORKERS_AFTER + sum(OTHERS)
# After the session closes an approved application stays approved, or moves on at once to
# "agreement issued" when its agreement is written then.
GRANTED = ("approved", "agreement_issued")

# What the pages say, from translations/<lang>/LC_MESSAGES/messages.po.
TEXT = {
    "ar": {
        "application": "الطلب {number}",
        "eligible": "مؤهل، في انتظار الدراسة",
        "in_review": "قيد الدراسة التقنية",
        "changes_requested": "تعديلات مطلوبة",
        "recommended": "موصى به للجنة",
        "approved": "مقبول",
        "agreement_issued": "صدرت الاتفاقية",
        "assigned": "يدرس {name} الطلب.",
        "scores_saved": "حُفظت النقط.",
        "changes_asked": "طُلبت التعديلات من صاحب الطلب.",
        "what_changed": "ما تغيّر منذ الإرسال السابق",
        "recommendation_recorded": "سُجّلت التوصية.",
        "total": "المجموع: {total}",
        "recommend": "موصى به للجنة",
        "workers": "العمال المراد تشغيلهم",
        "one_application": "طلب واحد",
        "session": "دورة اللجنة بتاريخ {date}",
        "open": "مفتوحة",
        "closed": "مختتمة",
        "three_decisions": "3 قرارات",
        "target": "الهدف: {allotted} منصبا · المطلوب: {requested} · المقبول: {approved} · المتبقي: {left}",
        "export": "تصدير الطلبات",
        "sheet": "الطلبات",
        "three_applications": "3 طلبات",
        "download": "تحميل {name}",
        "justification": "تبرير النقطة {code}",
        "what": "أضيفوا عاملين اثنين للتأطير الميداني",
        "note": "ورش مفيد للمدينة",
        "members": "الكاتب العام للعمالة\nممثل أنابيك",
    },
    "fr": {
        "application": "Demande {number}",
        "eligible": "Éligible, en attente d'examen",
        "in_review": "En examen technique",
        "changes_requested": "Modifications demandées",
        "recommended": "Recommandée au comité",
        "approved": "Approuvée",
        "agreement_issued": "Convention émise",
        "assigned": "{name} examine la demande.",
        "scores_saved": "Les notes sont enregistrées.",
        "changes_asked": "Les modifications sont demandées au demandeur.",
        "what_changed": "Ce qui a changé depuis le dépôt précédent",
        "recommendation_recorded": "La recommandation est enregistrée.",
        "total": "Total\u00a0: {total}",
        "recommend": "Recommandée au comité",
        "workers": "Ouvriers à embaucher",
        "one_application": "1 demande",
        "session": "Session du comité du {date}",
        "open": "Ouverte",
        "closed": "Clôturée",
        "three_decisions": "3 décisions",
        "target": "Objectif\u00a0: {allotted} emplois · demandés\u00a0: {requested} · approuvés\u00a0: {approved} · restants\u00a0: {left}",
        "export": "Export des demandes",
        "sheet": "Demandes",
        "three_applications": "3 demandes",
        "download": "Télécharger {name}",
        "justification": "Justification de la note {code}",
        "what": "Ajoutez deux ouvriers pour l'encadrement sur le terrain",
        "note": "Chantier utile à la ville",
        "members": "Secrétaire général de la province\nReprésentant de l'ANAPEC",
    },
}


# Setup through HTTP and the services, as the applicant and the other reviewers would.


def a_call(app, lang: str) -> int:
    """A component-1 call of its own (same edition and dates as the demo call), so that its
    quota, agenda and export hold this test's applications only."""
    template = demo_call(app, 1)
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr=PROVINCE).one().id
        call = Call(
            edition_id=template.edition_id,
            component=1,
            title_ar=f"أوراش عامة مؤقتة: مسار الموظفين ({lang})",
            title_fr=f"Chantiers publics temporaires : parcours du personnel ({lang})",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
            committee_level=template.committee_level,
        )
        call.provinces = [CallProvince(province_id=province_id, quota_jobs=QUOTA)]
        db.session.add(call)
        db.session.commit()
        return call.id


def submitted_application(app, call_id: int, workers: int):
    """An association of the province applies to the call and submits: (client, id, names)."""
    suffix = uuid.uuid4().hex[:6]
    names = {"ar": f"جمعية تغمرت للتنمية {suffix}", "fr": f"Association Tighmert {suffix}"}
    owner = create_user(app)
    organisation = create_organisation(
        app, owner, province=PROVINCE, name_ar=names["ar"], name_fr=names["fr"]
    )
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    with app.app_context():
        province_id = db.session.query(Province).filter_by(name_fr=PROVINCE).one().id
    application_id = start_on(app, client, organisation, call_id, PROVINCE)
    fill_component1(app, client, application_id, province_id, workers_planned=str(workers))
    submit(client, application_id)
    assert status_of(app, application_id) == "eligible"
    return client, application_id, names


def submit(client, application_id: int) -> None:
    response = post(
        client,
        f"/applications/{application_id}/submit",
        {},
        token_from=f"/applications/{application_id}/preview",
    )
    assert response.status_code == 302


def recommended_through_http(app, application_id: int, secretariat, colleague, grid) -> None:
    """Assigned by the secretariat and recommended by another technical-committee member."""
    staff_page = f"/backoffice/applications/{application_id}"
    assigner = app.test_client()
    login(assigner, secretariat)
    post(assigner, f"{staff_page}/assign", {"reviewer": str(colleague.id)}, token_from=staff_page)
    member = app.test_client()
    login(member, colleague)
    scores = {f"score_{c['code']}": str(c["max"] // 2) for c in grid}
    response = post(
        member,
        f"{staff_page}/review",
        {"no_conflict": "y", "recommendation": "recommend", "submit_review": "1", **scores},
    )
    assert response.status_code == 302
    assert status_of(app, application_id) == "recommended"


def status_of(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).status


def number_of(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).number


def scoring_grid(app, call_id: int) -> list[dict]:
    with app.app_context():
        return db.session.get(Call, call_id).edition.parameters["scoring"]


# The browser


def success(page) -> str:
    notices = page.locator("main .notice-success")
    assert page.locator("main .notice-error").count() == 0, page.locator("main").inner_text()
    assert notices.count() == 1, page.locator("main").inner_text()
    return notices.inner_text().strip()


def shown_status(page) -> str:
    """The status on the staff's page of an application (first line of its summary)."""
    return page.locator("main dl.summary dd").first.inner_text().strip()


def cells(row) -> list[str]:
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_staff_take_an_application_from_the_queue_to_the_committee_and_the_export(
    app, browser, live_server, check_page, lang
):
    text = TEXT[lang]

    def check(page, step: str) -> None:
        html = page.locator("html")
        assert html.get_attribute("lang") == lang
        assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert check_page(page, f"staff-journey-{step}-{lang}") == []

    # Setup: the call, the application followed here, and two others already recommended.
    call_id = a_call(app, lang)
    grid = scoring_grid(app, call_id)
    applicant, application_id, names = submitted_application(app, call_id, WORKERS_BEFORE)
    number = number_of(app, application_id)
    secretariat = create_staff(app, "secretariat", "committee_member", provinces=(PROVINCE,))
    reviewer = create_staff(app, "technical_committee", provinces=(PROVINCE,))
    colleague = create_staff(app, "technical_committee", provinces=(PROVINCE,))
    others = []
    for workers in OTHERS:
        _client, other_id, _names = submitted_application(app, call_id, workers)
        recommended_through_http(app, other_id, secretariat, colleague, grid)
        others.append(other_id)
    staff_page = f"/backoffice/applications/{application_id}"

    # Two people at two desks: the secretariat's browser and the reviewer's.
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    bench = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        # The secretariat signs in, finds the application in the queue and opens it.
        page = desk.new_page()
        page.goto(f"{live_server}/language/{lang}")
        page.goto(f"{live_server}/account/login")
        check(page, "login")
        staff_sign_in(page, live_server, secretariat, lang, check=check)
        check(page, "home")
        page.locator("main a[href$='/backoffice/applications/']").click()
        page.locator("#q").fill(names[lang])
        page.locator("#call").select_option(str(call_id))
        page.locator("main form[role=search] button[type=submit]").click()
        page.wait_for_url(re.compile(r"[?&]q="))
        rows = page.locator("main table tbody tr")
        assert rows.count() == 1
        assert cells(rows.first)[0] == number and cells(rows.first)[4] == text["eligible"]
        assert page.locator("main ul.status-counts li").all_inner_texts() == [
            f"{text['eligible']}: 1"
        ]
        assert text["one_application"] in page.locator("main p.muted").inner_text()
        check(page, "queue")
        rows.first.locator(f"a[href$='{staff_page}']").click()
        page.wait_for_url(re.compile(re.escape(staff_page) + "$"))
        assert page.locator("main h1").inner_text() == text["application"].format(number=number)
        assert shown_status(page) == text["eligible"]

        # It is assigned to a technical-committee member.
        page.locator("#reviewer").select_option(str(reviewer.id))
        page.locator("main form[action$='/assign'] button[type=submit]").click()
        page.wait_for_load_state()
        assert success(page) == text["assigned"].format(name=reviewer.full_name)
        assert shown_status(page) == text["in_review"]
        check(page, "application")

        # The reviewer finds it among the applications under review, declares no conflict
        # of interest and scores it on the call's grid, a justification per criterion.
        bench_page = bench.new_page()
        staff_sign_in(bench_page, live_server, reviewer, lang)
        bench_page.goto(f"{live_server}/backoffice/applications/")
        bench_page.locator("#q").fill(number)
        bench_page.locator("#status").select_option("in_review")
        bench_page.locator("main form[role=search] button[type=submit]").click()
        bench_page.wait_for_url(re.compile(r"[?&]status=in_review"))
        rows = bench_page.locator("main table tbody tr")
        assert rows.count() == 1 and cells(rows.first)[4] == text["in_review"]
        rows.first.locator(f"a[href$='{staff_page}']").click()
        bench_page.locator(f"main a[href$='{staff_page}/review']").click()
        bench_page.wait_for_url(re.compile(re.escape(staff_page) + "/review$"))
        assert bench_page.locator("main fieldset.criterion").count() == len(grid)
        bench_page.locator("#no_conflict").check()
        total = 0
        for criterion in grid:
            score = criterion["max"] * 4 // 5
            total += score
            bench_page.locator(f"#score_{criterion['code']}").fill(str(score))
            bench_page.locator(f"#why_{criterion['code']}").fill(
                text["justification"].format(code=criterion["code"])
            )
        bench_page.locator("main form[method=post] button[type=submit]:not([name])").click()
        bench_page.wait_for_load_state()
        assert success(bench_page) == text["scores_saved"]
        assert bench_page.locator("#no_conflict").count() == 0  # declared once, for good
        assert text["total"].format(total=total) in bench_page.locator("main").inner_text()

        # The reviewer asks for a change by a date.
        deadline = date.today() + timedelta(days=14)
        bench_page.locator(f"main a[href$='{staff_page}']").click()
        bench_page.locator("main details:has(form[action$='/changes']) > summary").click()
        bench_page.locator("#what").fill(text["what"])
        bench_page.locator("#deadline").fill(deadline.isoformat())
        bench_page.locator("main form[action$='/changes'] button[type=submit]").click()
        bench_page.wait_for_load_state()
        assert success(bench_page) == text["changes_asked"]
        assert shown_status(bench_page) == text["changes_requested"]
        with app.app_context():
            application = db.session.get(Application, application_id)
            assert application.change_request == text["what"]
            assert application.change_deadline == deadline

        # The applicant adds the two workers and submits again.
        with app.app_context():
            commune_id = db.session.get(Application, application_id).details["commune_id"]
        response = post(
            applicant,
            f"/applications/{application_id}/steps/worksite",
            {
                "title": "تشجير مدخل المدينة",
                "sector": "forests",
                "commune_id": commune_id,
                "location": "الطريق الجهوية 104",
                "workers_planned": str(WORKERS_AFTER),
                "supervisors": "2",
                "duration_months": "6",
                "planned_start": planned_start(),
            },
        )
        assert response.status_code == 302
        submit(applicant, application_id)
        assert status_of(app, application_id) == "eligible"

        # The reviewer sees what changed between the two submissions, and recommends it.
        bench_page.reload()
        assert shown_status(bench_page) == text["eligible"]
        bench_page.locator(f"main a[href$='{staff_page}/review']").click()
        bench_page.wait_for_url(re.compile(re.escape(staff_page) + "/review$"))
        assert bench_page.locator("main h2", has_text=text["what_changed"]).count() == 1
        changed = bench_page.locator("main table tbody tr", has_text=text["workers"])
        assert cells(changed) == [text["workers"], str(WORKERS_BEFORE), str(WORKERS_AFTER)]
        first = grid[0]["code"]
        assert bench_page.locator(f"#score_{first}").input_value() == str(grid[0]["max"] * 4 // 5)
        check(bench_page, "review")
        bench_page.locator("input[name=recommendation][value=recommend]").check()
        bench_page.locator("#note").fill(text["note"])
        bench_page.locator("main button[name=submit_review]").click()
        bench_page.wait_for_url(re.compile(re.escape(staff_page) + "$"))
        assert success(bench_page) == text["recommendation_recorded"]
        assert shown_status(bench_page) == text["recommended"]
        panel = bench_page.locator("main section[aria-labelledby=review-title]").inner_text()
        assert text["total"].format(total=total) in panel and text["recommend"] in panel

        # The deciding committee opens a session of the call.
        page.locator("header a[href$='/backoffice/']").click()
        page.locator("main a[href$='/backoffice/sessions/']").click()
        page.wait_for_url(re.compile(r"/backoffice/sessions/$"))
        check(page, "sessions")
        held_on = date.today()
        page.locator("#call_id").select_option(str(call_id))
        page.locator("#held_on").fill(held_on.isoformat())
        page.locator("#members_present").fill(text["members"])
        page.locator("main form[method=post] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/backoffice/sessions/\d+$"))
        session_path = page.url.removeprefix(live_server)
        assert page.locator("main h1").inner_text() == text["session"].format(
            date=held_on.strftime("%d/%m/%Y")
        )
        assert page.locator("main h1 + p").inner_text().endswith(f"· {text['open']}")
        ledger = page.locator("main table").first.locator("tbody tr")
        assert ledger.count() == 1 and cells(ledger)[1:] == [str(QUOTA), "0", str(QUOTA)]
        ids = [application_id, *others]
        assert page.locator("input[name=application_id]").count() == len(ids)
        requested = dict(zip(ids, (WORKERS_AFTER, *OTHERS), strict=True))
        for agenda_id, jobs in requested.items():
            assert page.locator(f"#jobs-{agenda_id}").input_value() == str(jobs)
            review_cell = cells(page.locator(f"main tr:has(#pick-{agenda_id})"))[3]
            assert review_cell.startswith(text["recommend"])

        # It approves the three in one action: the jobs come off the province's quota.
        for agenda_id in ids:
            page.locator(f"#pick-{agenda_id}").check()
        page.locator("main button[name=outcome][value=approve]").click()
        page.wait_for_url(re.compile(re.escape(session_path) + "$"))
        assert page.locator("main .notice-error").count() == 0, page.locator("main").inner_text()
        for agenda_id in ids:
            decision = cells(page.locator(f"main tr:has(#pick-{agenda_id})"))[5]
            assert decision == text["approved"]
        left = QUOTA - APPROVED_JOBS
        ledger = page.locator("main table").first.locator("tbody tr")
        assert cells(ledger)[1:] == [str(QUOTA), str(APPROVED_JOBS), str(left)]
        check(page, "session")

        # Closing the session, once the box is ticked, freezes the decisions and moves the
        # applications.
        page.locator("main form[action$='/close'] input[name=confirm]").check()
        page.locator("main form[action$='/close'] button[type=submit]").click()
        page.wait_for_url(re.compile(re.escape(session_path) + "$"))
        success(page)
        granted = {status_of(app, agenda_id) for agenda_id in ids}
        assert len(granted) == 1 and granted <= set(GRANTED), granted
        granted_label = text[granted.pop()]
        assert page.locator("main p strong").first.inner_text() == text["closed"]
        assert page.locator("input[name=application_id]").count() == 0
        for agenda_id, jobs in requested.items():
            row = cells(
                page.locator(f"main tr:has(a[href$='/backoffice/applications/{agenda_id}'])")
            )
            assert row[4:] == [str(jobs), text["approved"]]
        page.locator("main a[href$='/backoffice/sessions/']").click()
        card = page.locator(f"main li.card:has(a[href$='{session_path}'])")
        assert (
            card.locator(".muted").inner_text() == f"{text['closed']} · {text['three_decisions']}"
        )

        # The queue of the call counts the three granted applications.
        page.goto(f"{live_server}/backoffice/applications/?call={call_id}")
        assert page.locator("main ul.status-counts li").all_inner_texts() == [f"{granted_label}: 3"]

        # The dashboard of the call shows the jobs against the quota.
        page.locator("header a[href$='/backoffice/']").click()
        page.locator("main a[href$='/backoffice/reports/dashboard']").click()
        page.locator("#call").select_option(str(call_id))
        page.locator("main form.filters button[type=submit]").click()
        page.wait_for_url(re.compile(rf"[?&]call={call_id}\b"))
        target = text["target"].format(
            allotted=QUOTA, requested=APPROVED_JOBS, approved=APPROVED_JOBS, left=left
        )
        assert target in page.locator("main").inner_text()
        line = page.locator("main table.dashboard tbody tr")
        assert line.count() == 1
        assert cells(line)[1:5] == [str(QUOTA), str(APPROVED_JOBS), str(APPROVED_JOBS), str(left)]
        assert cells(line)[5] == f"{round(APPROVED_JOBS * 100 / QUOTA)}%"
        statuses = page.locator("main table").nth(1).locator("tbody tr")
        assert statuses.count() == 1 and cells(statuses)[:2] == [granted_label, "3"]
        check(page, "dashboard")

        # The export of the call is built by the worker; the page offers the file when done.
        page.locator("main button[name=format][value=xlsx]").click()
        page.wait_for_url(re.compile(r"/backoffice/reports/exports/\d+$"))
        download_link = page.locator("main a[href$='/download']")
        download_link.wait_for(timeout=30_000)
        filename = f"applications-call-{call_id}.xlsx"
        assert page.locator("main h1").inner_text() == text["export"]
        assert download_link.inner_text() == text["download"].format(name=filename)
        assert text["three_applications"] in page.locator("main").inner_text()
        check(page, "export")
        with page.expect_download() as download:
            download_link.click()
        assert download.value.suggested_filename == filename
        workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert workbook.sheetnames == [text["sheet"], "codes"]
        header, *rows = list(workbook["codes"].iter_rows(values_only=True))
        column = {name: i for i, name in enumerate(header)}
        exported = {row[column["number"]]: row for row in rows}
        assert set(exported) == {number_of(app, i) for i in ids}
        for agenda_id, jobs in requested.items():
            row = exported[number_of(app, agenda_id)]
            assert row[column["status"]] in GRANTED and row[column["decision"]] == "approve"
            assert row[column["jobs_granted"]] == jobs
            assert row[column["recommendation"]] == "recommend"
        assert exported[number][column["organisation_ar"]] == names["ar"]
        assert exported[number][column["review_total"]] == total
        # The first sheet, the same columns, reads in the staff member's language.
        _header, *rows = list(workbook[text["sheet"]].iter_rows(values_only=True))
        shown = {row[column["number"]]: row for row in rows}[number]
        assert shown[column["organisation_ar"]] == names["ar"]
        assert shown[column["recommendation"]] == text["recommend"]
        assert shown[column["status"]] in (text["approved"], text["agreement_issued"])
    finally:
        desk.close()
        bench.close()

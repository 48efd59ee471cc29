"""The statements' pages: the partner opens this month's, fills it (errors by line and field,
nothing saved), submits, the owner certifies; the secretariat of the province accepts or
returns with reasons by line. CIN masked, amounts in the reader's number format."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.payroll.models import MonthlyStatement, StatementLine
from tests.support.accounts import create_staff, csrf_token, login
from tests.support.queries import page_statements as statements_run
from tests.support.statements import (
    NOVEMBER,
    OCTOBER,
    SEPTEMBER,
    on_today,
    statement_in,
    workforce,
)


def signed_in(app, user, lang: str = "ar"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def send(client, path: str, data: dict, token_from: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


@pytest.fixture
def side(app, monkeypatch):
    on_today(monkeypatch)
    return workforce(app)


def test_the_partner_opens_fills_submits_and_the_owner_certifies(app, side, html_pages):
    editor = signed_in(app, side.editor, "fr")
    application = editor.get(f"/applications/{side.application_id}").get_data(as_text=True)
    listing = f"/agreements/{side.agreement_id}/statements"
    assert f'href="{listing}"' in application
    page = editor.get(listing).get_data(as_text=True)
    html_pages.save("payroll-statements-empty", page)
    assert "décembre 2026" in page and 'value="2026-11"' in page
    response = send(editor, listing, {"period": "2026-11"})
    assert response.status_code == 302
    with app.app_context():
        statement = db.session.scalar(
            select(MonthlyStatement).filter_by(application_id=side.application_id, period=NOVEMBER)
        )
        statement_id, cin = statement.id, statement.lines[0].contract.person.cin
    path = f"/statements/{statement_id}"
    assert response.headers["Location"].endswith(path)
    page = editor.get(path).get_data(as_text=True)
    html_pages.save("payroll-statement-fill", page)
    assert cin not in page and f"{cin[:2]}" in page
    assert "6\u202f532,20\u00a0MAD" in page or "6\u202f532,20" in page  # 2 × 3 266,10
    # A day too many on the first line, a short month without its reason on the second
    wrong = send(
        editor,
        path,
        {
            "lines-0-days_worked": "27",
            "lines-0-situation": "",
            "lines-1-days_worked": "20",
            "lines-1-situation": "",
        },
    )
    assert wrong.status_code == 400
    text = wrong.get_data(as_text=True)
    html_pages.save("payroll-statement-errors", text)
    assert 'id="lines-0-days_worked-error"' in text and 'id="lines-1-situation-error"' in text
    assert "choisissez pourquoi" in text
    with app.app_context():
        assert {
            line.days_worked
            for line in db.session.scalars(
                select(StatementLine).filter_by(statement_id=statement_id)
            )
        } == {26}
    good = send(
        editor,
        path,
        {
            "lines-0-days_worked": "26",
            "lines-0-situation": "",
            "lines-1-days_worked": "20",
            "lines-1-situation": "IL",
        },
    )
    assert good.status_code == 302
    assert send(editor, f"{path}/submit", {}, path).status_code == 302
    assert send(editor, f"{path}/certify", {}, path).status_code == 403  # the submitter
    owner = signed_in(app, side.owner)
    page = owner.get(path).get_data(as_text=True)
    html_pages.save("payroll-statement-certify", page)
    assert f'action="{path}/certify"' in page
    assert send(owner, f"{path}/certify", {}, path).status_code == 302
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement_id).status == "certified"


def test_the_secretariat_returns_with_reasons_by_line_then_accepts(app, side, html_pages):
    statement_id = statement_in(app, side, OCTOBER, "certified")
    elsewhere = signed_in(app, create_staff(app, "secretariat", provinces=("Tan-Tan",)))
    path = f"/backoffice/payroll/statements/{statement_id}"
    assert elsewhere.get(path).status_code == 404
    assert path not in elsewhere.get("/backoffice/payroll/statements").get_data(as_text=True)
    staff = signed_in(app, side.staff)
    queue = staff.get("/backoffice/payroll/statements").get_data(as_text=True)
    html_pages.save("payroll-staff-statements", queue)
    assert path in queue
    page = staff.get(path).get_data(as_text=True)
    html_pages.save("payroll-staff-statement", page)
    empty = send(staff, f"{path}/return", {f"lines-{i}-reason": "" for i in range(3)}, path)
    assert empty.status_code == 400
    returned = send(
        staff,
        f"{path}/return",
        {
            "lines-0-reason": "",
            "lines-1-reason": "غاب ثلاثة أيام",
            "lines-2-reason": "",
            "note": "",
        },
        path,
    )
    assert returned.status_code == 302
    partner = signed_in(app, side.editor)
    page = partner.get(f"/statements/{statement_id}").get_data(as_text=True)
    html_pages.save("payroll-statement-returned", page)
    assert "غاب ثلاثة أيام" in page
    listing = partner.get(f"/agreements/{side.agreement_id}/statements").get_data(as_text=True)
    html_pages.save("payroll-statements-history", listing)
    with app.app_context():
        statement = db.session.get(MonthlyStatement, statement_id)
        assert statement.status == "returned"
        assert [line.return_reason for line in statement.lines][1] == "غاب ثلاثة أيام"


def test_the_pages_run_the_same_statements_whatever_their_lines_and_months(app, side):
    """The history with one month, then three; a statement of two lines, then of three."""
    editor, staff = signed_in(app, side.editor), signed_in(app, side.staff)
    listing = f"/agreements/{side.agreement_id}/statements"
    november = statement_in(app, side, NOVEMBER, "certified")  # the full and the late worker
    first = {
        "partner's list": statements_run(app, editor, listing),
        "partner's statement": statements_run(app, editor, f"/statements/{november}"),
        "staff's list": statements_run(app, staff, "/backoffice/payroll/statements"),
        "staff's statement": statements_run(
            app, staff, f"/backoffice/payroll/statements/{november}"
        ),
    }
    october = statement_in(app, side, OCTOBER, "certified")  # the leaver too
    statement_in(app, side, SEPTEMBER, "certified")
    then = {
        "partner's list": statements_run(app, editor, listing),
        "partner's statement": statements_run(app, editor, f"/statements/{october}"),
        "staff's list": statements_run(app, staff, "/backoffice/payroll/statements"),
        "staff's statement": statements_run(
            app, staff, f"/backoffice/payroll/statements/{october}"
        ),
    }
    assert then == first, (first, then)
    most = {
        "partner's list": 9,
        "partner's statement": 7,
        "staff's list": 4,
        "staff's statement": 6,
    }
    for page, count in first.items():
        assert count <= most[page], (page, count)

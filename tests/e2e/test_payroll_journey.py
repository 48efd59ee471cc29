"""Journey 7, the month's payroll, end to end in Arabic and in French.

A signed worksite of 24 workers in Assa-Zag (one started mid-October, one left on 20 October,
one ill for six days) and a company's hire on the hiring grant from October, in the same
province. October:
the partner's editor fills the month on a phone and submits it, the owner certifies it, the
secretariat accepts it and asks for the province's payroll file, which the worker builds; the
paying body's returns pay 23 lines and reject one; the partner follows the email, corrects the
worker's CNSS number, and November's file sends the line again with November's lines, all paid.
The hire's grant is paid for October; declared with no day in November, that month is withheld;
declared again in December, the grant resumes (due).

The portal runs as in production (conftest.py): a real worker builds the files and sends the
emails to an SMTP sink. Every page visited is checked once per language (axe, 360 px, Nu).
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.extensions import db
from portal.payroll import statements
from portal.payroll.models import (
    LedgerEntry,
    LedgerKind,
    MonthlyStatement,
    PayrollFile,
    StatementStatus,
)
from tests.support.accounts import PASSWORD, create_staff
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.browser import DESK, PHONE, staff_sign_in
from tests.support.journeys import download, go, new_context, notice, run, wait_for_page
from tests.support.payroll_files import new_cnss_number

pytestmark = pytest.mark.e2e

PROVINCE = "Assa-Zag"  # the province's files hold what other tests committed there too
OCTOBER, NOVEMBER, DECEMBER = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
FULL = 21  # workers of the whole of both months
ILL_DAYS = 20  # the ill worker's October: six days of illness (IL)


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
    """The 24 validated workers of the worksite; the leaver's contract ended on 20 October."""
    side = signed_agreement(app, province=PROVINCE, jobs=24)
    with app.app_context():
        for user in (side.owner, side.editor):
            db.session.get(User, user.id).locale = lang
        staff = db.session.get(User, side.staff.id)
        dates = [(date(2026, 8, 1), date(2027, 1, 31))] * (FULL + 1)
        dates += [(date(2026, 10, 16), date(2027, 3, 31)), (date(2026, 8, 1), date(2027, 1, 31))]
        contracts = [
            enrol(side, new_cin(), start=start, end=end, cnss_number=new_cnss_number()).contract
            for start, end in dates
        ]
        for contract in contracts:
            beneficiaries.validate(contract, by=staff)
        beneficiaries.end_contract(
            contracts[-1], date(2026, 10, 20), "resigned", by=db.session.get(User, side.editor.id)
        )
        db.session.commit()
        side.rejected, side.ill = contracts[0].id, contracts[FULL].id
        side.number = db.session.get(Agreement, side.agreement_id).number
    return side


def hire(app):
    """A company's hire on the hiring grant, in the same province, from October."""
    side = signed_agreement(app, province=PROVINCE, component=2)
    with app.app_context():
        contract = enrol(
            side,
            new_cin(),
            start=OCTOBER,
            end=date(2028, 9, 30),
            post_index=0,
            wage=Decimal("3500.00"),
            cnss_number=new_cnss_number(),
        ).contract
        beneficiaries.validate(contract, by=db.session.get(User, side.staff.id))
        db.session.commit()
        side.number = db.session.get(Agreement, side.agreement_id).number
    return side


def declared(app, side, period: date, days: dict[int, tuple[int, str]] | None = None) -> int:
    """The month's statement through the services, as its editor, owner and secretariat would
    make it: opened, filled (`days` by contract), submitted, certified and accepted."""
    with app.app_context():
        editor, owner = db.session.get(User, side.editor.id), db.session.get(User, side.owner.id)
        statement = statements.open_statement(
            db.session.get(Agreement, side.agreement_id), period, by=editor
        )
        if days:
            statements.fill(
                statement,
                {
                    line.id: {
                        "days_worked": days[line.contract_id][0],
                        "situation": days[line.contract_id][1],
                    }
                    for line in statement.lines
                    if line.contract_id in days
                },
                by=editor,
            )
        statements.submit(statement, by=editor)
        statements.certify(statement, by=owner)
        statements.accept(statement, by=db.session.get(User, side.staff.id))
        db.session.commit()
        return statement.id


def returns(template: bytes, ours: set[str], rejected: dict[str, tuple[str, str]]) -> bytes:
    """The paying body's answer to the journey's lines of the template (`ours`, by reference):
    each paid what it pays, but `rejected` (by reference: code, reason)."""
    rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for reference, _outcome, amount, _code, _reason in rows[1:]:
        if reference not in ours:
            continue
        if reference in rejected:
            writer.writerow([reference, "rejected", "", *rejected[reference]])
        else:
            writer.writerow([reference, "paid", amount, "", ""])
    return out.getvalue().encode()


def month_of_payroll(portal, lang: str, state: dict, problems: list[str]) -> None:
    url, app = portal.url, portal.app

    def check(page, name):
        problems.extend(portal.check(page, name, lang))

    side, company = state["worksite"], state["hire"]
    # October of the hire: a whole month, its first month of the grant due.
    declared(app, company, OCTOBER)

    # The partner's editor fills October on a phone and submits it.
    phone = new_context(portal, state, PHONE).new_page()
    sign_in(phone, url, side.editor, lang)
    phone.goto(f"{url}/agreements/{side.agreement_id}/statements")
    check(phone, "statements")
    phone.locator("#period").select_option(f"{OCTOBER:%Y-%m}")
    go(phone, "main form[action$='/statements'] button[type=submit]")
    phone.wait_for_url(re.compile(r"/statements/\d+$"))
    statement_id = int(phone.url.rsplit("/", 1)[1])
    index = line_index(app, statement_id, side.ill)
    phone.locator(f"#lines-{index}-days_worked").fill(str(ILL_DAYS))
    phone.locator(f"#lines-{index}-situation").select_option("IL")
    check(phone, "statement-fill")
    go(phone, "main form.wide button[type=submit]")
    assert notice(phone) == portal.text(lang, "The statement is saved.")
    go(phone, "main form[action$='/submit'] button[type=submit]")
    assert notice(phone) == portal.text(
        lang, "The statement is submitted. The owner of the organisation certifies it next."
    )

    # The owner certifies it: a second person of the organisation.
    owner = new_context(portal, state, DESK).new_page()
    sign_in(owner, url, side.owner, lang)
    owner.goto(f"{url}/statements/{statement_id}")
    check(owner, "statement-certify")
    go(owner, "main form[action$='/certify'] button[type=submit]")
    assert notice(owner) == portal.text(
        lang, "The statement is certified and sent to the secretariat."
    )

    # The secretariat of Sidi Ifni accepts it and asks for October's payroll file.
    staff = create_staff(app, "secretariat", provinces=(PROVINCE,), locale=lang)
    desk = new_context(portal, state, DESK).new_page()
    staff_sign_in(desk, url, staff, lang)
    desk.goto(f"{url}/backoffice/payroll/statements")
    check(desk, "statements-to-accept")
    go(desk, f"main a[href='/backoffice/payroll/statements/{statement_id}']")
    check(desk, "staff-statement")
    go(desk, "main form[action$='/accept'] button[type=submit]")
    october_file = ask_for_file(desk, url, side.province_id, OCTOBER)
    check(desk, "payroll-file")
    _name, workbook = download(desk, "main a[href$='/download']")
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    numbers = {side.number, company.number}
    journey = {side.application_id, company.application_id}
    ours = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[1] in numbers]
    assert len(ours) == 24 + 1  # the 24 workers and the hire
    _name, template = download(desk, "main a[href$='/returns-template.csv']")
    rejected_ref = f"L{line_of(app, statement_id, side.rejected)}"
    answered = returns(
        template,
        references_of(app, october_file, journey),
        {rejected_ref: ("R12", "Numéro inconnu")},
    )
    upload_returns(desk, answered)
    assert notice(desk) == imported(portal, lang, paid=24, rejected=1)
    check(desk, "payroll-file-returns")

    # The partner follows the email to the rejected line and corrects the CNSS number.
    subject = portal.ntext(
        lang,
        "Month %(month)s: %(num)d line rejected by the paying body",
        "Month %(month)s: %(num)d lines rejected by the paying body",
        1,
        month=f"{OCTOBER:%m/%Y}",
    )
    message = portal.mail.wait(side.editor.email, subject)
    phone.goto(portal.mail.link(message))
    assert phone.url.endswith(f"/statements/{statement_id}")
    assert "R12" in phone.locator("#rejected-title ~ div").first.inner_text()
    check(phone, "statement-rejected")
    corrected = new_cnss_number()
    phone.locator("main form[action$='/correct'] input[name=cnss_number]").fill(corrected)
    go(phone, "main form[action$='/correct'] button[type=submit]")
    assert notice(phone) == portal.text(
        lang, "The line is corrected: the province's next payroll file sends it again."
    )

    # November: 23 workers (the leaver is gone) and the hire, ill all month (no day: its
    # month of the grant withheld); the file sends the corrected October line with them, and
    # the paying body pays them all.
    declared(app, side, NOVEMBER)
    declared(
        app,
        company,
        NOVEMBER,
        {c: (0, "IL") for c in contract_ids(app, company.agreement_id)},
    )
    november_file = ask_for_file(desk, url, side.province_id, NOVEMBER)
    _name, template = download(desk, "main a[href$='/returns-template.csv']")
    references = references_of(app, november_file, journey)
    assert rejected_ref in references and len(references) == 23 + 1
    upload_returns(desk, returns(template, references, {}))
    assert notice(desk) == imported(portal, lang, paid=24, rejected=0)
    desk.goto(f"{url}/backoffice/payroll/files/{october_file}")
    october = desk.locator("main").inner_text()
    assert "R12" in october and november_number(app, november_file) in october
    check(desk, "payroll-file-sent-again")
    # December: the hire is back at work, the grant resumes.
    declared(app, company, DECEMBER)
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement_id).status == StatementStatus.PAID
        grant = {
            (kind, period): amount
            for kind, period, amount in db.session.execute(
                select(LedgerEntry.kind, LedgerEntry.period, LedgerEntry.amount).where(
                    LedgerEntry.application_id == company.application_id
                )
            )
        }
    monthly = grant[LedgerKind.GRANT_DUE, OCTOBER]
    assert grant == {
        (LedgerKind.GRANT_DUE, OCTOBER): monthly,
        (LedgerKind.GRANT_PAID, OCTOBER): monthly,
        (LedgerKind.GRANT_WITHHELD, NOVEMBER): monthly,
        (LedgerKind.GRANT_DUE, DECEMBER): monthly,
    }

    # The grant month by month, as the secretariat reads it.
    desk.goto(f"{url}/backoffice/payroll/ledger")
    check(desk, "ledger")
    # And as the company reads it on its application's page.
    company_page = new_context(portal, state, PHONE).new_page()
    sign_in(company_page, url, company.owner, lang)
    company_page.goto(f"{url}/applications/{company.application_id}")
    money = company_page.locator("#money").inner_text()
    assert portal.mad(lang, monthly) in money and portal.mad(lang, 2 * monthly) in money
    check(company_page, "application-grant")
    state["done"] = True


# Reading and writing what the journey needs


def sign_in(page, url: str, user, lang: str) -> None:
    page.goto(f"{url}/language/{lang}")
    page.goto(f"{url}/account/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    go(page, "main form button[type=submit]")


def contract_ids(app, agreement_id: int) -> list[int]:
    from portal.beneficiaries.models import Contract

    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        return db.session.scalars(
            select(Contract.id).filter_by(application_id=agreement.application_id)
        ).all()


def line_index(app, statement_id: int, contract_id: int) -> int:
    with app.app_context():
        lines = db.session.get(MonthlyStatement, statement_id).lines
        return next(i for i, line in enumerate(lines) if line.contract_id == contract_id)


def line_of(app, statement_id: int, contract_id: int) -> int:
    with app.app_context():
        lines = db.session.get(MonthlyStatement, statement_id).lines
        return next(line.id for line in lines if line.contract_id == contract_id)


def references_of(app, file_id: int, application_ids: set[int]) -> set[str]:
    """The references of the file's lines that pay something on the journey's applications
    (the province's file also holds what other tests committed in it)."""
    from portal.payroll import grants
    from portal.payroll.models import StatementLine

    with app.app_context():
        lines = db.session.scalars(
            select(StatementLine)
            .join(MonthlyStatement, StatementLine.statement_id == MonthlyStatement.id)
            .where(StatementLine.payroll_file_id == file_id)
        ).all()
        return {
            f"L{line.id}"
            for line in lines
            if line.statement.application_id in application_ids and grants.payable(line) > 0
        }


def november_number(app, file_id: int) -> str:
    with app.app_context():
        return db.session.get(PayrollFile, file_id).number


def ask_for_file(desk, url: str, province_id: int, period: date) -> int:
    desk.goto(f"{url}/backoffice/payroll/files")
    desk.locator("#province_id").select_option(str(province_id))
    desk.locator("#period").fill(f"{period:%Y-%m}")
    go(desk, "main form[action$='/files'] button[type=submit]")
    desk.wait_for_url(re.compile(r"/backoffice/payroll/files/\d+$"))
    wait_for_page(desk, lambda p: p.locator("main a[href$='/download']").count() == 1)
    return int(desk.url.rsplit("/", 1)[1])


def imported(portal, lang: str, paid: int, rejected: int) -> str:
    """The notice after returns that answered lines for the first time."""
    return portal.text(
        lang,
        "Returns imported: %(paid)s paid, %(rejected)s rejected, %(unchanged)s already known.",
        paid=paid,
        rejected=rejected,
        unchanged=0,
    )


def upload_returns(desk, data: bytes) -> None:
    desk.locator("#file").set_input_files(
        {"name": "retours.csv", "mimeType": "text/csv", "buffer": data}
    )
    go(desk, "main form[action$='/returns'] button[type=submit]")


def test_7_a_month_of_payroll_from_the_statement_to_the_returns(portal, lang, contexts):
    state = {"contexts": contexts, "worksite": worksite(portal.app, lang), "hire": hire(portal.app)}
    run(portal, month_of_payroll, lang, state)

"""The paying body's returns of a payroll file: checked row by row with errors by row and
column in the reader's language (nothing applied while one is left), then each line reconciled
and settled in the ledger, the statements paid or rejected, the partner told of rejected lines;
the same returns imported twice change nothing."""

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.payroll.models import (
    LedgerEntry,
    LedgerKind,
    LineOutcome,
    MonthlyStatement,
    PayrollFile,
    StatementLine,
    StatementStatus,
)
from tests.support.accounts import csrf_token, login
from tests.support.beneficiaries import new_cin, signed_agreement
from tests.support.payroll_files import enrolled_statement, new_cnss_number

APRIL = date(2027, 4, 1)


@pytest.fixture
def side(app):
    # Assa-Zag: the run's committing tests leave statements of Sidi Ifni's March in its files.
    return signed_agreement(app, province="Assa-Zag", jobs=4)


def signed_in(app, user, lang: str = "fr"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def built_file(app, side, client, month: str = "2027-03") -> int:
    path = "/backoffice/payroll/files"
    response = client.post(
        path,
        data={
            "province_id": side.province_id,
            "period": month,
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def upload(client, file_id: int, text: str, name: str = "retour.csv"):
    import io

    page = f"/backoffice/payroll/files/{file_id}"
    return client.post(
        f"{page}/returns",
        data={
            "file": (io.BytesIO(text.encode("utf-8")), name),
            "csrf_token": csrf_token(client, page),
        },
        content_type="multipart/form-data",
    )


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def lines_of(app, statement_id: int) -> list[StatementLine]:
    with app.app_context():
        lines = db.session.get(MonthlyStatement, statement_id).lines
        for line in lines:
            db.session.expunge(line)
        return lines


def state(app) -> dict:
    """What an import may change: lines' outcomes, statements, ledger, notifications."""
    with app.app_context():
        return {
            "lines": db.session.execute(
                select(
                    StatementLine.id, StatementLine.outcome, StatementLine.reconciled_at
                ).order_by(StatementLine.id)
            ).all(),
            "statements": db.session.execute(
                select(MonthlyStatement.id, MonthlyStatement.status).order_by(MonthlyStatement.id)
            ).all(),
            "ledger": db.session.scalar(select(func.count()).select_from(LedgerEntry)),
            "notifications": db.session.scalar(select(func.count()).select_from(Notification)),
            "returns": db.session.scalars(
                select(PayrollFile.returns).order_by(PayrollFile.id)
            ).all(),
        }


HEADER = "line_reference,outcome,amount_paid,reject_code,reject_reason\n"


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_applied(app, side, html_pages):
    cnss = new_cnss_number()
    statement_id = enrolled_statement(app, side, [{}, {"cnss_number": cnss}, {}])
    client = signed_in(app, side.staff)
    file_id = built_file(app, side, client)
    first, second, third = lines_of(app, statement_id)
    before = state(app)
    response = upload(
        client,
        file_id,
        HEADER
        + f"L{first.id},paid,{first.wage_due},,\n"
        + "L999999,paid,10.00,,\n"  # row 3: no such line
        + f"L{second.id},peut-être,,,\n"  # row 4: no outcome
        + f"L{third.id},paid,,,\n"  # row 5: paid without an amount
        + f"L{first.id},paid,{first.wage_due},,\n"  # row 6: the same line again
        + f"{cnss},rejected,,,\n"  # row 7: by CNSS number, rejected without a code
        + f"L{third.id},paid,99999.00,,\n",  # row 8: more than the line pays
    )
    html_pages.save("payroll-returns-errors-fr", response.get_data(as_text=True))
    page = text(response)
    assert response.status_code == 400
    assert "6 erreurs ont été trouvées. Rien n'a été enregistré." in page
    for row, column, message in (
        (3, "line_reference", "Aucune ligne de ce fichier n'a la référence L999999."),
        (4, "outcome", "Écrivez paid (versé) ou rejected (rejeté)."),
        (5, "amount_paid", "Le montant payé est obligatoire si la ligne est payée."),
        (6, "line_reference", "Cette ligne a déjà une réponse à la ligne 2."),
        (7, "reject_code", "Le code de rejet est obligatoire si la ligne est rejetée."),
        (8, "amount_paid", "Plus que ce que la ligne paie"),
    ):
        assert (
            f'<td><bdi dir="ltr">{row}</bdi></td><td><code dir="ltr">{column}</code></td><td>{message}'
            in page
        ), (row, message)
    assert state(app) == before
    # In Arabic, the same errors in Arabic.
    arabic = signed_in(app, side.staff, "ar")
    response = upload(arabic, file_id, HEADER + "L999999,paid,10.00,,\n")
    assert response.status_code == 400
    assert "لا يوجد في هذا الملف سطر مرجعه L999999." in response.get_data(as_text=True)
    html_pages.save("payroll-returns-errors-ar", response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "Le fichier est vide."),
        ("%PDF-1.7 ...", "Ce n'est pas un fichier CSV."),
        ("ref,outcome\nL1,paid\n", "Des colonnes manquent"),
        (HEADER, "Aucune ligne n'a été trouvée dans le fichier."),
    ],
)
def test_what_is_not_a_returns_csv_is_refused(app, side, data, message):
    enrolled_statement(app, side, [{}])
    client = signed_in(app, side.staff)
    file_id = built_file(app, side, client)
    response = upload(client, file_id, data)
    assert response.status_code == 400
    assert message in text(response)


def test_returns_reconcile_each_line_once_and_tell_the_partner(app, side, html_pages):
    cnss, cin = new_cnss_number(), new_cin()
    statement_id = enrolled_statement(app, side, [{}, {"cnss_number": cnss}, {"cin": cin}])
    client = signed_in(app, side.staff)
    file_id = built_file(app, side, client)
    template = client.get(f"/backoffice/payroll/files/{file_id}/returns-template.csv")
    assert template.status_code == 200
    rows = template.get_data(as_text=True).splitlines()
    first, second, third = lines_of(app, statement_id)
    assert rows == [HEADER.strip()] + [
        f"L{line.id},,{line.wage_due},," for line in (first, second, third)
    ]
    returns = (
        "line_reference;outcome;amount_paid;reject_code;reject_reason\n"  # ; separated
        f"L{first.id};paid;{first.wage_due};;\n"
        f"{cnss};Versé;{second.wage_due};;\n"  # by CNSS number, the French label
        f"{cin.lower()};rejected;;R12;=CIN inconnue\n"  # by CIN
    )
    response = upload(client, file_id, returns)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    after = state(app)
    first, second, third = lines_of(app, statement_id)
    assert (first.outcome, first.amount_paid) == (LineOutcome.PAID, first.wage_due)
    assert second.outcome == LineOutcome.PAID and second.reconciled_at is not None
    assert (third.outcome, third.reject_code, third.reject_reason) == (
        "rejected",
        "R12",
        "=CIN inconnue",
    )
    assert third.amount_paid is None
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement_id).status == StatementStatus.PAID
        paid = db.session.scalars(
            select(LedgerEntry.source)
            .filter_by(kind=LedgerKind.WAGE_PAID, application_id=side.application_id)
            .order_by(LedgerEntry.id)
        ).all()
        assert paid == [f"line:{first.id}", f"line:{second.id}"]
        told = db.session.scalars(
            select(Notification.user_id)
            .filter_by(event="payroll_lines_rejected")
            .where(Notification.user_id.in_([side.owner.id, side.editor.id, side.staff.id]))
        ).all()
        assert sorted(told) == sorted([side.owner.id, side.editor.id])
    page = client.get(f"/backoffice/payroll/files/{file_id}").get_data(as_text=True)
    html_pages.save("payroll-file-reconciled-fr", page)
    assert "2 lignes payées" in page and "1 ligne rejetée" in page and "R12" in page
    # The same returns again: nothing changes.
    again = upload(client, file_id, returns)
    assert again.status_code == 302
    assert state(app) == after
    # A line answered otherwise afterwards is an error, not a change.
    other = upload(client, file_id, HEADER + f"L{third.id},paid,{third.wage_due},,\n")
    assert other.status_code == 400
    assert "La ligne a déjà reçu une autre réponse (Rejetée)." in text(other)
    assert state(app) == after


def test_a_statement_whose_lines_are_all_rejected_is_rejected(app, side):
    statement_id = enrolled_statement(app, side, [{}], period=APRIL)
    client = signed_in(app, side.staff)
    file_id = built_file(app, side, client, "2027-04")
    (line,) = lines_of(app, statement_id)
    assert upload(client, file_id, HEADER + f"L{line.id},rejected,,X1,\n").status_code == 302
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement_id).status == StatementStatus.REJECTED
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .filter_by(kind=LedgerKind.WAGE_PAID, application_id=side.application_id)
            )
            == 0
        )


def test_a_corrected_rejected_line_is_sent_again_in_the_next_file(app, side, html_pages):
    statement_id = enrolled_statement(app, side, [{}, {}])
    staff = signed_in(app, side.staff)
    march = built_file(app, side, staff)
    first, second = lines_of(app, statement_id)
    returns = HEADER + f"L{first.id},paid,{first.wage_due},,\nL{second.id},rejected,,R12,\n"
    assert upload(staff, march, returns).status_code == 302
    # Nothing to send again yet: the partner has not corrected the line.
    refused = staff.post(
        "/backoffice/payroll/files",
        data={
            "province_id": side.province_id,
            "period": "2027-03",
            "csrf_token": csrf_token(staff, "/backoffice/payroll/files"),
        },
    )
    assert refused.status_code == 400
    # The partner reads the rejection on the statement's page and corrects the worker.
    partner = signed_in(app, side.editor)
    page = partner.get(f"/statements/{statement_id}")
    assert "R12" in text(page) and "Corriger et envoyer à nouveau" in text(page)
    html_pages.save("payroll-statement-rejected-line-fr", page.get_data(as_text=True))
    correct = f"/statements/{statement_id}/lines/{second.id}/correct"
    wrong = partner.post(
        correct,
        data={
            "cnss_number": "12",
            "last_name_fr": "Alaoui",
            "first_name_fr": "Saïd",
            "csrf_token": csrf_token(partner, f"/statements/{statement_id}"),
        },
    )
    assert wrong.status_code == 400 and "9 chiffres" in text(wrong)
    stranger = signed_in(app, signed_agreement(app, jobs=1).editor)
    fields = {
        "cnss_number": new_cnss_number(),
        "last_name_fr": "Alaoui",
        "first_name_fr": "Said",
    }
    token = csrf_token(stranger, "/")
    assert stranger.post(correct, data={**fields, "csrf_token": token}).status_code == 404
    token = csrf_token(partner, f"/statements/{statement_id}")
    done = partner.post(correct, data={**fields, "csrf_token": token})
    assert done.status_code == 302
    assert "envoie à nouveau" in text(partner.get(f"/statements/{statement_id}"))
    token = csrf_token(partner, f"/statements/{statement_id}")
    twice = partner.post(correct, data={**fields, "csrf_token": token})
    assert twice.status_code == 403  # nothing left to correct on the statement
    # April's file holds April's line and March's corrected one, with its month.
    april_id = enrolled_statement(app, side, [{}], period=APRIL)
    april = built_file(app, side, staff, "2027-04")
    (third,) = lines_of(app, april_id)
    template = staff.get(f"/backoffice/payroll/files/{april}/returns-template.csv")
    assert [row.split(",")[0] for row in template.get_data(as_text=True).splitlines()[1:]] == [
        f"L{second.id}",
        f"L{third.id}",
    ]
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement_id).status == StatementStatus.SENT
        line = db.session.get(StatementLine, second.id)
        assert (line.outcome, line.payroll_file_id, line.corrected_at) == (None, april, None)
        assert line.contract.person.cnss_number == fields["cnss_number"]
    march_page = text(staff.get(f"/backoffice/payroll/files/{march}"))
    assert "1 ligne rejetée" in march_page and "PAY-" in march_page.split("R12", 1)[1]
    # March's returns imported again change nothing; April's pay the corrected line.
    before = state(app)
    assert upload(staff, march, returns).status_code == 302
    assert state(app) == before
    paid = HEADER + f"L{second.id},paid,{second.wage_due},,\nL{third.id},paid,{third.wage_due},,\n"
    assert upload(staff, april, paid).status_code == 302
    with app.app_context():
        assert db.session.get(MonthlyStatement, statement_id).status == StatementStatus.PAID
        assert db.session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .filter_by(kind=LedgerKind.WAGE_PAID, source=f"line:{second.id}")
        )


def test_late_returns_alert_the_secretariat_once(app, side):
    from datetime import timedelta

    from portal.payroll import files

    statement_id = enrolled_statement(app, side, [{}])
    staff = signed_in(app, side.staff)
    file_id = built_file(app, side, staff)
    with app.app_context():
        assert files.alert_late_returns() == 0  # built today
        payroll_file = db.session.get(PayrollFile, file_id)
        payroll_file.built_at -= timedelta(days=app.config["PAYROLL_RETURNS_ALERT_DAYS"])
        db.session.commit()
        assert files.alert_late_returns() == 1
        assert files.alert_late_returns() == 0  # once
        told = db.session.scalars(
            select(Notification).filter_by(event="payroll_returns_late")
        ).all()
        # The province's secretariat, ours and any other this run made (no one else).
        assert side.staff.id in {n.user_id for n in told}
        assert {n.user_id for n in told} <= {u.id for u in files.secretariat_of(side.province_id)}
        assert "PAY-" in told[0].subject
        db.session.commit()
    (line,) = lines_of(app, statement_id)
    upload(staff, file_id, HEADER + f"L{line.id},paid,{line.wage_due},,\n")
    with app.app_context():
        assert db.session.get(PayrollFile, file_id).returns_alert_at is None

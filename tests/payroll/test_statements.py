"""The monthly statements' services: pre-filled from the contracts (pro rata first and last
months, a contract ended mid-month), each P- rule refusing a fill with its message, the second
person who certifies, the secretariat's return and acceptance, the due dates' notices."""

import threading
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.agreements.models import Agreement
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.payroll import grants, rules, statements
from portal.payroll.models import MonthlyStatement, StatementLine, StatementStatus
from tests.support.accounts import add_member, create_staff, create_user
from tests.support.services import SERVER_DATABASE_URL
from tests.support.statements import (
    NOVEMBER,
    OCTOBER,
    SEPTEMBER,
    TODAY,
    on_today,
    statement_in,
    workforce,
)

SMIG_2026 = Decimal("3266.10")


@pytest.fixture
def side(app):
    return workforce(app)


def users(side):
    return (
        db.session.get(User, side.editor.id),
        db.session.get(User, side.owner.id),
        db.session.get(User, side.staff.id),
    )


def opened(app, side, period):
    editor, _owner, _staff = users(side)
    return statements.open_statement(
        db.session.get(Agreement, side.agreement_id), period, by=editor
    )


def lines_by_key(side, statement) -> dict:
    keys = {contract_id: key for key, contract_id in side.contracts.items()}
    return {keys[line.contract_id]: line for line in statement.lines}


def test_lines_are_prefilled_from_the_contracts_pro_rata(app, side):
    with app.app_context():
        september = lines_by_key(side, opened(app, side, date(2026, 9, 20)))
        october = opened(app, side, OCTOBER)
        lines = lines_by_key(side, october)
        assert october.period == OCTOBER and october.status == StatementStatus.DRAFT
        assert october.due_on == date(2026, 11, 10)  # [payroll] statement_due_day = 10
        # 16 September to the 30th: 15 of 30 days, 13 that month; then whole months
        assert (september["late"].max_days, september["late"].days_worked) == (13, 13)
        assert september["full"].max_days == september["leaver"].max_days == 26
        # the leaver's last month: 20 of 31 days, 17; declared as having left
        assert (lines["leaver"].max_days, lines["leaver"].situation) == (17, "SO")
        assert lines["full"].situation == lines["late"].situation == ""
        for line in lines.values():
            assert line.wage_floor == SMIG_2026
            assert line.wage_due == rules.wage_due(line.monthly_wage, line.max_days, SMIG_2026)
        assert lines["leaver"].wage_due == Decimal("2135.53")  # 3,266.10 × 17 / 26
        # November: the leaver is gone, the others work the whole month
        november = lines_by_key(side, opened(app, side, NOVEMBER))
        assert set(november) == {"full", "late"}
        assert db.session.scalar(
            select(func.count(AuditEvent.id)).filter_by(
                action="statement.opened", object_id=october.id
            )
        )


def test_one_statement_per_application_and_month(app, side):
    with app.app_context():
        first = opened(app, side, OCTOBER)
        again = opened(app, side, date(2026, 10, 31))
        assert again.id == first.id
        assert (
            db.session.scalar(
                select(func.count(MonthlyStatement.id)).filter_by(
                    application_id=side.application_id
                )
            )
            == 1
        )


def test_no_statement_for_a_month_to_come_or_without_contracts(app, side, monkeypatch):
    on_today(monkeypatch)
    with app.app_context():
        for period, reason in ((date(2027, 1, 1), "future"), (date(2026, 5, 1), "no_contracts")):
            with pytest.raises(statements.StatementRefused) as refused:
                opened(app, side, period)
            assert refused.value.reason == reason
        agreement = db.session.get(Agreement, side.agreement_id)
        periods = statements.openable_periods(agreement, today=TODAY)
        assert periods == [date(2026, m, 1) for m in (12, 11, 10, 9, 8, 7, 6)]


def test_the_farm_floor_is_the_smag_times_26(app, side):
    with app.app_context():
        statement = opened(app, side, OCTOBER)
        statement.application.details = {**statement.application.details, "sector": "agriculture"}
        assert statements.is_farm(statement.application)
        assert rules.wage_floor(OCTOBER, farm=True) == Decimal("2418.00")


@pytest.mark.parametrize(
    ("key", "days", "situation", "field", "ar", "fr"),
    [
        ("full", 27, "", "days_worked", "26 يوما", "26 jours"),  # P-DAYS-MAX
        ("full", -1, "IL", "days_worked", "26 يوما", "26 jours"),  # P-DAYS-MAX
        ("leaver", 18, "SO", "days_worked", "17", "mois-ci\u00a0: 17"),  # P-DAYS-IN-CONTRACT
        ("full", 20, "", "situation", "26", "choisissez pourquoi"),  # P-SITUATION: short
        ("full", 20, "SO", "situation", "أنهوا العقد", "terminez d’abord le contrat"),  # left?
        ("full", 20, "XX", "situation", "القائمة", "la liste"),  # not a code
    ],
)
def test_each_rule_refuses_the_whole_fill_with_its_message(
    app, side, key, days, situation, field, ar, fr
):
    with app.app_context():
        statement = opened(app, side, OCTOBER)
        lines = lines_by_key(side, statement)
        other = lines["late"]
        data = {
            other.id: {"days_worked": 20, "situation": "IL"},  # valid, yet not saved
            lines[key].id: {"days_worked": days, "situation": situation},
        }
        with pytest.raises(statements.LineErrors) as refused:
            statements.fill(statement, data, by=users(side)[0])
        errors = refused.value.errors
        assert list(errors) == [lines[key].id] and list(errors[lines[key].id]) == [field]
        (message,) = errors[lines[key].id][field]
        for lang, said in (("ar", ar), ("fr", fr)):
            with force_locale(lang):
                assert said in str(message), (lang, str(message))
        db.session.refresh(other)
        assert (other.days_worked, other.situation) == (26, "")


def test_a_fill_sets_days_situation_and_wage_due(app, side):
    with app.app_context():
        statement = opened(app, side, OCTOBER)
        line = lines_by_key(side, statement)["full"]
        changed = statements.fill(
            statement, {line.id: {"days_worked": 13, "situation": "IL"}}, by=users(side)[0]
        )
        assert changed == 1
        assert (line.days_worked, line.situation, line.wage_due) == (13, "IL", Decimal("1633.05"))
        assert statements.totals_of(statement).days == 13 + 26 + 17


def test_the_editor_submits_and_a_second_person_certifies(app, side):
    another = create_user(app)  # a second editor, not the owner
    add_member(app, SimpleNamespace(id=side.organisation_id), another)
    with app.app_context():
        editor, owner, staff = users(side)
        statement = opened(app, side, OCTOBER)
        with pytest.raises(statements.StatementRefused) as refused:
            statements.submit(statement, by=owner)  # the owner certifies, an editor submits
        assert refused.value.reason == "not_editor"
        statements.submit(statement, by=editor)
        assert statement.status == StatementStatus.SUBMITTED
        assert not statements.statement_policy(editor, "fill", statement)
        with pytest.raises(statements.StatementRefused):
            statements.fill(statement, {}, by=editor)
        with pytest.raises(statements.StatementRefused) as refused:
            statements.certify(statement, by=editor)
        assert refused.value.reason == "same_person"
        # ownership handed to the editor who submitted: still not the second person
        assert not statements.statement_policy(editor, "certify", statement)
        with pytest.raises(statements.StatementRefused) as refused:
            statements.certify(statement, by=db.session.get(User, another.id))
        assert refused.value.reason == "not_owner"
        assert statements.statement_policy(owner, "certify", statement)
        statements.certify(statement, by=owner)
        assert statement.status == StatementStatus.CERTIFIED
        assert statement.certified_by_id == owner.id != statement.submitted_by_id
        assert statements.statement_policy(staff, "accept", statement)


def test_the_submitter_made_owner_still_cannot_certify(app, side):
    with app.app_context():
        editor, _owner, _staff = users(side)
        statement = opened(app, side, OCTOBER)
        statements.submit(statement, by=editor)
        for member in statement.application.organisation.memberships:
            member.role = "owner" if member.user_id == editor.id else "editor"
        db.session.flush()
        assert not statements.statement_policy(editor, "certify", statement)
        with pytest.raises(statements.StatementRefused) as refused:
            statements.certify(statement, by=editor)
        assert refused.value.reason == "same_person"


def test_returned_then_corrected_submitted_certified_and_accepted(app, side, monkeypatch):
    calls = []
    monkeypatch.setattr(grants, "on_accepted", calls.append)
    statement_id = statement_in(app, side, OCTOBER, "certified")
    with app.app_context():
        editor, owner, staff = users(side)
        statement = db.session.get(MonthlyStatement, statement_id)
        line = lines_by_key(side, statement)["late"]
        with pytest.raises(statements.StatementRefused) as refused:
            statements.return_(statement, {line.id: "  "}, " ", by=staff)
        assert refused.value.reason == "no_reason"
        elsewhere = create_staff(app, "secretariat", provinces=("Tan-Tan",))
        assert not statements.statement_policy(
            db.session.get(User, elsewhere.id), "return", statement
        )
        statements.return_(statement, {line.id: "غاب 3 أيام"}, by=staff)
        assert statement.status == StatementStatus.RETURNED
        assert line.return_reason == "غاب 3 أيام"
        assert statements.statement_policy(editor, "fill", statement)
        returned = db.session.scalars(
            select(Notification).filter_by(event="statement_returned")
        ).all()
        assert {n.user_id for n in returned} >= {editor.id, owner.id}
        assert any("غاب 3 أيام" in n.body_text for n in returned)
        statements.fill(statement, {line.id: {"days_worked": 23, "situation": "CS"}}, by=editor)
        statements.submit(statement, by=editor)
        statements.certify(statement, by=owner)
        statements.accept(statement, by=staff)
        assert statement.status == StatementStatus.ACCEPTED and calls == [statement]
        assert db.session.scalar(
            select(func.count(Notification.id)).filter_by(
                event="statement_accepted", user_id=owner.id
            )
        )
        actions = db.session.scalars(
            select(AuditEvent.action)
            .filter_by(object_type="monthlystatement", object_id=statement.id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions[-5:] == [
            "statement.returned",
            "statement.filled",
            "statement.submitted",
            "statement.certified",
            "statement.accepted",
        ]
        with pytest.raises(statements.StatementRefused):
            statements.accept(statement, by=staff)


def test_the_reminder_and_the_overdue_notice_go_once_each(app, side):
    statement_id = statement_in(app, side, NOVEMBER)
    with app.app_context():
        editor = users(side)[0]
        statement = db.session.get(MonthlyStatement, statement_id)
        assert statement.due_on == date(2026, 12, 10)

        def sent(event):
            return db.session.scalar(
                select(func.count(Notification.id)).filter_by(event=event, user_id=editor.id)
            )

        assert statements.send_due_notices(date(2026, 12, 6))["reminded"] == 0  # 4 days before
        for _ in range(2):
            statements.send_due_notices(date(2026, 12, 7))  # 3 days before
        assert sent("statement_reminder") == 1
        statements.send_due_notices(date(2026, 12, 10))  # the due day: not yet overdue
        assert sent("statement_overdue") == 0
        for _ in range(2):
            statements.send_due_notices(date(2026, 12, 11))
        assert sent("statement_overdue") == 1 and sent("statement_reminder") == 1
        db.session.refresh(statement)
        assert statement.reminder_sent_at and statement.overdue_sent_at


def test_the_monthly_task_opens_last_months_statements_once(app, side):
    with app.app_context():
        first = statements.send_due_notices(date(2026, 11, 1))
        again = statements.send_due_notices(date(2026, 11, 2))
        statement = statements.find(side.application_id, OCTOBER)
        assert statement is not None and len(statement.lines) == 3
        assert first["opened"] >= 1 and again["opened"] == 0


def test_a_closed_agreement_opens_no_statement_not_even_by_the_monthly_task(app, side):
    from portal.access import can
    from portal.applications.models import Application

    with app.app_context():
        editor, _owner, _staff = users(side)
        agreement = db.session.get(Agreement, side.agreement_id)
        assert can(editor, "open_statement", agreement)
        db.session.get(Application, side.application_id).status = "closed"
        db.session.flush()
        assert not can(editor, "open_statement", agreement)
        with pytest.raises(statements.StatementRefused) as refused:
            opened(app, side, OCTOBER)
        assert refused.value.reason == "closed"
        statements.send_due_notices(date(2026, 11, 1))  # October held by its contracts
        assert statements.find(side.application_id, OCTOBER) is None


@pytest.mark.integration
def test_two_openings_of_the_same_month_at_once_make_one_statement(app):
    """Two connections open the same month together: one statement, both get it."""
    if not SERVER_DATABASE_URL.startswith("postgresql"):
        pytest.skip("two connections at once need PostgreSQL")
    side = workforce(app)
    ids, errors, barrier = [], [], threading.Barrier(2)

    def open_one():
        try:
            with app.app_context():
                agreement = db.session.get(Agreement, side.agreement_id)
                editor = db.session.get(User, side.editor.id)
                barrier.wait()
                statement = statements.open_statement(agreement, SEPTEMBER, by=editor)
                ids.append(statement.id)
                db.session.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        rows = db.session.scalars(
            select(MonthlyStatement).filter_by(application_id=side.application_id)
        ).all()
        assert len(rows) == 1 and set(ids) == {rows[0].id}
        assert (
            db.session.scalar(
                select(func.count(StatementLine.id)).filter_by(statement_id=rows[0].id)
            )
            == 3
        )
        assert rows[0].due_on == date(2026, 10, 10)


def test_a_statement_with_nothing_to_pay_is_closed_at_acceptance(app, side):
    statement_id = statement_in(app, side, OCTOBER, "certified")
    with app.app_context():
        _editor, _owner, staff = users(side)
        statement = db.session.get(MonthlyStatement, statement_id)
        for line in statement.lines:  # every worker away all month: no wage due
            line.days_worked, line.situation, line.wage_due = 0, "IL", Decimal("0.00")
        statements.accept(statement, by=staff)
        assert statement.status == StatementStatus.CLOSED

"""The monthly statements: the partner fills, submits and certifies; the secretariat accepts or
returns."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import authorize, can, login_required, staff_required
from portal.agreements.models import Agreement
from portal.agreements.services import current_agreement
from portal.applications import pages
from portal.applications.models import Status
from portal.core.scope import MANAGERS
from portal.extensions import db
from portal.forms import ActionForm
from portal.geo.models import Province
from portal.payroll import bp, staff_bp, statements
from portal.payroll.forms import CorrectLineForm, FillForm, OpenStatementForm, ReturnForm
from portal.payroll.models import (
    EDITABLE,
    LineOutcome,
    MonthlyStatement,
    ReviewReason,
    Situation,
    StatementStatus,
)
from portal.payroll.rules import period_of
from portal.timeutil import local_date


@bp.app_template_global()
def statement_status_label(status: str) -> str:
    return StatementStatus.label_of(status)


@bp.app_template_global()
def situation_label(code: str) -> str:
    return Situation.label_of(code)


@bp.app_template_global()
def review_reason_label(reason: str) -> str:
    return ReviewReason.label_of(reason)


@bp.app_template_global()
def review_visited_on(statement: MonthlyStatement) -> date | None:
    """The day of the visit that flagged the statement, from the flag's detail."""
    try:
        return date.fromisoformat((statement.review_detail or {}).get("visited_on", ""))
    except (TypeError, ValueError):
        return None


@bp.app_template_filter("month")
def month_label(period) -> str:
    """A statement's month as people name it: "ديسمبر 2026", "décembre 2026"."""
    return format_date(period, "MMMM y")


def _agreement(agreement_id: int, action: str) -> Agreement:
    return authorize(action, db.session.get(Agreement, agreement_id))


def _statement(statement_id: int, action: str = "view") -> MonthlyStatement:
    return authorize(action, statements.with_lines(statement_id))


def open_form(agreement: Agreement) -> tuple[OpenStatementForm, list]:
    periods = statements.openable_periods(agreement)
    form = OpenStatementForm()
    form.set_periods(periods, month_label)
    return form, periods


# The partner's pages


@bp.get("/agreements/<int:agreement_id>/statements")
@login_required
def statements_list(agreement_id: int):
    agreement = _agreement(agreement_id, "statements")
    history = statements.statements_of(agreement.application_id)
    this_month = period_of(local_date())
    may_open = can(current_user, "open_statement", agreement)
    form, periods = open_form(agreement) if may_open else (None, [])
    return render_template(
        "payroll/statements.html",
        agreement=agreement,
        application=agreement.application,
        history=history,
        totals={s.id: statements.totals_of(s) for s in history},
        current=next((s for s in history if s.period == this_month), None),
        this_month=this_month,
        may_open=may_open,
        open_form=form,
        periods=periods,
    )


@bp.post("/agreements/<int:agreement_id>/statements")
@login_required
def open_statement(agreement_id: int):
    agreement = _agreement(agreement_id, "open_statement")
    form, periods = open_form(agreement)
    if not form.validate_on_submit():
        flash(_("Choose a month that has no statement yet."), "error")
        return redirect(url_for("payroll.statements_list", agreement_id=agreement.id))
    period = next(p for p in periods if f"{p:%Y-%m}" == form.period.data)
    try:
        statement = statements.open_statement(agreement, period, by=current_user)
    except statements.StatementRefused as refusal:
        flash(statements.refusal_message(refusal.reason), "error")
        return redirect(url_for("payroll.statements_list", agreement_id=agreement.id))
    flash(_("The statement is open, pre-filled from the contracts. Check each line."), "success")
    return redirect(url_for("payroll.statement", statement_id=statement.id))


def _fill_form(statement: MonthlyStatement) -> FillForm:
    if request.method == "POST":
        return FillForm()
    return FillForm(
        data={
            "lines": [
                {"days_worked": line.days_worked, "situation": line.situation}
                for line in statement.lines
            ]
        }
    )


def _correct_forms(statement: MonthlyStatement, posted: tuple | None = None) -> dict:
    """A form per rejected line still to correct, filled with the worker's details; the one
    posted (line id, form) as it was sent."""
    if not can(current_user, "correct", statement):
        return {}
    forms = {
        line.id: CorrectLineForm(obj=line.contract.person, formdata=None)
        for line in statements.to_correct(statement)
    }
    if posted is not None and posted[0] in forms:
        forms[posted[0]] = posted[1]
    return forms


def _statement_page(statement: MonthlyStatement, form=None, status: int = 200, correcting=None):
    may_fill = can(current_user, "fill", statement)
    return render_template(
        "payroll/statement.html",
        statement=statement,
        application=statement.application,
        totals=statements.totals_of(statement),
        form=form or (_fill_form(statement) if may_fill else None),
        action_form=ActionForm(),
        may_fill=may_fill,
        may_submit=can(current_user, "submit", statement),
        may_certify=can(current_user, "certify", statement),
        is_owner=can(current_user, "manage", statement.application.organisation),
        returned=statement.status == StatementStatus.RETURNED,
        rejected=[line for line in statement.lines if line.outcome == LineOutcome.REJECTED],
        correct_forms=_correct_forms(statement, correcting),
    ), status


@bp.route("/statements/<int:statement_id>", methods=["GET", "POST"])
@login_required
def statement(statement_id: int):
    statement = _statement(statement_id, "fill" if request.method == "POST" else "view")
    if request.method == "GET":
        return _statement_page(statement)
    form = _fill_form(statement)
    if len(form.lines) != len(statement.lines):
        abort(400)
    if not form.validate_on_submit():
        _line_errors(statement, form)
        return _statement_page(statement, form, 400)
    data = {
        line.id: {"days_worked": row.form.days_worked.data, "situation": row.form.situation.data}
        for line, row in zip(statement.lines, form.lines, strict=True)
    }
    try:
        statements.fill(statement, data, by=current_user)
    except statements.LineErrors:
        _line_errors(statement, form)
        return _statement_page(statement, form, 400)
    flash(_("The statement is saved."), "success")
    return redirect(url_for("payroll.statement", statement_id=statement.id))


def _line_errors(statement: MonthlyStatement, form: FillForm) -> None:
    """The rules each line breaks, on its fields, beside what the form itself refused: every
    error of the statement shows at once."""
    for line, row in zip(statement.lines, form.lines, strict=True):
        if row.form.errors:
            continue
        problems = statements.check_line(line, row.form.days_worked.data, row.form.situation.data)
        for name, messages in problems.items():
            row.form[name].errors = [str(m) for m in messages]
    form.lines.errors = [row.errors for row in form.lines]  # the summary lists them


def _transition(statement_id: int, action: str, change, done: str):
    statement = _statement(statement_id, action)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change(statement, by=current_user)
    except statements.StatementRefused as refusal:
        flash(statements.refusal_message(refusal.reason), "error")
    else:
        flash(done, "success")
    return redirect(url_for("payroll.statement", statement_id=statement.id))


@bp.post("/statements/<int:statement_id>/lines/<int:line_id>/correct")
@login_required
def correct_line(statement_id: int, line_id: int):
    statement = _statement(statement_id, "correct")
    form = CorrectLineForm()
    if not form.validate_on_submit():
        return _statement_page(statement, status=400, correcting=(line_id, form))
    try:
        statements.correct_rejected(statement, line_id, form.details(), by=current_user)
    except statements.StatementRefused as refusal:
        flash(statements.refusal_message(refusal.reason), "error")
        return redirect(url_for("payroll.statement", statement_id=statement.id))
    flash(_("The line is corrected: the province's next payroll file sends it again."), "success")
    return redirect(url_for("payroll.statement", statement_id=statement.id))


@bp.post("/statements/<int:statement_id>/submit")
@login_required
def submit(statement_id: int):
    return _transition(
        statement_id,
        "submit",
        statements.submit,
        _("The statement is submitted. The owner of the organisation certifies it next."),
    )


@bp.post("/statements/<int:statement_id>/certify")
@login_required
def certify(statement_id: int):
    return _transition(
        statement_id,
        "certify",
        statements.certify,
        _("The statement is certified and sent to the secretariat."),
    )


# The application's page: a link to the statements once the agreement is signed.

WITH_AGREEMENT = {Status.AGREEMENT_SIGNED, Status.AGREEMENT_REVOKED, Status.CLOSED}


@pages.APPLICANT.part
@pages.STAFF.part
def statements_part(application) -> dict:
    if application.status not in WITH_AGREEMENT:  # no query for the pages before it
        return {"statements_link": None}
    agreement = current_agreement(application)
    if agreement is None or not can(current_user, "statements", agreement):
        return {"statements_link": None}
    return {
        "statements_link": {
            "agreement_id": agreement.id,
            "waiting": db.session.scalar(
                select(db.func.count(MonthlyStatement.id)).where(
                    MonthlyStatement.application_id == application.id,
                    MonthlyStatement.status.in_(EDITABLE),
                )
            ),
        }
    }


# The secretariat's pages


@staff_bp.get("/statements")
@staff_required(*MANAGERS)
def statements_to_accept():
    provinces = [
        p
        for p in db.session.scalars(select(Province).order_by(Province.id))
        if current_user.has_role("admin") or p.id in current_user.province_ids
    ]
    chosen = request.args.get("province", type=int)
    chosen = chosen if any(p.id == chosen for p in provinces) else None
    waiting = statements.to_accept(current_user, chosen)
    return render_template(
        "payroll/staff_statements.html",
        provinces=provinces,
        chosen=chosen,
        waiting=waiting,
        totals={s.id: statements.totals_of(s) for s in waiting},
    )


def _staff_page(statement: MonthlyStatement, return_form=None, status: int = 200):
    return render_template(
        "payroll/staff_statement.html",
        statement=statement,
        application=statement.application,
        totals=statements.totals_of(statement),
        action_form=ActionForm(),
        return_form=return_form
        or ReturnForm(data={"lines": [{"reason": ""} for _line in statement.lines]}),
        may_decide=can(current_user, "accept", statement),
    ), status


@staff_bp.get("/statements/<int:statement_id>")
@staff_required()
def staff_statement(statement_id: int):
    return _staff_page(_statement(statement_id))


@staff_bp.post("/statements/<int:statement_id>/accept")
@staff_required(*MANAGERS)
def accept(statement_id: int):
    statement = _statement(statement_id, "accept")
    if not ActionForm().validate_on_submit():
        abort(400)
    statements.accept(statement, by=current_user)
    flash(_("The statement is accepted. The organisation is told."), "success")
    return redirect(url_for("payroll_staff.statements_to_accept"))


@staff_bp.post("/statements/<int:statement_id>/return")
@staff_required(*MANAGERS)
def return_statement(statement_id: int):
    statement = _statement(statement_id, "return")
    form = ReturnForm()
    if len(form.lines) != len(statement.lines):
        abort(400)
    if not form.validate_on_submit():
        return _staff_page(statement, form, 400)
    reasons = {
        line.id: row.form.reason.data or ""
        for line, row in zip(statement.lines, form.lines, strict=True)
    }
    try:
        statements.return_(statement, reasons, form.note.data or "", by=current_user)
    except statements.StatementRefused as refusal:
        form.note.errors = [statements.refusal_message(refusal.reason)]
        return _staff_page(statement, form, 400)
    flash(_("The statement is returned to the organisation with your reasons."), "success")
    return redirect(url_for("payroll_staff.statements_to_accept"))

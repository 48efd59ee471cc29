"""The money of an agreement on its pages, and the staff's ledger: sums per month and per
agreement from the ledger alone, and the months of the hiring grant flagged for review."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import authorize, staff_required
from portal.agreements.services import amount_of, current_agreement
from portal.applications import pages
from portal.applications.models import Status
from portal.core.scope import MANAGERS, sees_province
from portal.extensions import db
from portal.geo.models import Province
from portal.payroll import grants, ledger, staff_bp
from portal.payroll.forms import ReviewDecisionForm
from portal.payroll.models import GrantInstalment, LedgerKind

AFTER_SIGNATURE = {Status.AGREEMENT_SIGNED, Status.AGREEMENT_REVOKED, Status.CLOSED}


@pages.APPLICANT.part
@pages.STAFF.part
def money_part(application) -> dict:
    """Wages and grant due and paid to date against what the agreement commits: one query to
    the ledger, and none before the signature."""
    if application.status not in AFTER_SIGNATURE:
        return {"money": None}
    agreement = current_agreement(application)
    totals = ledger.totals(application_id=application.id)
    committed = agreement and amount_of(agreement.content)
    if application.component == 1:
        spent = totals[LedgerKind.WAGE_PAID]
    else:
        spent = totals[LedgerKind.GRANT_PAID] + totals[LedgerKind.GRANT_RECOVERED]
    return {
        "money": {
            "component": application.component,
            "committed": committed,
            "totals": totals,
            "share": committed and round(float(spent) / committed * 100),
        }
    }


def _month(value: str | None) -> date | None:
    """`?month=YYYY-MM` as the month's first day; None when absent or not a month."""
    try:
        return date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


def _ledger_page(failed: GrantInstalment | None = None, form=None, status: int = 200):
    provinces = [
        p
        for p in db.session.scalars(select(Province).order_by(Province.id))
        if sees_province(current_user, p.id)
    ]
    province_id = request.args.get("province", type=int)
    if province_id not in {p.id for p in provinces}:
        province_id = None
    months = grants.by_month(current_user, province_id)
    period = _month(request.args.get("month")) or (months[0]["period"] if months else None)
    to_review = grants.to_review(current_user)
    forms = {i.id: ReviewDecisionForm(prefix=f"i{i.id}", formdata=None) for i in to_review}
    if failed is not None:
        forms[failed.id] = form
    return render_template(
        "payroll/ledger.html",
        provinces=provinces,
        province_id=province_id,
        months=months,
        period=period,
        agreements=grants.by_agreement(current_user, period, province_id) if period else [],
        kinds=list(LedgerKind),
        to_review=to_review,
        forms=forms,
        may_decide=current_user.has_role(*MANAGERS),
    ), status


@staff_bp.get("/ledger")
@staff_required()
def ledger_page():
    return _ledger_page()


@staff_bp.post("/instalments/<int:instalment_id>/decide")
@staff_required(*MANAGERS)
def decide(instalment_id: int):
    instalment = authorize("decide", db.session.get(GrantInstalment, instalment_id))
    form = ReviewDecisionForm(prefix=f"i{instalment.id}")
    if not form.validate_on_submit():
        return _ledger_page(instalment, form, 400)
    grants.decide(
        instalment, recover=form.decision.data == "recover", note=form.note.data, by=current_user
    )
    flash(_("The decision is recorded."), "success")
    return redirect(url_for("payroll_staff.ledger_page") + "#review", 303)

"""The money's pages: an agreement's payments to date on its page, the staff's ledger scoped to
their provinces, and a month of the grant flagged after an early end, kept or recovered."""

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.beneficiaries.models import Contract
from portal.extensions import db
from portal.payroll import grants, ledger
from portal.payroll.models import GrantInstalment, LineOutcome
from tests.support.accounts import create_staff, csrf_token, login
from tests.support.beneficiaries import enrol, new_cin, signed_agreement
from tests.support.payroll import accepted, early_leaver, shared_when_rolled_back

MARCH, APRIL = date(2027, 3, 1), date(2027, 4, 1)


def signed_in(app, user, lang: str = "fr"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def text(page: str) -> str:
    """The page's text, tags and bidi isolates removed, spaces folded."""
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(re.sub("[\u2066-\u2069]", "", page).replace("\u202f", " ").split())


@pytest.fixture(scope=shared_when_rolled_back)
def worksite(app):
    """A component-1 agreement in Sidi Ifni whose March was accepted (3,517.40 MAD due) and
    paid, and April (1,758.70 due); once for the module."""
    side = signed_agreement(app)
    with app.app_context():
        worker = enrol(side, new_cin(), wage=Decimal("3517.40")).contract
        line = accepted(worker, MARCH)
        line.outcome, line.amount_paid = LineOutcome.PAID, Decimal("3517.40")
        grants.settle(line)
        accepted(worker, APRIL, 13, "IL")  # 1,758.70 due
        db.session.commit()
        side.number = worker.application.number
    return side


def test_the_agreement_page_shows_wages_due_and_paid_against_the_commitment(app, worksite):
    for user in (worksite.owner, worksite.staff):
        page = signed_in(app, user).get(
            f"/applications/{worksite.application_id}"
            if user is worksite.owner
            else f"/backoffice/applications/{worksite.application_id}"
        )
        said = text(page.get_data(as_text=True))
        assert "Salaires dus 5 276,10 MAD" in said
        assert "Salaires versés 3 517,40 MAD" in said


def test_the_ledger_sums_by_month_and_agreement_in_the_staffs_provinces_only(app, worksite):
    page = signed_in(app, worksite.staff).get("/backoffice/payroll/ledger?month=2027-03")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "avril 2027" in text(html) and "Par convention, mars 2027" in text(html)
    (row,) = [r for r in html.split("<tr>") if worksite.number in r]
    assert text(row).count("3 517,40 MAD") == 2  # due and paid
    elsewhere = create_staff(app, "secretariat", provinces=("Tan-Tan",))
    other = signed_in(app, elsewhere).get("/backoffice/payroll/ledger?month=2027-03")
    assert worksite.number not in other.get_data(as_text=True)
    # Another province asked for by hand shows nothing of this one.
    with app.app_context():
        sidi_ifni = worksite.province_id
    forced = signed_in(app, elsewhere).get(f"/backoffice/payroll/ledger?province={sidi_ifni}")
    assert worksite.number not in forced.get_data(as_text=True)


@pytest.fixture(scope=shared_when_rolled_back)
def flagged(app):
    return early_leaver(app)


def decide(client, instalment_id: int, **form):
    path = "/backoffice/payroll/ledger"
    data = {f"i{instalment_id}-{key}": value for key, value in form.items()}
    return client.post(
        f"/backoffice/payroll/instalments/{instalment_id}/decide",
        data=data | {"csrf_token": csrf_token(client, path)},
    )


def test_a_month_flagged_after_an_early_end_is_kept_or_recovered(app, flagged, html_pages):
    assert len(flagged.instalments) == 2
    client = signed_in(app, flagged.staff, "ar")
    page = client.get("/backoffice/payroll/ledger")
    html_pages.save("payroll-ledger", page.get_data(as_text=True))
    assert page.get_data(as_text=True).count('name="i') >= 4  # two forms of two fields
    first, second = flagged.instalments
    # Nothing chosen: the page again, saying why, the reason typed kept.
    wrong = decide(client, first, note="غادر بعد شهرين")
    assert wrong.status_code == 400
    assert "غادر بعد شهرين" in wrong.get_data(as_text=True)
    assert decide(client, first, decision="recover", note="غادر بعد شهرين").status_code == 303
    assert decide(client, second, decision="keep", note="قوة قاهرة").status_code == 303
    assert decide(client, second, decision="recover", note="مرة ثانية").status_code == 403
    with app.app_context():
        statuses = [db.session.get(GrantInstalment, i).status for i in flagged.instalments]
        assert statuses == ["recovered", "paid"]
        totals = ledger.totals(contract_id=flagged.hire)
        assert totals["grant_recovered"] == -flagged.amount
        assert totals["grant_paid"] == 2 * flagged.amount
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("grant.%"))
        ).all()
        assert {"grant.recovered", "grant.kept"} <= set(actions)
        assert db.session.get(Contract, flagged.hire).status == "ended"


def test_staff_of_another_province_neither_see_nor_decide_it(app, flagged):
    elsewhere = create_staff(app, "secretariat", provinces=("Tan-Tan",))
    client = signed_in(app, elsewhere)
    assert f"i{flagged.instalments[0]}-note" not in client.get(
        "/backoffice/payroll/ledger"
    ).get_data(as_text=True)
    assert decide(client, flagged.instalments[0], decision="recover", note="x").status_code == 404
    with app.app_context():
        assert db.session.get(GrantInstalment, flagged.instalments[0]).status == "review"

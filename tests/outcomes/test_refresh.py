"""The refresh counts what the definitions say from the rows the transitions wrote, and
counting again changes nothing. Other tests' agreements may share the database: each test
compares the figures before and after its own data."""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from portal.audit.services import record
from portal.beneficiaries.models import Contract
from portal.extensions import db
from portal.outcomes import services
from portal.outcomes.models import OutcomeFigure
from portal.payroll import ledger
from tests.support.payroll import accepted
from tests.support.statements import NOVEMBER, OCTOBER, TODAY, workforce

MEASURES = ("target", *services.MEASURES, *services.MONEY)


def figures(province_id: int) -> dict:
    """(cut, value) → {measure: value} of a province, as the last refresh left them."""
    rows = db.session.scalars(select(OutcomeFigure).filter_by(province_id=province_id))
    return {(row.cut, row.value): {m: getattr(row, m) or 0 for m in MEASURES} for row in rows}


def grown(before: dict, after: dict) -> dict:
    """What each (cut, value) gained, its unchanged measures left out."""
    changes = defaultdict(dict)
    for key, numbers in after.items():
        for measure, value in numbers.items():
            gained = value - before.get(key, {}).get(measure, 0)
            if gained:
                changes[key][measure] = gained
    return dict(changes)


def test_the_figures_follow_the_definitions(app):
    """Three validated contracts of a signed agreement of 4 jobs (quota 8): two running on
    2 December 2026, one who resigned on 20 October; October and November accepted for the
    first (26 days each), October for the leaver (17 days), 0 days for the late starter."""
    with app.app_context():
        services.refresh(today=TODAY)
        db.session.commit()
    side = workforce(app)
    with app.app_context():
        before = figures(side.province_id)
        contracts = {key: db.session.get(Contract, cid) for key, cid in side.contracts.items()}
        accepted(contracts["full"], OCTOBER)
        accepted(contracts["full"], NOVEMBER)
        accepted(contracts["leaver"], OCTOBER)
        accepted(contracts["late"], OCTOBER, 0, "CS")
        db.session.commit()
        services.refresh(today=TODAY)
        db.session.commit()
        after = grown(before, figures(side.province_id))
        money = ledger.totals(application_id=side.application_id)
        application = db.session.get(Contract, side.contracts["full"]).application
        # the worksite's commune; the partner's where the application names none
        commune_id = str(
            application.details.get("commune_id") or application.organisation.commune_id
        )
    funnel = {
        "target": 8,
        "approved": 4,
        "signed": 4,
        "started": 3,
        "active": 2,
        "created": 2,
        "early_exits": 1,
        "person_days": 26 + 26 + 17,
        "people": 3,
        "wage_due": money["wage_due"],
    }
    assert money["wage_due"] > 0
    assert after[("province", "")] == funnel
    assert after[("component", "1")] == funnel
    assert after[("edition", "awrach1_2022")]["started"] == 3
    assert after[("commune", commune_id)] == {k: v for k, v in funnel.items() if k != "target"}
    assert after[("legal_form", "association")]["created"] == 2
    assert after[("exit_reason", "resigned")] == {"early_exits": 1}
    # born in 1996, started in 2026: 30 in the start year; the default person of the support
    assert after[("age_band", "25-34")] == {"people": 3}
    assert after[("sex", "male")] == {"people": 3}
    assert after[("education", "secondary")] == {"people": 3}
    assert after[("disability", "none")] == {"people": 3}
    assert sum(after.get(("area", a), {}).get("people", 0) for a in ("rural", "urban")) == 3


def test_a_day_later_the_running_contracts_are_still_active_and_none_completed(app):
    side = workforce(app)
    with app.app_context():
        services.refresh(today=TODAY)
        before = figures(side.province_id)
        services.refresh(today=TODAY.replace(year=2027, month=2, day=28))
        after = grown(before, figures(side.province_id))
    # 28 February 2027: the first contract ended on 31 December (completed), the late one runs
    # (its last day); contracts other tests committed from 1 March are not running yet
    assert after[("province", "")]["completed"] >= 1
    assert after[("province", "")]["active"] <= -1


def test_counting_again_changes_nothing_and_runs_only_when_something_changed(app):
    workforce(app)
    with app.app_context():
        first = services.refresh(today=TODAY)
        rows = _rows()
        again = services.refresh(today=TODAY)
        assert _rows() == rows
        assert again.watermark == first.watermark
        db.session.commit()
        assert services.refresh_if_stale(today=TODAY) is None  # nothing changed
        assert services.refresh_if_stale(today=TODAY + timedelta(days=1)) is not None  # a day
        assert services.refresh_if_stale(today=TODAY + timedelta(days=1)) is None
        record("test.changed", actor=None, obj=None)  # a transition writes its audit event
        assert services.refresh_if_stale(today=TODAY + timedelta(days=1)) is not None


def _rows() -> list[tuple]:
    columns = [c for c in OutcomeFigure.__table__.columns if c.name not in ("id", "computed_at")]
    return sorted(db.session.execute(select(*columns)).all())

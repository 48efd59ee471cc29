"""A worksite's public progress comes from its latest accepted report: the final one once
accepted, else the latest phase's; reports not accepted count for nothing."""

from portal.closeout.models import FINAL
from portal.extensions import db
from portal.opendata.progress import reported_progress
from tests.support.closeout import AFTER_END, DURING, declared_workforce, on_day, report_in


def test_the_latest_accepted_report_gives_the_progress(app, monkeypatch):
    on_day(monkeypatch, DURING)
    phases, final, none = (declared_workforce(app) for _ in range(3))
    report_in(app, phases, 1, "accepted", progress=30)
    report_in(app, phases, 2, "accepted", progress=55)
    report_in(app, phases, 3, "certified", progress=80)  # not accepted yet
    report_in(app, final, 1, "accepted", progress=30)
    report_in(app, none, 1, "returned", progress=90)
    on_day(monkeypatch, AFTER_END)
    report_in(app, final, FINAL, "accepted", progress=100)
    report_in(app, final, 2, "accepted", progress=60)  # accepted after the final: still 100
    with app.app_context():
        ids = [phases.application_id, final.application_id, none.application_id]
        assert reported_progress(ids) == {phases.application_id: 55, final.application_id: 100}
        assert reported_progress([]) == {}
        db.session.rollback()

"""`enqueue` runs registered tasks (eagerly in unit tests) and survives a broker outage."""

import time

from portal.queue import enqueue

NOBODY = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_enqueue_runs_a_registered_task_eagerly(make_app):
    app = make_app(celery={"task_always_eager": True})
    with app.app_context():
        assert enqueue("ping") is True


def test_enqueue_reports_a_broker_outage_quickly_instead_of_failing(make_app):
    app = make_app(
        celery={"task_always_eager": False, "broker_url": NOBODY, "result_backend": NOBODY}
    )
    started = time.monotonic()
    with app.app_context():
        assert enqueue("ping") is False
    assert time.monotonic() - started < 10

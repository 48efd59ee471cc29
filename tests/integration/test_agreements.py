"""Agreements through a real worker on Redis and PostgreSQL: a worker killed in the middle of a
render loses nothing; the sweep sends the render again and one PDF is stored."""

import os
import signal
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.agreements import services
from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.extensions import db
from portal.notifications.models import Notification
from tests.support.agreements import approve_in_session, submitted
from tests.support.processes import start_worker, stop, wait_for

pytestmark = pytest.mark.integration


def test_a_worker_killed_mid_render_then_the_sweep_renders_it_once(
    app, make_app, worker_env, tmp_path
):
    application_id, owner, _ = submitted(app, 1)
    live = make_app(celery={"task_always_eager": False})
    approve_in_session(live, [application_id])  # the render is now a message on Redis

    def agreement():
        with live.app_context():
            return db.session.scalar(select(Agreement).filter_by(application_id=application_id))

    log = tmp_path / "worker1.log"
    worker = start_worker(worker_env, log_path=log)
    try:
        wait_for(
            lambda: log.exists() and "render_agreement[" in log.read_text(),
            timeout=60,
            interval=0.02,
            what="the worker to take the render",
        )
        os.killpg(worker.pid, signal.SIGKILL)  # no warm shutdown: the render dies half-way
        worker.wait(10)
    finally:
        stop(worker)
    assert agreement().pdf_sha256 is None, "the render finished before the kill"

    with live.app_context():
        assert services.sweep(older_than=timedelta(0)) >= 1
        db.session.commit()  # as the sweep task does: the renders leave after the commit
    second = start_worker(worker_env, log_path=tmp_path / "worker2.log")
    try:
        wait_for(lambda: agreement().pdf_sha256, timeout=90, what="the swept render")
    finally:
        stop(second)
    with live.app_context():
        rows = db.session.scalars(select(Agreement).filter_by(application_id=application_id))
        assert len(rows.all()) == 1
        assert db.session.get(Application, application_id).status == "agreement_issued"
        emails = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .filter_by(user_id=owner.id, event="agreement_issued")
        )
    assert emails == 1

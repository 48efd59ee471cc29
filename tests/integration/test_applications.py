"""Submitting through HTTP with a real worker: receipt, report and result, even after an outage."""

import subprocess
import time

import pytest
from sqlalchemy import func, select

from portal.applications import services
from portal.applications.models import Application, EligibilityReport, Submission
from portal.extensions import db
from tests.support.accounts import add_documents, create_organisation, create_user, login, post
from tests.support.applications import fill_component1, start
from tests.support.processes import start_worker, stop, wait_for
from tests.support.smtp import free_port

pytestmark = pytest.mark.integration


def applicant(app):
    owner = create_user(app, full_name="Hassan Ouali")
    organisation = create_organisation(app, owner)
    add_documents(app, organisation, owner)
    client = app.test_client()
    login(client, owner)
    return owner, organisation, client


def reports_of(app, application_id) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(EligibilityReport.id))
            .join(Submission)
            .where(Submission.application_id == application_id)
        )


def receipts_of(app, application_id) -> int:
    """Submissions of the application whose receipts the worker wrote."""
    with app.app_context():
        return db.session.scalar(
            select(func.count(Submission.id)).where(
                Submission.application_id == application_id, Submission.receipts_at.is_not(None)
            )
        )


def test_submit_then_receipt_report_and_result_by_a_real_worker(
    make_app, worker_env, smtp_sink, tmp_path
):
    app = make_app(celery={"task_always_eager": False}, **smtp_sink.settings())
    env = {**worker_env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_sink.port)}
    worker = start_worker(env, log_path=tmp_path / "worker.log")
    try:
        owner, organisation, client = applicant(app)
        application_id, province_id = start(app, client, organisation, 1)
        fill_component1(app, client, application_id, province_id)
        post(
            client,
            f"/applications/{application_id}/submit",
            {},
            token_from=f"/applications/{application_id}/preview",
        )
        wait_for(
            lambda: len([m for m in smtp_sink.messages if m["To"] == owner.email]) >= 2,
            timeout=60,
            what="the receipt and the result emails",
        )
        with app.app_context():
            application = db.session.get(Application, application_id)
            number, status = application.number, application.status
            submission_id = application.submissions[-1].id
        subjects = sorted(
            smtp_sink.subject(m) for m in smtp_sink.messages if m["To"] == owner.email
        )
        assert subjects == sorted([f"توصلنا بالطلب {number}", f"الطلب {number} يستوفي الشروط"])
        assert status == "eligible"
        page = client.get(f"/applications/{application_id}").get_data(as_text=True)
        assert "C1-PROJ-SECTOR" in page and "تقرير الأهلية" in page
        # The check run again, through the worker and in-process: one report, one result email.
        app.extensions["celery"].send_task("check_eligibility", args=[submission_id])
        from tasks.applications import check_eligibility

        with app.app_context():
            check_eligibility.apply(args=[submission_id])
        time.sleep(2)
        assert reports_of(app, application_id) == 1
        assert len([m for m in smtp_sink.messages if m["To"] == owner.email]) == 2
    finally:
        stop(worker)


def test_the_broker_down_at_submit_time_then_the_sweep_produces_the_report(
    make_app, worker_env, tmp_path
):
    port = free_port()
    redis_command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    broker = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    app = make_app(
        celery={"task_always_eager": False, "broker_url": url, "result_backend": url},
        SWEEP_PENDING_AFTER_SECONDS=0,
    )
    worker = start_worker({**worker_env, "REDIS_URL": url}, log_path=tmp_path / "worker.log")
    try:
        _owner, organisation, client = applicant(app)
        application_id, province_id = start(app, client, organisation, 1)
        fill_component1(app, client, application_id, province_id)
        broker.terminate()
        broker.wait(10)
        started = time.monotonic()
        response = post(
            client,
            f"/applications/{application_id}/submit",
            {},
            token_from=f"/applications/{application_id}/preview",
        )
        assert response.status_code == 302 and time.monotonic() - started < 15
        with app.app_context():
            assert db.session.get(Application, application_id).status == "submitted"
        assert reports_of(app, application_id) == 0
        broker = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL)
        wait_for(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(port), "ping"], capture_output=True
                ).returncode
                == 0
            ),
            10,
            what="redis",
        )
        with app.app_context():
            assert services.sweep_checks() >= 1
            assert services.sweep_receipts() >= 1
            db.session.commit()  # as the sweep task does: the checks leave after the commit
        wait_for(
            lambda: reports_of(app, application_id) == 1,
            timeout=90,
            what="the report after the sweep",
        )
        wait_for(
            lambda: receipts_of(app, application_id) == 1,
            timeout=90,
            what="the receipt after the sweep",
        )
        with app.app_context():
            assert db.session.get(Application, application_id).status == "eligible"
    finally:
        stop(worker)
        broker.terminate()
        broker.wait(10)

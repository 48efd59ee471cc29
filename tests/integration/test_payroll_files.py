"""A payroll file through a real worker on Redis and PostgreSQL: asked for, built by the
worker from the accepted statements and stored with its digest; the task sent again stores
nothing more and the bytes stay the same."""

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.geo.models import Province
from portal.payroll import files
from portal.payroll.models import FileStatus, PayrollFile
from portal.queue import enqueue
from portal.storage import get
from portal.storage.models import Blob
from tests.support.beneficiaries import signed_agreement
from tests.support.payroll_files import enrolled_statement, new_cnss_number
from tests.support.processes import start_worker, stop, wait_for

pytestmark = pytest.mark.integration

# A month of its own: the file takes every accepted statement of the province and month, and
# other committing tests (the browser's payroll files in another process) leave Sidi Ifni's
# March accepted for a while.
JULY = date(2027, 7, 1)


def test_the_worker_builds_the_file_once(app, make_app, worker_env, tmp_path):
    side = signed_agreement(app, jobs=3)
    enrolled_statement(
        app,
        side,
        [{"cnss_number": new_cnss_number()}, {"days": 20, "situation": "CS"}],
        period=JULY,
    )
    live = make_app(celery={"task_always_eager": False}, PAYROLL_ADAPTER="cnss_bds")
    with live.app_context():
        by = db.session.get(User, side.staff.id)
        file_id = files.request_file(db.session.get(Province, side.province_id), JULY, by=by).id
        db.session.commit()  # the build is now a message on Redis

    def built():
        with live.app_context():
            payroll_file = db.session.get(PayrollFile, file_id)
            if payroll_file.status == FileStatus.QUEUED:
                return None
            db.session.expunge(payroll_file)
            return payroll_file

    worker = start_worker(worker_env, log_path=tmp_path / "worker.log")
    try:
        payroll_file = wait_for(built, timeout=90, what="the payroll file built by the worker")
        assert payroll_file.status == FileStatus.READY, (tmp_path / "worker.log").read_text()
        with live.app_context():
            data = get(payroll_file.sha256)
            blobs = db.session.scalar(select(func.count()).select_from(Blob))
            enqueue(files.TASK, file_id)  # the same task again, as a lost acknowledgement does
        wait_for(
            lambda: (tmp_path / "worker.log").read_text().count("build_payroll_file[") >= 4,
            timeout=60,
            what="the second run",
        )
    finally:
        stop(worker)
    assert hashlib.sha256(data).hexdigest() == payroll_file.sha256
    records = data.decode("ascii").split("\r\n")[:-1]
    assert [r[:3] for r in records] == ["B00", "B01", "B02", "B03", "B04", "B05", "B06"]
    assert {len(r) for r in records} == {260}
    assert payroll_file.lines == 2 and payroll_file.provisional
    with live.app_context():
        again = db.session.get(PayrollFile, file_id)
        assert (again.sha256, again.built_at) == (payroll_file.sha256, payroll_file.built_at)
        assert db.session.scalar(select(func.count()).select_from(Blob)) == blobs
        row = db.session.get(PayrollFile, file_id)
        assert files.render(row)[0] == data  # built from the same statements: the same bytes

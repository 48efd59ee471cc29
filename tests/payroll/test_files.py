"""The payroll file of a province and month: asked for by the province's secretariat, built
by the (eager) worker from the accepted statements, stored with its digest, the same bytes when
built again; another province's staff refused; the sweep sends a file left unbuilt again."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.geo.models import Province
from portal.payroll import files
from portal.payroll.models import FileStatus, MonthlyStatement, PayrollFile, StatementStatus
from portal.storage import get
from portal.storage.models import Blob
from tests.support.accounts import create_staff, csrf_token, login
from tests.support.beneficiaries import signed_agreement
from tests.support.payroll_files import MARCH, enrolled_statement, new_cnss_number
from tests.support.queries import count_queries


def workers() -> list[dict]:
    """Three workers: one insured already, one declared for fewer days, one new."""
    return [
        {"cnss_number": new_cnss_number()},
        {"days": 13, "situation": "IL", "last_name_fr": "Benâli", "first_name_fr": "Zoé"},
        {},
    ]


PROVINCE = "Assa-Zag"


@pytest.fixture
def side(app):
    # Assa-Zag: the run's committing tests leave statements of Sidi Ifni's March in its files.
    return signed_agreement(app, province=PROVINCE, jobs=3)


@pytest.fixture
def statement_id(app, side):
    return enrolled_statement(app, side, workers())


def signed_in(app, user, lang: str = "fr"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    login(client, user)
    return client


def ask(client, province_id: int, month: str = "2027-03"):
    path = "/backoffice/payroll/files"
    return client.post(
        path,
        data={"province_id": province_id, "period": month, "csrf_token": csrf_token(client, path)},
    )


def the_file(app, file_id: int) -> PayrollFile:
    with app.app_context():
        payroll_file = db.session.get(PayrollFile, file_id)
        db.session.expunge(payroll_file)
        return payroll_file


def file_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_secretariat_asks_and_the_worker_builds_the_file(app, side, statement_id, html_pages):
    client = signed_in(app, side.staff)
    file_id = file_id_of(ask(client, side.province_id))
    payroll_file = the_file(app, file_id)
    # Numbered per province and month (files committed by other tests of the run count too).
    assert re.fullmatch(r"PAY-ASSA-202703-\d\d", payroll_file.number)
    assert payroll_file.status == FileStatus.READY  # built after the commit
    assert payroll_file.lines == 3
    with app.app_context():
        statement = db.session.get(MonthlyStatement, statement_id)
        assert statement.status == StatementStatus.SENT
        assert statement.payroll_file_id == file_id
        assert payroll_file.total == sum(line.wage_due for line in statement.lines)
        data = get(payroll_file.sha256)
    assert hashlib.sha256(data).hexdigest() == payroll_file.sha256
    assert payroll_file.filename == f"{payroll_file.number}.xlsx"
    assert not payroll_file.provisional
    page = client.get(f"/backoffice/payroll/files/{file_id}")
    text = page.get_data(as_text=True)
    html_pages.save("payroll-file-fr", text)
    assert page.status_code == 200
    assert payroll_file.sha256 in text and payroll_file.number in text
    download = client.get(f"/backoffice/payroll/files/{file_id}/download")
    assert download.status_code == 200 and download.data == data
    assert "no-store" in download.headers["Cache-Control"]
    listing = client.get("/backoffice/payroll/files?month=2027-03")
    html_pages.save("payroll-files-fr", listing.get_data(as_text=True))
    assert payroll_file.number in listing.get_data(as_text=True)
    # Asked again: nothing left to send for the month.
    again = ask(client, side.province_id)
    assert again.status_code == 400
    assert "Aucun relevé accepté" in again.get_data(as_text=True)


def test_built_twice_the_same_bytes(app, side, statement_id):
    client = signed_in(app, side.staff)
    payroll_file = the_file(app, file_id_of(ask(client, side.province_id)))
    with app.app_context():
        blobs = db.session.scalar(select(func.count()).select_from(Blob))
        row = db.session.get(PayrollFile, payroll_file.id)
        assert files.render(row)[0] == get(payroll_file.sha256)
        assert files.build(payroll_file.id) == FileStatus.READY  # run twice: nothing more
        # Built anew from the same statements (as after a lost build), the same digest.
        row.status, row.sha256 = FileStatus.QUEUED, None
        db.session.flush()
        assert files.build(payroll_file.id) == FileStatus.READY
        db.session.refresh(row)
        assert row.sha256 == payroll_file.sha256
        assert db.session.scalar(select(func.count()).select_from(Blob)) == blobs


def test_the_bds_file_is_provisional_in_its_name_and_page(app, side, statement_id, monkeypatch):
    monkeypatch.setitem(app.config, "PAYROLL_ADAPTER", "cnss_bds")
    client = signed_in(app, side.staff, "ar")
    payroll_file = the_file(app, file_id_of(ask(client, side.province_id)))
    assert payroll_file.provisional and payroll_file.adapter == "cnss_bds"
    assert payroll_file.filename == f"{payroll_file.number}-PROVISIONAL.txt"
    with app.app_context():
        lines = get(payroll_file.sha256).decode("ascii").split("\r\n")[:-1]
    assert [len(line) for line in lines] == [260] * len(lines)
    assert [line[:3] for line in lines] == ["B00", "B01", "B02", "B03", "B04", "B04", "B05", "B06"]
    page = client.get(f"/backoffice/payroll/files/{payroll_file.id}").get_data(as_text=True)
    assert "مؤقت" in page


def test_confirmed_the_bds_file_is_not_provisional(app, side, statement_id, monkeypatch):
    monkeypatch.setitem(app.config, "PAYROLL_ADAPTER", "cnss_bds")
    monkeypatch.setitem(app.config, "PAYROLL_BDS_CONFIRMED", True)
    client = signed_in(app, side.staff)
    payroll_file = the_file(app, file_id_of(ask(client, side.province_id)))
    assert not payroll_file.provisional and payroll_file.filename.endswith(".txt")
    assert "PROVISIONAL" not in payroll_file.filename


def test_another_provinces_staff_are_refused(app, side, statement_id):
    stranger = create_staff(app, "secretariat", provinces=("Tan-Tan",))
    client = signed_in(app, stranger)
    query = select(func.count()).select_from(PayrollFile).filter_by(province_id=side.province_id)
    with app.app_context():
        before = db.session.scalar(query)
    response = ask(client, side.province_id)
    assert response.status_code == 400  # not a province of theirs to choose
    with app.app_context():
        assert db.session.scalar(query) == before
        assert db.session.get(MonthlyStatement, statement_id).status == StatementStatus.ACCEPTED
    owner = signed_in(app, side.staff)
    file_id = file_id_of(ask(owner, side.province_id))
    for path in ("", "/download", "/returns-template.csv"):
        assert client.get(f"/backoffice/payroll/files/{file_id}{path}").status_code == 404
    assert file_id not in [f.id for f in _listed(app, stranger)]
    committee = create_staff(app, "technical_committee", provinces=(PROVINCE,))
    assert signed_in(app, committee).get("/backoffice/payroll/files").status_code == 403


def _listed(app, user):
    with app.app_context():
        return files.files_for(db.session.get(User, user.id))


def test_the_sweep_sends_a_file_left_unbuilt(app, side, statement_id):
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        province = db.session.get(Province, side.province_id)
        file_id = files.request_file(province, MARCH, by=staff).id
        db.session.info.pop("portal.after_commit")  # the message is lost on the way
        db.session.commit()
        assert files.sweep() == 0  # just asked for: not stuck yet
        db.session.get(PayrollFile, file_id).render_enqueued_at -= timedelta(hours=1)
        db.session.commit()
        assert db.session.get(PayrollFile, file_id).status == FileStatus.QUEUED
        assert files.sweep() == 1
        db.session.commit()  # the build is sent after the commit (eager here)
        assert db.session.get(PayrollFile, file_id).status == FileStatus.READY
        assert files.sweep() == 0


def test_the_file_page_runs_the_same_statements_whatever_its_lines(app):
    side = signed_agreement(app, jobs=4)
    client = signed_in(app, side.staff)
    counts, sqls = [], []  # the SQL shown when they differ
    for month, workers in (("2027-03", 1), ("2027-04", 3)):
        period = files.month_of(month)
        enrolled_statement(app, side, [{} for _ in range(workers)], period=period)
        path = f"/backoffice/payroll/files/{file_id_of(ask(client, side.province_id, month))}"
        client.get(path)
        runs = []
        for _ in range(2):  # the fewer of two: a line's own statement would be in both
            with count_queries(app) as queries:
                assert client.get(path).status_code == 200
            runs.append(queries)
        fewer = min(runs, key=lambda queries: queries["n"])
        counts.append(fewer["n"])
        sqls.append([q[:90] for q in fewer["sql"]])
    assert counts[0] == counts[1] <= 12, (counts, sqls)

"""The purge job: what is past its period goes, what is not stays, an open agreement is never
touched; twice is once; the dry run writes nothing; the statistics and the audit trail come
through unchanged; a purged certificate still checks out, without the worker."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.agreements.models import Agreement
from portal.applications.models import Application, Status, Submission
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.beneficiaries.models import Certificate, Contract, Person
from portal.beneficiaries.services import mask_cin
from portal.core.jobs import run_committing
from portal.documents.models import Document
from portal.eligibility.workers import age_on
from portal.extensions import db
from portal.payroll.models import PayrollFile
from portal.retention import services
from portal.retention.services import PURGED, generalised_birth_date
from portal.storage.models import Blob
from portal.timeutil import utcnow
from tests.support.beneficiaries import enrol, signed_in
from tests.support.fingerprint import fingerprint
from tests.support.retention import WORKERS, aggregates, audit_rows, closed_agreement


@pytest.fixture
def old(app):
    """Closed 30 months ago: past every period (24, 12 and 24 months by default)."""
    return closed_agreement(app, months_ago=30)


def purge(app, now=None) -> dict:
    with app.app_context():
        run_committing(services.purge(now))
        return services.last_run().after


def stored(digest: str | None) -> bool:
    return digest is not None and db.session.get(Blob, digest) is not None


def test_past_its_period_an_agreement_is_purged_and_a_younger_one_is_not(app):
    old = closed_agreement(app, months_ago=30, with_payroll_file=True)
    middle = closed_agreement(app, months_ago=18, province="Tan-Tan", with_payroll_file=True)
    young = closed_agreement(app, months_ago=3)
    purge(app)
    with app.app_context():
        for at, (person_id, cin, worker) in enumerate(
            zip(old.person_ids, old.cins, WORKERS, strict=True)
        ):
            person = db.session.get(Person, person_id)
            assert person.purged_at is not None
            assert person.cin == f"~{person.id}" and cin not in person.cin
            assert {person.last_name_ar, person.first_name_fr} == {PURGED}
            assert (person.phone, person.cnss_number, person.anapec_registration_date) == (
                None,
                None,
                None,
            )
            assert person.disability_card_no == (PURGED if "disability_card_no" in worker else None)
            start = date(2027, 3, 1)
            assert person.birth_date.year == worker["birth_date"].year
            assert age_on(person.birth_date, start) == age_on(worker["birth_date"], start)
            # The first's birthday is the day after the start: the earliest day of their
            # range is theirs; the others' are not.
            assert at == 0 or person.birth_date != worker["birth_date"]
            assert (person.sex, person.education_level) == (
                worker["sex"],
                worker["education_level"],
            )
        contract = db.session.get(Contract, old.contract_ids[0])
        assert (contract.start_date, contract.planned_end) == (date(2027, 3, 1), date(2027, 8, 31))
        certificate = db.session.get(Certificate, old.certificate_id)
        assert certificate.purged_at and certificate.pdf_sha256 is None
        assert certificate.content["pdf_sha256"] == old.certificate_pdf
        assert not stored(old.certificate_pdf)
        document = db.session.get(Document, old.document_id)
        assert (
            document.purged_at and document.sha256 is None and old.cins[1] not in document.filename
        )
        assert not stored(old.document_sha)
        agreement = db.session.scalar(select(Agreement).filter_by(id=old.agreement_id))
        assert agreement.signed_sha256 is None and agreement.signed_purged_at
        assert stored(old.agreement_pdf)  # the agreement names organisations only: kept
        payroll_file = db.session.get(PayrollFile, old.payroll_file_id)
        assert payroll_file.purged_at and payroll_file.sha256 is None
        assert payroll_file.returns[0]["paid"] == 3 and payroll_file.returns[0]["sha256"] is None
        assert not any(stored(digest) for digest in old.payroll_blobs)
        owner = db.session.get(User, old.owner.id)
        assert owner.purged_at and owner.email == f"purged-{owner.id}@invalid"
        assert (owner.full_name, owner.phone) == ("", "")
        snapshot = db.session.scalars(
            select(Submission.data).filter_by(application_id=old.application_id)
        ).all()
        assert snapshot and {s["applicant"]["full_name"] for s in snapshot} == {PURGED}

        # 18 months: the files went (12), the identity and the contacts stay (24).
        assert db.session.get(Document, middle.document_id).purged_at is not None
        assert not stored(middle.document_sha)
        assert db.session.get(Person, middle.person_ids[0]).cin == middle.cins[0]
        assert db.session.get(Certificate, middle.certificate_id).pdf_sha256
        assert all(stored(digest) for digest in middle.payroll_blobs)
        assert db.session.get(User, middle.owner.id).purged_at is None

        # 3 months: nothing.
        for person_id, cin in zip(young.person_ids, young.cins, strict=True):
            person = db.session.get(Person, person_id)
            assert (person.cin, person.purged_at, person.phone) == (cin, None, "0612345678")
        assert stored(young.document_sha) and stored(young.signed_copy)
        assert stored(young.certificate_pdf)
        assert db.session.get(User, young.owner.id).email != f"purged-{young.owner.id}@invalid"


def test_an_open_agreement_is_never_purged_nor_a_worker_it_holds(app):
    open_side = closed_agreement(app, months_ago=None)
    closed = closed_agreement(app, months_ago=30, province="Tan-Tan")
    with app.app_context():
        # The first worker of the open agreement also worked, earlier, on the closed one
        # (enrolled while it ran: a closed agreement takes no more workers).
        application = db.session.get(Application, closed.application_id)
        application.status = Status.AGREEMENT_SIGNED
        enrol(closed, open_side.cins[0], start=date(2026, 1, 5), end=date(2026, 2, 27))
        application.status = Status.CLOSED
        db.session.commit()
    far = utcnow() + timedelta(days=3650)
    purge(app, far)
    with app.app_context():
        for person_id, cin in zip(open_side.person_ids, open_side.cins, strict=True):
            assert db.session.get(Person, person_id).cin == cin
        assert stored(open_side.document_sha) and stored(open_side.signed_copy)
        assert db.session.get(User, open_side.owner.id).purged_at is None
        assert db.session.get(Person, closed.person_ids[0]).purged_at is not None


def test_running_twice_changes_nothing_more(app, old):
    purge(app)
    before = fingerprint(app)
    summary = purge(app)
    after = fingerprint(app)
    assert {name for name in after if after[name] != before[name]} == {"audit_event"}
    assert after["audit_event"][0] == before["audit_event"][0] + 1  # the run's summary, alone
    assert {key: value for key, value in summary.items() if not key.endswith("_months")} == {
        "persons": 0,
        "imports": 0,
        "archives": 0,
        "payroll_files": 0,
        "documents": 0,
        "signed_copies": 0,
        "contacts": 0,
        "files_deleted": 0,
        "contacts_warned": 0,
    }
    with app.app_context():
        plan = services.plan()
    assert old.application_id not in {row.application_id for row in plan.agreements}
    assert plan.purged_agreements >= 1


def test_the_dry_run_lists_what_goes_and_writes_nothing(app):
    side = closed_agreement(app, months_ago=30)
    before = fingerprint(app)
    with app.app_context():
        plan = services.plan()
        row = next(r for r in plan.agreements if r.application_id == side.application_id)
        assert plan.counts["persons"] >= len(WORKERS) and plan.counts["documents"] >= 1
        assert plan.counts["signed_copies"] >= 1 and plan.counts["contacts"] >= 2
        assert row.pending == {"identity": len(WORKERS), "files": 2, "contacts": 2}
        assert row.due["identity"].date() == services.add_months(side.closed_at, 24).date()
        assert row.due["files"].date() == services.add_months(side.closed_at, 12).date()
    output = app.test_cli_runner().invoke(args=["retention", "purge", "--dry-run"]).output
    assert f"{side.number} closed {side.closed_at:%Y-%m-%d}" in output
    assert side.cins[0] not in output
    assert fingerprint(app) == before


def test_the_statistics_are_the_same_before_and_after(app):
    side = closed_agreement(app, months_ago=30)
    with app.app_context():
        counted = aggregates([side.application_id])
    assert sum(counted.values()) == len(WORKERS)
    assert ("male", "18-24", "none") in {key[:3] for key in counted}  # 24 the day before
    purge(app)
    with app.app_context():
        assert db.session.get(Person, side.person_ids[0]).purged_at is not None
        assert aggregates([side.application_id]) == counted


def test_the_audit_trail_is_kept_with_its_masked_values_and_one_summary(app):
    side = closed_agreement(app, months_ago=30)
    with app.app_context():
        persons = audit_rows("person", side.person_ids)
        contracts = audit_rows("contract", side.contract_ids)
        runs = db.session.scalar(
            select(func.count()).select_from(AuditEvent).filter_by(action="retention.purged")
        )
    assert persons and contracts
    assert all(side.cins[0] not in str(row) for row in persons + contracts)  # masked already
    assert any(side.cins[0][-4:] in str(row[4]) for row in persons)
    summary = purge(app)
    with app.app_context():
        assert audit_rows("person", side.person_ids) == persons
        assert audit_rows("contract", side.contract_ids) == contracts
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).filter_by(action="retention.purged")
            )
            == runs + 1
        )
    assert summary["persons"] >= len(WORKERS) and summary["identity_months"] == 24


def test_a_purged_certificate_still_checks_out_without_the_worker(app, old):
    purge(app)
    response = app.test_client().get(f"/verify/certificates/{old.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert old.certificate_pdf in page and old.number in page
    assert mask_cin(old.cins[0]) not in page and "Saïd" not in page and "سعيد" not in page
    staff = signed_in(app, old.staff)  # the partner's accounts are erased by now
    assert staff.get(f"/contracts/{old.contract_ids[0]}/certificate.pdf").status_code == 404


@pytest.mark.parametrize(
    ("birth", "starts", "kept"),
    [
        (date(2002, 3, 2), [date(2027, 3, 1)], date(2002, 3, 2)),
        (date(2002, 2, 20), [date(2027, 3, 1)], date(2002, 1, 1)),
        (date(1990, 11, 20), [date(2027, 3, 1), date(2028, 6, 30)], date(1990, 7, 1)),
        (date(1999, 3, 5), [date(2028, 2, 29)], date(1999, 3, 1)),  # no 29 Feb in 1999
    ],
)
def test_the_birth_date_keeps_its_year_and_every_age_at_a_start(birth, starts, kept):
    assert generalised_birth_date(birth, starts) == kept
    assert generalised_birth_date(kept, starts) == kept  # twice is once
    assert [age_on(kept, s) for s in starts] == [age_on(birth, s) for s in starts]


def test_an_applicant_is_told_before_the_contact_data_goes_once_for_a_date(app):
    """Within RETENTION_WARNING_DAYS of the erasure, the applicant gets one email naming the
    day (a second run sends no other); a month before, nothing; past it, the purge erases."""
    from portal.notifications.models import Notification
    from portal.retention.services import add_months

    soon, later = (closed_agreement(app, months_ago=None) for _ in range(2))
    now = utcnow()
    with app.app_context():
        for side, days in ((soon, 7), (later, 30)):
            ended = add_months(now, -services.months(services.CONTACTS)) + timedelta(days=days)
            application = db.session.get(Application, side.application_id)
            application.status, application.closed_at = "closed", ended
            for user_id in (side.owner.id, side.editor.id):
                user = db.session.get(User, user_id)
                user.created_at = user.last_login_at = ended
                user.locale = "fr"
        db.session.commit()
    assert purge(app, now)["contacts_warned"] >= 2  # the owner and the editor of `soon`
    assert purge(app, now)["contacts_warned"] == 0

    def warnings(side) -> list[Notification]:
        return db.session.scalars(
            select(Notification).where(
                Notification.event == "contacts_purge_warning",
                Notification.user_id.in_([side.owner.id, side.editor.id]),
            )
        ).all()

    with app.app_context():
        told = warnings(soon)
        assert len(told) == 2 and not warnings(later)
        due = add_months(db.session.get(Application, soon.application_id).closed_at, 24)
        assert f"{due:%d/%m/%Y}" in told[0].subject and "/account/login" in told[0].body_text
        assert told[0].subject.startswith("Votre compte Awrach")
        assert db.session.get(User, soon.owner.id).purged_at is None  # not yet
    later_now = now + timedelta(days=8)
    purge(app, later_now)
    with app.app_context():
        assert db.session.get(User, soon.owner.id).purged_at is not None
        assert len(warnings(later)) == 0  # still 22 days away

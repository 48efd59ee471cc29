"""The reports' services and the close-out: phases cut from the declared schedule, the second
person who certifies, the secretariat's acceptance and return, photos kept without their
metadata, and each condition that keeps an agreement from closing."""

import io
from datetime import date

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import func, select

from portal.applications.models import Application, Status
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.beneficiaries.models import Contract
from portal.closeout import rules, services
from portal.closeout.models import FINAL, ReportStatus, WorkReport
from portal.documents.inspection import UploadRefused
from portal.extensions import db
from portal.notifications.models import Notification
from portal.payroll import rules as payroll_rules
from portal.payroll.models import MonthlyStatement, StatementStatus
from portal.storage import get
from tests.support.accounts import create_staff
from tests.support.closeout import (
    AFTER_END,
    DURING,
    months_paid,
    on_day,
    photo_bytes,
    report_in,
)

D = date


@pytest.mark.parametrize(
    ("start", "months", "phase_months", "expected"),
    [
        (
            D(2026, 6, 1),
            9,
            3,
            [
                (D(2026, 6, 1), D(2026, 8, 31)),
                (D(2026, 9, 1), D(2026, 11, 30)),
                (D(2026, 12, 1), D(2027, 2, 28)),
            ],
        ),
        (D(2026, 6, 1), 4, 3, [(D(2026, 6, 1), D(2026, 8, 31)), (D(2026, 9, 1), D(2026, 9, 30))]),
        (
            D(2027, 1, 31),
            2,
            1,
            [(D(2027, 1, 31), D(2027, 2, 27)), (D(2027, 2, 28), D(2027, 3, 30))],
        ),
        (D(2026, 11, 15), 1, 3, [(D(2026, 11, 15), D(2026, 12, 14))]),
        (D(2026, 11, 15), 0, 0, [(D(2026, 11, 15), D(2026, 12, 14))]),  # nothing declared: one
    ],
)
def test_the_declared_schedule_is_cut_in_phases(start, months, phase_months, expected):
    phases = rules.phases(start, months, phase_months)
    assert [(p.start, p.end) for p in phases] == expected
    assert [p.number for p in phases] == list(range(1, len(expected) + 1))
    assert rules.declared_end(start, months) == expected[-1][1]


def members(side):
    return (
        db.session.get(User, side.editor.id),
        db.session.get(User, side.owner.id),
        db.session.get(User, side.staff.id),
    )


def application_of(side) -> Application:
    return db.session.get(Application, side.application_id)


def test_each_phase_opens_once_begun_and_the_final_report_after_the_worksites_end(app, side):
    with app.app_context():
        slots = services.slots(application_of(side))
        assert [(s.phase.number if s.phase else FINAL, s.openable) for s in slots] == [
            (1, True),
            (2, True),
            (3, True),  # began on 1 December
            (FINAL, False),  # the last contract ends on 28 February 2027
        ]
        assert slots[-1].due_on == D(2027, 3, 30)  # 30 days after the worksite's end


@pytest.mark.parametrize(
    ("day", "phase", "reason"),
    [
        (DURING, FINAL, "not_ended"),
        (D(2026, 8, 15), 2, "not_started"),
        (DURING, 4, "no_phase"),
        (DURING, -1, "no_phase"),
    ],
)
def test_a_report_the_schedule_does_not_allow_yet_is_refused(
    app, side, monkeypatch, day, phase, reason
):
    on_day(monkeypatch, day)
    with app.app_context():
        editor, _owner, _staff = members(side)
        with pytest.raises(services.ReportRefused) as refused:
            services.open_report(application_of(side), phase, by=editor)
        assert refused.value.reason == reason
        assert services.reports_of(application_of(side)) == []


def test_the_final_report_is_due_within_the_editions_days_of_the_end(app, side, monkeypatch):
    on_day(monkeypatch, AFTER_END)
    with app.app_context():
        editor, _owner, _staff = members(side)
        application = application_of(side)
        report = services.open_report(application, FINAL, by=editor)
        assert (report.period_start, report.period_end) == (D(2026, 6, 1), D(2027, 2, 28))
        assert report.due_on == D(2027, 3, 30)
        assert services.open_report(application, FINAL, by=editor).id == report.id  # once


def test_an_editor_submits_the_owner_certifies_and_the_secretariat_accepts(app, side):
    report_id = report_in(app, side, 1)
    elsewhere_id = create_staff(app, "secretariat", provinces=("Tan-Tan",)).id
    with app.app_context():
        editor, owner, staff = members(side)
        report = db.session.get(WorkReport, report_id)
        with pytest.raises(services.ReportRefused, match="not_editor"):
            services.submit(report, by=owner)  # the owner certifies, an editor submits
        services.submit(report, by=editor)
        assert report.status == ReportStatus.SUBMITTED
        with pytest.raises(services.ReportRefused, match="not_editable"):
            services.write(report, progress=50, narrative="x", language="fr", by=editor)
        with pytest.raises(services.ReportRefused, match="same_person"):
            services.certify(report, by=editor)
        services.certify(report, by=owner)
        elsewhere = db.session.get(User, elsewhere_id)
        with pytest.raises(PermissionError):
            services.accept(report, by=elsewhere)
        services.accept(report, by=staff)
        assert report.status == ReportStatus.ACCEPTED and report.decided_by_id == staff.id
        events = set(
            db.session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.object_id == report.id, AuditEvent.object_type == "workreport"
                )
            )
        )
        assert {
            "report.opened",
            "report.written",
            "report.submitted",
            "report.certified",
            "report.accepted",
        } <= events
        told = db.session.execute(
            select(Notification.event, Notification.user_id).where(
                Notification.event.like("report_%"),
                Notification.user_id.in_([editor.id, owner.id]),
            )
        ).all()
        assert sorted(told) == sorted(
            (event, user.id)
            for event in ("report_submitted", "report_accepted")
            for user in (owner, editor)
        )


def test_a_report_is_returned_with_a_reason_and_written_again(app, side):
    report_id = report_in(app, side, 2, "certified")
    with app.app_context():
        editor, owner, staff = members(side)
        report = db.session.get(WorkReport, report_id)
        with pytest.raises(services.ReportRefused, match="no_reason"):
            services.return_(report, "  ", by=staff)
        services.return_(report, "أضيفوا صور الأشغال.", by=staff)
        assert report.status == ReportStatus.RETURNED
        mail = db.session.scalar(
            select(Notification).filter_by(event="report_returned", user_id=editor.id)
        )
        assert "أضيفوا صور الأشغال." in mail.body_text
        services.write(report, progress=55, narrative="Photos ajoutées.", language="fr", by=editor)
        services.submit(report, by=editor)
        services.certify(report, by=owner)
        assert report.status == ReportStatus.CERTIFIED
        with pytest.raises(services.ReportRefused, match="not_submitted"):
            services.certify(report, by=owner)


def test_a_report_without_a_narrative_is_not_submitted(app, side):
    report_id = report_in(app, side, 1, narrative="   ")
    with app.app_context():
        editor, _owner, _staff = members(side)
        with pytest.raises(services.ReportRefused, match="no_narrative"):
            services.submit(db.session.get(WorkReport, report_id), by=editor)


POLICY = [
    ("editor", "draft", "write", True),
    ("editor", "draft", "submit", True),
    ("owner", "draft", "submit", False),
    ("owner", "draft", "write", True),
    ("owner", "submitted", "certify", True),
    ("editor", "submitted", "certify", False),  # it submitted the report
    ("editor", "submitted", "write", False),
    ("staff", "certified", "accept", True),
    ("staff", "submitted", "accept", False),
    ("elsewhere", "certified", "view", False),
    ("elsewhere", "certified", "accept", False),
    ("stranger", "draft", "view", False),
    ("staff", "draft", "write", False),
]


def test_who_may_do_what_on_a_report(app, side):
    from portal.access import can
    from tests.support.accounts import create_user

    people = {
        "editor": side.editor.id,
        "owner": side.owner.id,
        "staff": side.staff.id,
        "elsewhere": create_staff(app, "secretariat", provinces=("Tan-Tan",)).id,
        "stranger": create_user(app).id,
    }
    reports = {
        status: report_in(app, side, phase, status)
        for phase, status in ((1, "draft"), (2, "submitted"), (3, "certified"))
    }
    with app.app_context():
        for who, status, action, allowed in POLICY:
            report = db.session.get(WorkReport, reports[status])
            user = db.session.get(User, people[who])
            assert can(user, action, report) is allowed, (who, status, action)


def test_a_photo_is_kept_without_its_metadata_and_checked_by_its_content(app, side):
    report_id = report_in(app, side, 1)
    with app.app_context():
        editor, _owner, _staff = members(side)
        report = db.session.get(WorkReport, report_id)
        original = photo_bytes()
        assert b"PhoneModel" in original and Image.open(io.BytesIO(original)).getexif()
        photo = services.add_photo(report, original, "  الحفر  ", by=editor)
        kept = get(photo.sha256)
        assert b"PhoneModel" not in kept and not Image.open(io.BytesIO(kept)).getexif()
        assert (photo.content_type, photo.width, photo.height, photo.caption) == (
            "image/jpeg",
            40,
            30,
            "الحفر",
        )
        assert services.add_photo(report, photo_bytes("PNG"), by=editor).content_type == "image/png"
        for data, reason in (
            (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not_a_photo"),
            (b"GIF89a" + bytes(20), "not_a_photo"),
            (b"", "empty"),
            (original[:200], "image_unreadable"),
            (photo_bytes()[:-2] + b"<html><script>", "disguised"),
        ):
            with pytest.raises(UploadRefused) as refused:
                services.add_photo(report, data, by=editor)
            assert refused.value.reason == reason
        assert len(report.photos) == 2


def test_a_report_holds_the_editions_number_of_photos(app, side):
    report_id = report_in(app, side, 1)
    with app.app_context():
        editor, _owner, _staff = members(side)
        report = db.session.get(WorkReport, report_id)
        for index in range(6):
            services.add_photo(report, photo_bytes(size=(20 + index, 20)), by=editor)
        with pytest.raises(services.ReportRefused, match="too_many_photos"):
            services.add_photo(report, photo_bytes(size=(50, 50)), by=editor)
        services.remove_photo(report, report.photos[0], by=editor)
        assert len(report.photos) == 5


def test_the_final_report_is_opened_and_its_reminder_sent_once(app, side):
    """Other tests' agreements may be in the database: only this one's are counted."""
    with app.app_context():
        editor, owner, _staff = members(side)

        def reminded() -> list[int]:
            return sorted(
                db.session.scalars(
                    select(Notification.user_id).where(
                        Notification.event == "final_report_reminder",
                        Notification.user_id.in_([editor.id, owner.id]),
                    )
                )
            )

        services.send_final_report_notices(D(2027, 2, 28))  # the last day: not yet
        assert services.find(side.application_id, FINAL) is None
        services.send_final_report_notices(D(2027, 3, 1))
        report = services.find(side.application_id, FINAL)
        assert report.due_on == D(2027, 3, 30) and report.created_by_id is None
        assert reminded() == []  # due in 29 days: the reminder comes 7 days before
        services.send_final_report_notices(D(2027, 3, 23))
        services.send_final_report_notices(D(2027, 3, 24))
        assert reminded() == sorted([editor.id, owner.id])  # once each


# Close-out: ready when every condition is met; each condition alone keeps it open.

ENDED_ON = D(2026, 11, 30)


def closable(
    app,
    side,
    *,
    final: str | None = "accepted",
    statement: str | None = StatementStatus.PAID,
    end_all=True,
):
    """The side with its contracts ended on 30 November (certificates issued) unless
    `end_all` is false, its final report in state `final` (None: not written), the months
    its workers held from June to October paid, and November's statement in state
    `statement` (None: no statement)."""
    with app.app_context():
        editor = db.session.get(User, side.editor.id)
        if end_all:
            for key in ("full", "late"):
                contract = db.session.get(Contract, side.contracts[key])
                beneficiaries.end_contract(contract, ENDED_ON, "completed", by=editor)
        if statement:
            db.session.add(
                MonthlyStatement(
                    application_id=side.application_id,
                    agreement_id=side.agreement_id,
                    province_id=side.province_id,
                    period=D(2026, 11, 1),
                    due_on=payroll_rules.due_on(D(2026, 11, 1), 10),
                    status=statement,
                )
            )
        db.session.commit()
    months_paid(app, side, last=D(2026, 10, 1))
    if final and end_all:
        report_in(app, side, FINAL, final)


@pytest.mark.parametrize(
    ("setup", "problems"),
    [
        ({}, []),
        ({"final": None}, ["The final report is not written yet."]),
        (
            {"final": "certified"},
            [
                "The final report is not accepted yet: Certified, waiting for the secretariat's decision."
            ],
        ),
        (
            {"statement": None},
            ["1 month the workers held has no statement yet: the partner declares it first."],
        ),
        ({"statement": StatementStatus.REJECTED}, []),
        (
            {"statement": StatementStatus.ACCEPTED},
            ["1 monthly statement is not paid or closed yet."],
        ),
        (
            {"end_all": False, "final": None},
            [
                "The final report is not written yet.",
                "3 months the workers held have no statement yet: the partner declares them "
                "first.",  # December to February, the contracts not ended
                "2 workers of at least 30 days have no certificate yet: end their contracts to issue them.",
            ],
        ),
    ],
)
def test_what_keeps_an_agreement_from_closing(app, side, setup, problems):
    closable(app, side, **setup)
    with app.app_context(), force_locale("en"):
        application = application_of(side)
        assert services.closing_problems(application) == problems
        staff = db.session.get(User, side.staff.id)
        if problems:
            with pytest.raises(services.ReportRefused) as refused:
                services.close(application, by=staff)
            assert refused.value.reason == "not_closable" and refused.value.problems == problems
            assert application.status == Status.AGREEMENT_SIGNED


def test_the_secretariat_closes_an_agreement_once_and_tells_the_organisation(app, side):
    closable(app, side)
    elsewhere_id = create_staff(app, "secretariat", provinces=("Tan-Tan",)).id
    with app.app_context():
        editor, owner, staff = members(side)
        application = application_of(side)
        elsewhere = db.session.get(User, elsewhere_id)
        with pytest.raises(PermissionError):
            services.close(application, by=elsewhere)
        services.close(application, by=staff)
        assert application.status == Status.CLOSED and application.closed_at is not None
        with pytest.raises(services.ReportRefused, match="closed"):
            services.close(application, by=staff)
        with force_locale("fr"):
            assert services.closing_problems(application) == ["La convention est déjà clôturée."]
        told = db.session.scalars(
            select(Notification.user_id).where(
                Notification.event == "agreement_closed",
                Notification.user_id.in_([editor.id, owner.id]),
            )
        ).all()
        assert sorted(told) == sorted([editor.id, owner.id])
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "agreement.closed",
                    AuditEvent.object_id == application.id,
                )
            )
            == 1
        )
        with pytest.raises(services.ReportRefused, match="not_signed"):
            services.open_report(application, 1, by=editor)

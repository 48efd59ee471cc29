"""A signed agreement whose worksite has ended, and its reports in each state."""

import io
from datetime import date, timedelta

from PIL import Image

from portal.applications.models import Application
from portal.auth.models import User
from portal.closeout import services
from portal.closeout.models import FINAL
from portal.extensions import db
from tests.support.statements import workforce

# The workforce of tests/support/statements.py works until 28 February 2027.
DURING = date(2026, 12, 2)
AFTER_END = date(2027, 3, 5)


def declared_workforce(app):
    """The workforce of tests/support/statements.py (June 2026 to February 2027), its
    application declaring nine months from June 2026: three phases."""
    side = workforce(app)
    with app.app_context():
        application = db.session.get(Application, side.application_id)
        application.details = {
            **application.details,
            "planned_start": "2026-06-01",
            "duration_months": "9",
        }
        db.session.commit()
    return side


def on_day(monkeypatch, day: date) -> None:
    """The close-out's services see `day` as today."""
    monkeypatch.setattr("portal.closeout.services.local_date", lambda at=None: day)


def report_in(app, side, phase: int = FINAL, state: str = "draft", **writing) -> int:
    """The side's report of `phase`, opened and written by its editor, then moved to `state`
    (draft, submitted, certified by the owner, accepted or returned by the staff), committed:
    its id."""
    with app.app_context():
        application = db.session.get(Application, side.application_id)
        editor, owner = db.session.get(User, side.editor.id), db.session.get(User, side.owner.id)
        staff = db.session.get(User, side.staff.id)
        report = services.open_report(application, phase, by=editor)
        services.write(
            report,
            progress=writing.get("progress", 100 if phase == FINAL else 40),
            narrative=writing.get("narrative", "أنجزت الأشغال المقررة في هذه المرحلة."),
            language=writing.get("language", "ar"),
            by=editor,
        )
        if state in ("submitted", "certified", "accepted", "returned"):
            services.submit(report, by=editor)
        if state in ("certified", "accepted", "returned"):
            services.certify(report, by=owner)
        if state == "accepted":
            services.accept(report, by=staff)
        if state == "returned":
            services.return_(report, "أضيفوا صور الأشغال.", by=staff)
        db.session.commit()
        return report.id


def photo_bytes(image_format: str = "JPEG", size=(40, 30), exif: bool = True) -> bytes:
    """A small photo, with the EXIF a phone writes (a place and a camera) when asked."""
    image = Image.new("RGB", size, (120, 160, 90))
    out = io.BytesIO()
    extra = {}
    if exif and image_format == "JPEG":
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x0110] = "PhoneModel 7"  # Model
        tags[0x8825] = {1: "N", 2: (29.0, 0.0, 0.0), 3: "W", 4: (10.0, 10.0, 0.0)}  # GPS
        extra["exif"] = tags
    image.save(out, format=image_format, **extra)
    return out.getvalue()


def months_paid(app, side, first: date = date(2026, 6, 1), last: date = date(2026, 11, 1)) -> None:
    """A paid statement of the side for each month from `first` to `last` (the months the
    workforce holds until its contracts end on 30 November), as the paying body's returns
    leave them; committed."""
    from portal.payroll import rules as payroll_rules
    from portal.payroll.models import MonthlyStatement, StatementStatus

    with app.app_context():
        period = first
        while period <= last:
            db.session.add(
                MonthlyStatement(
                    application_id=side.application_id,
                    agreement_id=side.agreement_id,
                    province_id=side.province_id,
                    period=period,
                    due_on=payroll_rules.due_on(period, 10),
                    status=StatementStatus.PAID,
                )
            )
            period = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
        db.session.commit()

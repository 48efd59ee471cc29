"""Field visits on the statements' signed agreement, and phone photos made here with Pillow."""

import io
from datetime import date

from PIL import Image

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.extensions import db
from portal.monitoring import services

# Where the test photos say they were taken: Sidi Ifni, 29.375 N, 10.1667 W.
LATITUDE, LONGITUDE = 29.375, -10.166667
GPS_IFD = 0x8825


def phone_photo(kind: str = "JPEG", *, gps: bool = True, size=(64, 48)) -> bytes:
    """A small photo as a phone makes it: EXIF with a GPS position and an orientation tag."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0112] = 1  # upright
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (29.0, 22.0, 30.0), 3: "W", 4: (10.0, 10.0, 0.0)})
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    """Whether the bytes still carry EXIF GPS tags (or any EXIF at all)."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or bool(dict(exif)) or "exif" in image.info


def planned(app, side, on: date, *, inspector_id: int | None = None) -> int:
    """A visit of the side's agreement planned by its secretariat member, committed: its id."""
    with app.app_context():
        agreement = db.session.get(Agreement, side.agreement_id)
        staff = db.session.get(User, side.staff.id)
        inspector = db.session.get(User, inspector_id) if inspector_id else staff
        visit = services.plan_visit(agreement, on, inspector, by=staff)
        db.session.commit()
        return visit.id

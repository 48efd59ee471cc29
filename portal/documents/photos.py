"""Photos (of a field visit, of a report's work), checked by their content and drawn again
without their metadata.

Pure functions over bytes (Pillow): no Flask, no database. A phone's photo carries EXIF tags,
the place it was taken among them; the copy kept for showing and downloading is the image
alone, turned upright, in its own format, without EXIF, XMP, ICC or text chunks. The place is
read first, for the caller to keep where the edition allows it."""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from portal.documents.inspection import HTML, UploadRefused, check_image

SIGNATURES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
LONGEST_SIDE = 2048  # enough to read a sign on a worksite; a phone's 4000 px are not needed
GPS_IFD = 0x8825
LATITUDE_REF, LATITUDE, LONGITUDE_REF, LONGITUDE = 1, 2, 3, 4


@dataclass(frozen=True)
class Photo:
    data: bytes  # the copy without metadata
    content_type: str
    width: int
    height: int
    latitude: float | None
    longitude: float | None


def photo_type(data: bytes, max_bytes: int, types=tuple(SIGNATURES)) -> str:
    """JPEG, PNG or WebP (those of `types`) by the first bytes, or UploadRefused (too_large,
    empty, type, disguised, image_unreadable, image_too_large)."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large")
    if data.startswith(b"\xff\xd8\xff"):
        content_type = "image/jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = "image/png"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        content_type = "image/webp"
    else:
        raise UploadRefused("type")
    if content_type not in types:
        raise UploadRefused("type")
    if HTML.search(data):
        raise UploadRefused("disguised")
    check_image(data, SIGNATURES[content_type])
    return content_type


def _degrees(values, ref) -> float | None:
    try:
        degrees, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return round(-value if str(ref).upper() in ("S", "W") else value, 6)


def location_of(image: Image.Image) -> tuple[float | None, float | None]:
    """The EXIF GPS latitude and longitude in decimal degrees, or (None, None)."""
    gps = image.getexif().get_ifd(GPS_IFD)
    if LATITUDE not in gps or LONGITUDE not in gps:
        return None, None
    latitude = _degrees(gps[LATITUDE], gps.get(LATITUDE_REF, "N"))
    longitude = _degrees(gps[LONGITUDE], gps.get(LONGITUDE_REF, "E"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def clean_photo(data: bytes, *, max_bytes: int, types=tuple(SIGNATURES)) -> Photo:
    """The photo checked (UploadRefused) and drawn again without any metadata, upright and at
    most LONGEST_SIDE pixels long, with the place it was taken when its tags say it."""
    content_type = photo_type(data, max_bytes, types)
    image_format = SIGNATURES[content_type]
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as source:
            latitude, longitude = location_of(source)
            image = ImageOps.exif_transpose(source)
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            # No exif, icc_profile, xmp nor pnginfo is passed: Pillow writes none.
            image.save(out, format=image_format, quality=85)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise UploadRefused("image_unreadable") from e
    return Photo(out.getvalue(), content_type, image.width, image.height, latitude, longitude)

"""Deciding what an uploaded file is from its content, and refusing active PDFs.

Pure functions: no Flask, no database. The client's file name and type are never trusted.
"""

import io

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# Keys and action types that make a PDF do something when opened.
ACTIVE = {
    "/JavaScript",
    "/JS",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/RichMedia",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/XFA",
}
MAX_OBJECTS = 200_000


class UploadRefused(Exception):
    """`reason` is one of: too_large, empty, type, active_content, unreadable."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def content_type_of(data: bytes) -> str:
    """The type decided by the file's first bytes, or UploadRefused."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > MAX_BYTES:
        raise UploadRefused("too_large")
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            if content_type == "application/pdf":
                check_pdf(data)
            return content_type
    raise UploadRefused("type")


def check_pdf(data: bytes) -> None:
    """Refuse PDFs with JavaScript, launch actions or embedded files, wherever they hide."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRefused("unreadable")
        size = int(reader.trailer.get("/Size", 0))
        if size > MAX_OBJECTS:
            raise UploadRefused("unreadable")
        # Every object by number, including those packed in compressed object streams.
        for number in range(1, size):
            obj = reader.get_object(number)
            if obj is not None and _is_active(obj):
                raise UploadRefused("active_content")
        if _is_active(reader.trailer["/Root"].get_object()):
            raise UploadRefused("active_content")
    except UploadRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise UploadRefused("unreadable") from e


def _is_active(obj) -> bool:
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if key in ACTIVE:
                return True
            if isinstance(value, NameObject) and value in ACTIVE:  # /S /JavaScript, /S /Launch
                return True
            if isinstance(value, (DictionaryObject, ArrayObject)) and _is_active(value):
                return True
    elif isinstance(obj, ArrayObject):
        return any(isinstance(v, (DictionaryObject, ArrayObject)) and _is_active(v) for v in obj)
    return False


def display_name(client_name: str | None, content_type: str, fallback: str) -> str:
    """A name to show people: the last path part, without control characters, short."""
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    stem = name.rpartition(".")[0] if "." in name else name
    stem = stem.strip().strip(".")[:100]
    return f"{stem or fallback}.{EXTENSIONS[content_type]}"

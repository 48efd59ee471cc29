"""Deciding what an uploaded file is from its content, and refusing active or disguised files.

Pure functions: no Flask, no database. The client's file name and type are never trusted.
"""

import io
import re

import pikepdf
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# Keys and action types that make a PDF do something, refused wherever they appear.
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
# Actions a PDF runs by itself (on opening the document, or a page, a field, an annotation: the
# /OpenAction and /AA entries): none may open a link or another file. A link the reader clicks
# (an annotation's /A) stays allowed.
TRIGGERS = {"/OpenAction", "/AA"}
TRIGGERED_REFUSED = ACTIVE | {"/URI", "/GoToR"}
MAX_OBJECTS = 200_000
DAMAGED = (pikepdf.PdfError, pikepdf.PasswordError, ValueError, TypeError, RecursionError)
# The start of a tag a browser sniffing the file would take for HTML (or SVG). Several letters
# each, so that compressed data does not match them by chance.
HTML = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|svg|style|meta|"
    rb"title|table|div|font|img|a\s+href)[\s/>]",
    re.IGNORECASE,
)
# A PDF name token (its #xx escapes decoded before comparing) and an object header.
NAME = re.compile(rb"/([^\s/<>\[\]()%{}\x00]*)")
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
HEADER_BEFORE_OBJ = re.compile(rb"[0-9]+\s+[0-9]+\s+\Z")  # "12 0 " before "obj"


class UploadRefused(Exception):
    """`reason` is one of: too_large, empty, type, disguised, active_content, unreadable,
    image_too_large, image_unreadable."""

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
            if HTML.search(data):
                raise UploadRefused("disguised")
            if content_type == "application/pdf":
                check_pdf(data)
            else:
                check_image(data, IMAGE_FORMATS[content_type])
            return content_type
    raise UploadRefused("type")


def check_image(data: bytes, image_format: str) -> None:
    """Refuse an image Pillow cannot read as `image_format`, or whose declared size is a
    decompression bomb (Pillow's MAX_IMAGE_PIXELS). Only the header is read, never the pixels."""
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            width, height = image.size
    except Image.DecompressionBombError as e:  # past twice the limit
        raise UploadRefused("image_too_large") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise UploadRefused("image_unreadable") from e
    if width * height > Image.MAX_IMAGE_PIXELS:
        raise UploadRefused("image_too_large")


def check_pdf(data: bytes) -> None:
    """Refuse encrypted PDFs and PDFs with JavaScript, launch actions, embedded files or
    automatic actions that open a link or another file, wherever they hide: in compressed object
    streams, and outside the cross-reference table (the bytes are scanned, and the file is read a
    second time from its objects alone, as a reader repairing it would)."""
    _refuse_active_names(data)
    for source in (data, _without_cross_reference(data)):
        try:
            with pikepdf.open(io.BytesIO(source)) as pdf:
                if pdf.is_encrypted:
                    raise UploadRefused("unreadable")
                if int(pdf.trailer.get("/Size", 0)) > MAX_OBJECTS:
                    raise UploadRefused("unreadable")
                _refuse_active_objects(pdf)
        except UploadRefused:
            raise
        except DAMAGED as e:
            raise UploadRefused("unreadable") from e


def _without_cross_reference(data: bytes) -> bytes:
    """The file without its `startxref`, every object header on a line of its own: qpdf then
    rebuilds the table from every object in the bytes, the last definition of each winning."""
    pieces = data.replace(b"startxref", b"startxrex").split(b"obj")
    for at, piece in enumerate(pieces[:-1]):
        header = HEADER_BEFORE_OBJ.search(piece, max(0, len(piece) - 64))
        if header:
            pieces[at] = piece[: header.start()] + b"\n" + piece[header.start() :]
    return b"obj".join(pieces)


def _refuse_active_names(data: bytes) -> None:
    for match in NAME.finditer(data):
        name = match[1]
        if b"#" in name:
            name = ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), name)
        if "/" + name.decode("latin-1") in ACTIVE:
            raise UploadRefused("active_content")


def _refuse_active_objects(pdf: pikepdf.Pdf) -> None:
    """Walk every object, from the table and reachable from the trailer."""
    seen = set()
    pending = [pdf.trailer, *(obj for obj in pdf.objects if obj is not None)]
    while pending:
        obj = pending.pop()
        if not isinstance(obj, pikepdf.Object):
            continue  # numbers, booleans and null come back as Python values
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Name):
            if obj in ACTIVE:  # /S /JavaScript, /S /Launch
                raise UploadRefused("active_content")
        elif isinstance(obj, pikepdf.Array):
            pending.extend(obj)
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            entries = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            for key, value in entries.items():
                if key in ACTIVE:
                    raise UploadRefused("active_content")
                if key in TRIGGERS:
                    _refuse_triggered(key, value)
                pending.append(value)
            if isinstance(obj, pikepdf.Stream) and entries.get("/Type") == "/ObjStm":
                # Objects packed in a stream the table does not list are not parsed: scan them.
                _refuse_active_names(obj.read_bytes())


def _refuse_triggered(key: str, value) -> None:
    """/OpenAction is an action or a destination; /AA maps events to actions; an action's /Next
    chains one action or an array of them."""
    is_dictionary = isinstance(value, pikepdf.Dictionary)
    actions = list(value.values()) if key == "/AA" and is_dictionary else [value]
    seen = set()
    while actions:
        action = actions.pop()
        if not isinstance(action, pikepdf.Dictionary):
            continue  # a destination: a page and a zoom
        if action.is_indirect:
            if action.objgen in seen:
                continue
            seen.add(action.objgen)
        kind = action.get("/S")
        if isinstance(kind, pikepdf.Name) and kind in TRIGGERED_REFUSED:
            raise UploadRefused("active_content")
        following = action.get("/Next")
        if isinstance(following, pikepdf.Array):
            actions.extend(following)
        elif following is not None:
            actions.append(following)


def display_name(client_name: str | None, content_type: str, fallback: str) -> str:
    """A name to show people: the last path part, without control characters, short."""
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    stem = name.rpartition(".")[0] if "." in name else name
    stem = stem.strip().strip(".")[:100]
    return f"{stem or fallback}.{EXTENSIONS[content_type]}"

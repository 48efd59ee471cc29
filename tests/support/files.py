"""Files for upload tests: plain and hostile PDFs and images, an executable."""

import io
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from PIL import Image, PngImagePlugin

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _pdf(pdf: pikepdf.Pdf, **options) -> bytes:
    """The same bytes on every call (a fixed /ID), so that a test can compare a download."""
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True, **options)
    return buffer.getvalue()


def _one_page() -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    return pdf


def plain_pdf() -> bytes:
    return _pdf(_one_page())


def action(kind: str) -> Dictionary:
    """A fresh action dictionary of type `kind` (/URI, /Launch, /GoToR, /JavaScript)."""
    entries = {
        "/URI": {"URI": String("https://attacker.invalid/")},
        "/Launch": {"F": String("cmd.exe")},
        "/GoToR": {"F": String("other.pdf"), "D": Array([0, Name.Fit])},
        "/JavaScript": {"JS": String("app.alert(1)")},
    }[kind]
    return Dictionary(Type=Name.Action, S=Name(kind), **entries)


def open_action_pdf(act: Dictionary) -> bytes:
    """A PDF that runs `act` when it is opened."""
    pdf = _one_page()
    pdf.Root.OpenAction = pdf.make_indirect(act)
    return _pdf(pdf)


def javascript_pdf() -> bytes:
    return open_action_pdf(action("/JavaScript"))


def page_open_pdf(act: Dictionary) -> bytes:
    """A PDF whose page runs `act` when shown (the page's additional actions, /AA /O)."""
    pdf = _one_page()
    pdf.pages[0].AA = Dictionary(O=act)
    return _pdf(pdf)


def chained_pdf(act: Dictionary) -> bytes:
    """An opening action that goes to page 1, then runs `act` (/Next)."""
    pdf = _one_page()
    go_to = Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]), Next=Array([act]))
    pdf.Root.OpenAction = go_to
    return _pdf(pdf)


def link_pdf() -> bytes:
    """What ordinary documents carry: a link the reader clicks, and an opening view."""
    pdf = _one_page()
    page = pdf.pages[0]
    link = Dictionary(
        Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 50, 50]), A=action("/URI")
    )
    page.Annots = Array([pdf.make_indirect(link)])
    pdf.Root.OpenAction = Array([page.obj, Name.Fit])
    return _pdf(pdf)


def hidden_after_eof(body: bytes) -> bytes:
    """A plain PDF followed, after its %%EOF, by objects its cross-reference table does not list
    (an update without its table: readers that repair the file use them)."""
    return plain_pdf() + b"\n" + body + b"\n%%EOF\n"


def catalog_opening(opening: bytes) -> bytes:
    """A replacement for a plain PDF's catalog (object 1, its pages object 2) whose /OpenAction
    is `opening` (an action's `unparse()`, or a reference)."""
    assert b"1 0 obj\n<< /Pages 2 0 R /Type /Catalog >>" in plain_pdf()
    return b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction " + opening + b" >>\nendobj"


def object_stream(number: int, packed: bytes) -> bytes:
    """Object `number`: a compressed object stream holding one object, `packed`, as object 10."""
    data = zlib.compress(b"10 0 " + packed)
    head = f"<< /Type /ObjStm /N 1 /First 5 /Filter /FlateDecode /Length {len(data)} >>"
    return b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj" % (number, head.encode(), data)


def embedded_file_pdf() -> bytes:
    pdf = _one_page()
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ hidden payload")
    return _pdf(pdf)


def in_object_streams(data: bytes) -> bytes:
    """The same PDF rewritten by qpdf with its objects packed in compressed object streams."""
    assert shutil.which("qpdf"), "qpdf is installed by scripts/install-system.sh"
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp, "in.pdf"), Path(tmp, "out.pdf")
        source.write_bytes(data)
        subprocess.run(
            ["qpdf", "--object-streams=generate", "--compress-streams=y", str(source), str(target)],
            check=True,
        )
        return target.read_bytes()


def encrypted_pdf() -> bytes:
    return _pdf(_one_page(), encryption=pikepdf.Encryption(owner="secret", user="secret"))


def image(image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, image_format, **options)
    return buffer.getvalue()


def png_with_text(text: bytes) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text.decode())
    return image("PNG", pnginfo=info)


def declaring(image_format: str, width: int, height: int) -> bytes:
    """A small valid image whose header declares width × height: a decompression bomb, built
    without ever holding those pixels."""
    data = bytearray(image(image_format))
    if image_format == "PNG":  # IHDR is the first chunk: length, type, width, height, …, CRC
        data[16:24] = struct.pack(">II", width, height)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    else:  # JPEG: the baseline frame header (SOF0) holds height then width
        at = data.index(b"\xff\xc0")
        data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


PNG = image("PNG")
JPEG = image("JPEG")
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

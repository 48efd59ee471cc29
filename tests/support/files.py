"""Files for upload tests: plain and hostile PDFs, images, an executable."""

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, TextStringObject


def _pdf(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def plain_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    return _pdf(writer)


def javascript_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _pdf(writer)


def embedded_file_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    stream = DecodedStreamObject()
    stream.set_data(b"MZ hidden payload")
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    writer._add_object(stream)
    return _pdf(writer)


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
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    return _pdf(writer)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

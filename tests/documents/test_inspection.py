"""Uploads are judged by their content: active PDFs are refused wherever the action hides,
files that also carry HTML are refused, and so are images whose size is a decompression bomb."""

import pytest
from PIL import Image

from portal.documents.inspection import UploadRefused, content_type_of, display_name
from tests.support import files
from tests.support.files import action

OPENING_FILES = ("/URI", "/GoToR", "/Launch", "/JavaScript")


def refusal(data: bytes) -> str:
    with pytest.raises(UploadRefused) as refused:
        content_type_of(data)
    return refused.value.reason


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (files.plain_pdf(), "application/pdf"),
        (files.PNG, "image/png"),
        (files.JPEG, "image/jpeg"),
        (files.declaring("JPEG", 5000, 7000), "image/jpeg"),  # an A4 page scanned at 600 dpi
    ],
)
def test_accepted_types_are_decided_by_content(data, expected):
    assert content_type_of(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (files.EXECUTABLE, "type"),
        (b"", "empty"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "too_large"),
        (files.javascript_pdf(), "active_content"),
        (files.embedded_file_pdf(), "active_content"),
        (files.encrypted_pdf(), "unreadable"),
        (b"%PDF-1.7\nthis is not a pdf at all", "unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image_unreadable"),
    ],
)
def test_refusals(data, reason):
    assert refusal(data) == reason


def test_javascript_inside_a_compressed_object_stream_is_found():
    packed = files.in_object_streams(files.javascript_pdf())
    assert b"/JavaScript" not in packed  # invisible to a byte search
    assert refusal(packed) == "active_content"
    assert content_type_of(files.in_object_streams(files.plain_pdf())) == "application/pdf"


@pytest.mark.parametrize("kind", OPENING_FILES)
@pytest.mark.parametrize(
    "build",
    [files.open_action_pdf, files.page_open_pdf, files.chained_pdf],
    ids=["on-opening", "on-showing-a-page", "after-a-go-to"],
)
def test_automatic_actions_that_open_links_or_files_are_refused(build, kind):
    hostile = build(action(kind))
    assert refusal(hostile) == "active_content"
    assert refusal(files.in_object_streams(hostile)) == "active_content"


def test_links_the_reader_clicks_and_an_opening_view_are_accepted():
    # Statutes and certificates saved from a website carry links; word processors set the view.
    for data in (files.link_pdf(), files.in_object_streams(files.link_pdf())):
        assert content_type_of(data) == "application/pdf"


@pytest.mark.parametrize("kind", OPENING_FILES)
def test_a_catalog_redefined_after_the_end_of_file_is_found(kind):
    # The table still points at the plain catalog; a reader repairing the file takes the last one.
    hostile = files.hidden_after_eof(files.catalog_opening(action(kind).unparse()))
    assert refusal(hostile) == "active_content"


def test_objects_outside_the_table_are_found_even_mid_line():
    # The catalog and the action it names share one line with other text, past the table's /Size.
    hidden = files.catalog_opening(b"9 0 R") + b" 9 0 obj " + action("/URI").unparse() + b" endobj"
    assert refusal(files.hidden_after_eof(b"% " + hidden.replace(b"\n", b" "))) == "active_content"


@pytest.mark.parametrize("name", [b"/Launch", b"/L#61unch", b"/J#61vaScript"])
def test_an_active_object_is_found_in_the_bytes_even_when_redefined(name):
    # Readers repairing a file disagree on which of two definitions wins (qpdf keeps the last).
    hostile = b"9 0 obj << /S " + name + b" /F (cmd.exe) >> endobj"  # #61 is "a" to a reader
    harmless = b"9 0 obj << /S /GoTo /D [3 0 R /Fit] >> endobj"
    assert refusal(files.hidden_after_eof(hostile + b"\n" + harmless)) == "active_content"


def test_an_object_stream_the_table_does_not_list_is_read():
    hidden = files.object_stream(9, action("/Launch").unparse())
    assert b"/Launch" not in hidden  # compressed
    assert refusal(files.hidden_after_eof(hidden)) == "active_content"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + files.HTML,
        b"\xff\xd8\xff\xe0" + files.HTML,
        b"%PDF-1.7\n" + files.HTML,
        files.plain_pdf().replace(b"\n", b"\n%" + files.HTML + b"\n", 1),  # a PDF comment
        files.png_with_text(files.HTML),  # a PNG text chunk
        files.image("JPEG", comment=files.HTML),  # a JPEG comment
        b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>",
        b"%PDF-1.4\n<!DOCTYPE html><p>x",
    ],
    ids=[
        "png-head",
        "jpeg-head",
        "pdf-head",
        "pdf-comment",
        "png-text",
        "jpeg-comment",
        "svg",
        "doctype",
    ],
)
def test_files_that_also_carry_html_are_refused(data):
    assert refusal(data) == "disguised"


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_images_declaring_a_decompression_bomb_are_refused_from_their_header(image_format):
    bomb = files.declaring(image_format, 20000, 20000)
    assert len(bomb) < 2000  # the pixels are never there, nor decoded
    assert refusal(bomb) == "image_too_large"
    # Between Pillow's limit and twice it, Pillow only warns: still refused.
    with pytest.warns(Image.DecompressionBombWarning):
        assert refusal(files.declaring(image_format, 10000, 10000)) == "image_too_large"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\Users\\a\\statuts.PDF", "statuts.pdf"),
        ("..\u202e.pdf", "statuts.pdf"),
        (None, "statuts.pdf"),
        ("قانون أساسي.pdf", "قانون أساسي.pdf"),
    ],
)
def test_the_clients_name_is_only_shown_never_a_path(name, shown):
    assert display_name(name, "application/pdf", "statuts") == shown

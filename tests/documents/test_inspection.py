"""Uploads are judged by their content; active PDFs are refused wherever the action hides."""

import pytest

from portal.documents.inspection import UploadRefused, content_type_of, display_name
from tests.support import files


@pytest.mark.parametrize(
    ("data", "expected"),
    [(files.plain_pdf(), "application/pdf"), (files.PNG, "image/png"), (files.JPEG, "image/jpeg")],
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
    ],
)
def test_refusals(data, reason):
    with pytest.raises(UploadRefused) as refusal:
        content_type_of(data)
    assert refusal.value.reason == reason


def test_javascript_inside_a_compressed_object_stream_is_found():
    packed = files.in_object_streams(files.javascript_pdf())
    assert b"/JavaScript" not in packed  # invisible to a byte search
    with pytest.raises(UploadRefused) as refusal:
        content_type_of(packed)
    assert refusal.value.reason == "active_content"
    assert content_type_of(files.in_object_streams(files.plain_pdf())) == "application/pdf"


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

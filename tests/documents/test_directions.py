"""Values typed by people keep their order and their brackets in both halves of an agreement,
read back from WeasyPrint's PDF.

pdftotext's plain output is no judge of order: it keeps runs of digits and Latin letters inside
Arabic in their visual order and writes the brackets of those runs as drawn. So each value is
looked for where it is drawn: the words of each line left to right (`pdftotext -bbox-layout`)
must hold the value as a right-to-left paragraph lays it out (Arabic letters and brackets
reversed one by one, runs of Latin letters and digits kept whole) when it starts with an Arabic
letter, and as typed otherwise. A value in the wrong direction ("1 رقم (RN1)"), or a bracket
whose glyph stands for the wrong character in the text layer, is not found. The template's own
text with brackets is read with plain pdftotext, where it is in logical order."""

import re
import subprocess
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.extensions import db
from portal.i18n import direction_of
from portal.storage import get
from tests.support.agreements import approve_in_session, submitted

XHTML = "{http://www.w3.org/1999/xhtml}"
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Kept whole right to left: a run of Latin letters and digits (with the spaces, dots, dashes
# and slashes between them), as the bidi algorithm keeps it at an even level.
LTR_RUN = re.compile(r"[A-Za-z0-9À-ÿ]+(?:[ ./-]+[A-Za-z0-9À-ÿ]+)*")

ORGANISATION = {
    "name_ar": "جمعية النور 2 (فرع كلميم)",
    "name_fr": "Association Ennour (AEN) n° 2",
    "address": "حي السلام رقم 1 (RN1)",
    "legal_representative": "Hassan Ouali",
}
WORKSITE = {"title": "تهيئة المسلك رقم 7 (RP 1301)", "location": "الطريق الجهوية 104"}
POSTS = {"posts-0-title": "سائق شاحنة (C)", "posts-1-title": "Technicien (BTP) niveau 2"}


def drawn(value: str) -> str:
    """`value` as its words are drawn left to right: reversed unit by unit in a right-to-left
    value (a run of Latin letters and digits is one unit), as typed in a left-to-right one."""
    if direction_of(value) == "ltr":
        return value
    units, position = [], 0
    for run in LTR_RUN.finditer(value):
        units += [*value[position : run.start()], run.group()]
        position = run.end()
    units += list(value[position:])
    return "".join(reversed(units))


def lines(path, first: int, last: int) -> list[str]:
    """The words of each line of pages `first` to `last`, left to right, one space apart."""
    layout = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(first), "-l", str(last), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    root = ElementTree.fromstring(layout)
    found = []
    for line in root.iter(f"{XHTML}line"):
        words = sorted(line.iter(f"{XHTML}word"), key=lambda word: float(word.get("xMin")))
        found.append(" ".join(BIDI.sub("", word.text or "") for word in words))
    return found


def plain_text(path, first: int, last: int) -> str:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", str(first), "-l", str(last), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return " ".join(BIDI.sub("", text).split())


def halves(path) -> tuple[tuple[int, int], tuple[int, int]]:
    """The pages of the Arabic half and of the French half, by the header of each page."""
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))
    arabic = [n for n in range(1, pages + 1) if "الاتفاقية" in plain_text(path, n, n)[:40]]
    return (1, max(arabic)), (max(arabic) + 1, pages)


def rendered(app, tmp_path, component: int, **changes):
    application_id, *_ = submitted(app, component, **changes, **ORGANISATION)
    approve_in_session(app, [application_id])
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        path = tmp_path / f"agreement-c{component}.pdf"
        path.write_bytes(get(agreement.pdf_sha256))
    return path


def assert_drawn_in_order(path, pages, values):
    text = "\n".join(lines(path, *pages))
    for value in values:
        assert drawn(value) in text, (value, drawn(value))


def test_drawn_is_the_layout_of_each_direction():
    assert drawn("الطريق الجهوية 104") == "104 ةيوهجلا قيرطلا"
    assert drawn("رقم 1 (RN1)") == ")RN1( 1 مقر"
    assert drawn("Route (RN1) n° 2") == "Route (RN1) n° 2"


@pytest.mark.parametrize(
    ("component", "changes", "values"),
    [
        (1, {"worksite": WORKSITE}, [*ORGANISATION.values(), *WORKSITE.values()]),
        (2, {"posts": POSTS}, [*ORGANISATION.values(), *POSTS.values()]),
    ],
)
def test_each_value_keeps_its_order_and_brackets_in_both_halves(
    app, tmp_path, component, changes, values
):
    path = rendered(app, tmp_path, component, **changes)
    arabic, french = halves(path)
    assert_drawn_in_order(path, arabic, values)
    assert_drawn_in_order(path, french, values)


def test_the_templates_brackets_read_right_in_both_halves(app, tmp_path):
    path = rendered(app, tmp_path, 1)
    arabic, french = halves(path)
    french_text = plain_text(path, *french)
    for expected in ("(CNSS)", "« l'Administration »", "« le Partenaire »", "Awrach 1 (2022)"):
        assert expected in french_text, expected
    assert ")CNSS(" not in french_text and "»" not in french_text.split("«")[0]
    arabic_text = plain_text(path, *arabic)
    for expected in ("(ويشار إليهم فيما يلي بـ«الإدارة»)", "(ويشار إليه فيما يلي بـ«الشريك»)"):
        assert expected in arabic_text, expected

"""Catalogs are complete in Arabic and French; dates, times and amounts are formatted once."""

import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import date_filter, datetime_filter, mad_filter

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """The messages of the source as it is now, extracted afresh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            PYBABEL,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "N_",
            "-o",
            str(pot),
            "portal",
            "tasks",
            "templates",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    assert len(messages) > 50, "extraction found too few messages: check babel.cfg"
    return messages


@pytest.mark.parametrize(("lang", "plurals"), [("ar", 6), ("fr", 2)])
def test_every_message_is_translated(source_messages, lang, plurals):
    with open(ROOT / f"translations/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale=lang)
    assert catalog.num_plurals == plurals
    problems = []
    for message in source_messages:
        translated = catalog.get(message.id)
        if translated is None or translated.fuzzy:
            problems.append(f"missing or fuzzy: {message.id!r}")
            continue
        strings = (
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        )
        if (isinstance(message.id, tuple) and len(strings) != plurals) or not all(strings):
            problems.append(f"untranslated form: {message.id!r}")
    problems += [f"{m.id!r}: {errors}" for m, errors in catalog.check() if errors]
    assert problems == []


def test_dates_times_and_amounts(app):
    with app.test_request_context(headers={"Cookie": "lang=ar"}):
        assert date_filter(date(2026, 3, 5)) == "05/03/2026"
        # Stored in UTC, shown in Africa/Casablanca (UTC+1 outside Ramadan).
        assert datetime_filter(datetime(2026, 6, 15, 23, 30)) == "16/06/2026 00:30"
        assert mad_filter(Decimal("1234567.5")) == "1,234,567.50 درهم"  # Western digits
        assert mad_filter(None) == ""
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert date_filter(datetime(2026, 12, 31, 12)) == "31/12/2026"
        assert mad_filter(27000).replace("\u202f", " ").replace("\xa0", " ") == "27 000,00 MAD"

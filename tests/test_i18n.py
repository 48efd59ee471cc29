"""Catalogs are complete in Arabic and French; dates, times and amounts are formatted once;
counts agree with their nouns; French typography; left-to-right values are isolated."""

import re
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale, ngettext

from portal.applications.presenters import present_report
from portal.eligibility.rules import POSTS_WITHIN_CAP
from portal.i18n import isolate, number, show_date, show_datetime, show_mad

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
            "-k",
            "N_plural:1,2",
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
        assert show_date(date(2026, 3, 5)) == "05/03/2026"
        # Stored in UTC, shown in Africa/Casablanca (UTC+1 outside Ramadan).
        assert show_datetime(datetime(2026, 6, 15, 23, 30)) == "16/06/2026 00:30"
        assert show_mad(None) == ""
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert show_date(datetime(2026, 12, 31, 12)) == "31/12/2026"


def test_amounts_are_written_as_in_morocco_in_each_language(app):
    """One rule a language, from CLDR (ar_MA, fr_MA): a dot between thousands and a decimal
    comma in Arabic, a narrow no-break space and a decimal comma in French; Western digits."""
    with app.test_request_context(headers={"Cookie": "lang=ar"}):
        assert show_mad(Decimal("2970.05")) == "2.970,05 درهم"
        assert show_mad(Decimal("1234567.5")) == "1.234.567,50 درهم"
        assert number(3800) == "3.800"
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert show_mad(Decimal("2970.05")) == "2\u202f970,05 MAD"
        assert show_mad(27000) == "27\u202f000,00 MAD"
        assert number(3800) == "3\u202f800"


def test_filters_isolate_left_to_right_values(app):
    """In HTML an LTR <bdi>; in Arabic plain text LRI…PDI; the currency stays outside."""
    page = (
        "{{ number | ltr }} · {{ day | date }} · {{ moment | datetime }} · {{ amount | mad }}"
        " · {{ '' | ltr }}"
    )
    values = {
        "number": "+212612345678",
        "day": date(2026, 12, 1),
        "moment": datetime(2026, 6, 1, 9, 30),
        "amount": Decimal("2970.05"),
    }
    with app.test_request_context(headers={"Cookie": "lang=ar"}):
        html = render_template_string(page, **values)
        assert html == (
            '<bdi dir="ltr">+212612345678</bdi> · <bdi dir="ltr">01/12/2026</bdi> · '
            '<bdi dir="ltr">01/06/2026 10:30</bdi> · <bdi dir="ltr">2.970,05</bdi> درهم · '
        )
        # A text email is rendered without autoescaping.
        plain = render_template_string(
            "{% autoescape false %}" + page + "{% endautoescape %}", **values
        )
        assert plain == (
            "\u2066+212612345678\u2069 · \u206601/12/2026\u2069 · \u206601/06/2026 10:30\u2069"
            " · \u20662.970,05\u2069 درهم · "
        )
        # Escaped like any value, and where no tag may go (a <title>) kept as LRI…PDI.
        assert render_template_string("{{ '<b>' | ltr }}") == '<bdi dir="ltr">&lt;b&gt;</bdi>'
        title = "{% filter as_text %}{{ 'GON-1' | ltr }} {{ name }}{% endfilter %}"
        rendered = render_template_string(title, name="</title><script>")
        assert rendered == "\u2066GON-1\u2069 &lt;/title&gt;&lt;script&gt;"
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert isolate("GON-2026-C1-00001") == "GON-2026-C1-00001"  # French text reads LTR


# Arabic plural forms, as the catalog's Plural-Forms header numbers them: 0, 1, 2, 3–10,
# 100–102 (a singular after hundreds), 11–99 (an accusative singular).
COUNTS = (0, 1, 2, 3, 11, 12, 24, 100, 101)


def _ar(app, render) -> dict[int, str]:
    with app.test_request_context(), force_locale("ar"):
        return {n: render(n) for n in COUNTS}


def test_arabic_counts_agree_with_their_noun(app):
    months = _ar(
        app,
        lambda n: ngettext(
            "%(months)s month, between %(min)s and %(max)s.",
            "%(months)s months, between %(min)s and %(max)s.",
            n,
            months=n,
            min=1,
            max=200,
        ).split("،")[0],
    )
    assert months == {
        0: "0 شهر",
        1: "شهر واحد",
        2: "شهران",
        3: "3 أشهر",
        11: "11 شهرا",
        12: "12 شهرا",
        24: "24 شهرا",
        100: "100 شهر",
        101: "101 شهر",
    }
    # A rule's message through the report presenter: the report keeps the plural id.
    posts = _ar(
        app,
        lambda n: present_report(
            {
                "outcome": "pass",
                "results": [
                    {
                        "rule": "C2-CAP-EMPLOYER",
                        "outcome": "pass",
                        "values": {"posts": n, "cap": 200},
                        "message": POSTS_WITHIN_CAP,
                    }
                ],
            },
            {"call": {}},
        )["lines"][0]["message"].split("،")[0],
    )
    assert posts == {
        0: "0 منصب",
        1: "منصب واحد",
        2: "منصبان",
        3: "3 مناصب",
        11: "11 منصبا",
        12: "12 منصبا",
        24: "24 منصبا",
        100: "100 منصب",
        101: "101 منصب",
    }
    # A template's ngettext: the jobs granted in the committee's email.
    jobs = _ar(
        app,
        lambda n: render_template_string(
            "{{ ngettext('The committee approved the application with %(num)s job. The "
            "partnership agreement will follow.', 'The committee approved the application with "
            "%(num)s jobs. The partnership agreement will follow.', n) }}",
            n=n,
        ).split(".")[0],
    )
    assert jobs[1] == "وافقت اللجنة على الطلب بمنصب واحد"
    assert jobs[2] == "وافقت اللجنة على الطلب بمنصبين"
    assert jobs[3] == "وافقت اللجنة على الطلب بـ 3 مناصب"
    assert jobs[24] == "وافقت اللجنة على الطلب بـ 24 منصبا"
    assert jobs[101] == "وافقت اللجنة على الطلب بـ 101 منصب"
    with app.test_request_context(), force_locale("fr"):
        french = [
            ngettext("%(num)s month", "%(num)s months", n)
            + " · "
            + ngettext(
                "%(posts)s post, within the limit of %(cap)s per employer.",
                "%(posts)s posts, within the limit of %(cap)s per employer.",
                n,
                posts=n,
                cap=20,
            ).split(",")[0]
            for n in (0, 1, 2)
        ]
    assert french == ["0 mois · 0 poste", "1 mois · 1 poste", "2 mois · 2 postes"]


def test_no_count_meets_a_noun_outside_a_plural(source_messages):
    """A message with a number placeholder right before an English noun needs ngettext."""
    nouns = r"(?:months?|jobs?|posts?|workers?|hires?|agreements?|applications?|days?|digits?)"
    counted = re.compile(r"%\((\w+)\)[sd] " + nouns + r"\b")
    singular_only = [
        m.id for m in source_messages if isinstance(m.id, str) and counted.search(m.id)
    ]
    assert singular_only == []


# French typography: a no-break space before ":" and inside « », a narrow one before ; ? !
NBSP, NNBSP = "\u00a0", "\u202f"
URL = re.compile(r"https?://\S+")


def french_typography_problems(text: str) -> list[str]:
    text = URL.sub("", text)
    problems = []
    for match in re.finditer(r"[:;?!«»]", text):
        sign, before = match.group(), text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        if sign == ":" and before.isdigit() and after.isdigit():
            continue  # a time, 10:30
        wanted = {":": NBSP, "»": NBSP, "«": None}.get(sign, NNBSP)
        if sign == "«" and after != NBSP:
            problems.append(f"«{after!r}")
        elif wanted and before != wanted:
            problems.append(f"{before!r}{sign}")
    return problems


def test_french_typography():
    assert french_typography_problems("Motif : %(reason)s ; « x » ? 10:30 http://a/b?c") == [
        "' ':",
        "' ';",
        "«' '",
        "' '»",
        "' '?",
    ]
    assert french_typography_problems(f"Motif{NBSP}: «{NBSP}x{NBSP}»{NNBSP}?") == []
    with open(ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="fr")
    problems = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        problems += [(s, p) for s in strings if message.id for p in french_typography_problems(s)]
    assert problems == []


def test_a_time_typed_in_morocco_comes_back_as_typed_whatever_the_season(app):
    """The times people type and the times pages show go through one time-zone database."""
    from datetime import datetime

    from flask_babel import format_datetime

    from portal.timeutil import local_to_utc

    with app.test_request_context():
        for month in range(1, 13):
            typed = datetime(2026, month, 15, 9, 30)
            shown = format_datetime(local_to_utc(typed), "dd/MM/yyyy HH:mm")
            assert shown == typed.strftime("%d/%m/%Y %H:%M"), month

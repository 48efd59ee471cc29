"""Languages (Arabic by default, French), the language cookie and the display filters.

Values that always read left to right — application and agreement numbers, dates and times,
amounts, phone numbers, ICE, RIB, email addresses — are shown as left-to-right isolates, so
that the Arabic around them never reorders their parts ("+212612345678" would otherwise show
its plus sign at the far end): `<bdi dir="ltr">` in HTML, and in Arabic plain text (text
emails and their subjects) the Unicode isolates LRI … PDI. The `date`, `datetime` and `mad`
filters do it themselves, `ltr` does it for any other such value. Text whose direction is not
known in advance (names, file names, reasons) goes in a plain `<bdi>` instead.
"""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, get_locale, gettext
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

LANGUAGE_COOKIE = "lang"
# Figures as Morocco writes them, from CLDR through Babel: "2.970,05" in Arabic (ar_MA), "2 970,05"
# in French (fr_MA, a narrow no-break space between thousands); Western digits in both.
NUMBER_LOCALES = {"ar": "ar_MA", "fr": "fr_MA"}
LRI, PDI = "\u2066", "\u2069"  # LEFT-TO-RIGHT ISOLATE, POP DIRECTIONAL ISOLATE
LTR_HTML = Markup('<bdi dir="ltr">{}</bdi>')
_LTR_ELEMENT = re.compile(r'<bdi dir="ltr">(.*?)</bdi>', re.S)


def select_locale() -> str:
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return current_user.locale
    choice = request.cookies.get(LANGUAGE_COOKIE)
    return choice if choice in current_app.config["LANGUAGES"] else "ar"


def current_language() -> str:
    return str(get_locale() or "ar")


def text_direction() -> str:
    return "rtl" if current_language() == "ar" else "ltr"


def localized(obj, field: str = "name") -> str:
    """The Arabic or French value of a bilingual pair (`name_ar` / `name_fr`), on a row or a
    dict (the frozen content of a document of record)."""
    key = f"{field}_{current_language()}"
    return obj.get(key, "") if isinstance(obj, dict) else getattr(obj, key)


def show_date(value: date | datetime | None) -> str:
    return "" if value is None else format_date(value, "dd/MM/yyyy")


def show_month(value: date | None) -> str:
    """A month (any of its days) by its name and year: "novembre 2026", "نوفمبر 2026"."""
    return "" if value is None else format_date(value, "LLLL y")


def show_datetime(value: datetime | None) -> str:
    """A UTC timestamp shown in Africa/Casablanca time."""
    return "" if value is None else format_datetime(value, "dd/MM/yyyy HH:mm")


def number(value, pattern: str = "#,##0") -> str:
    """A number (an amount, a count) in the reader's language as Morocco writes it
    (NUMBER_LOCALES); as typed when it cannot be formatted. The one rule for every figure."""
    try:
        return format_decimal(value, format=pattern, locale=NUMBER_LOCALES[current_language()])
    except (InvalidOperation, OverflowError, ValueError, TypeError):
        return str(value)


def show_mad(amount: Decimal | int | float | None) -> str:
    """An amount in dirhams as plain text ("1.500,00 درهم", "1 500,00 MAD")."""
    if amount is None:
        return ""
    return gettext("%(amount)s MAD", amount=number(amount, "#,##0.00"))


def isolate(value) -> str:
    """`value` as a left-to-right run of plain text: between LRI and PDI in Arabic.

    For text that is not HTML, or not yet (a flashed message, an email's subject)."""
    text = "" if value is None else str(value)
    if not text or current_language() != "ar":
        return text
    return f"{LRI}{text}{PDI}"


def as_text(html) -> Markup:
    """HTML without its tags, for where no tag may go (a page's <title>), LTR isolates kept as
    LRI…PDI; escaped again, since a filter block's result is written as it is."""
    source = _LTR_ELEMENT.sub(lambda m: isolate(m.group(1)), str(escape(html)))
    return escape(Markup(source).striptags())  # noqa: S704 (escaped above: a plain string is text)


@pass_eval_context
def ltr_filter(context, value):
    """`value` isolated as a left-to-right run: `<bdi dir="ltr">` in HTML, LRI…PDI in text."""
    if value is None or value == "":
        return ""
    return LTR_HTML.format(value) if context.autoescape else isolate(value)


@pass_eval_context
def date_filter(context, value):
    return ltr_filter(context, show_date(value))


@pass_eval_context
def month_filter(context, value):
    """The month's name with its year kept as a left-to-right run in Arabic."""
    if value is None:
        return ""
    name, _space, year = show_month(value).rpartition(" ")
    return (
        Markup("{} {}").format(name, ltr_filter(context, year))
        if context.autoescape
        else (f"{name} {isolate(year)}")
    )


@pass_eval_context
def datetime_filter(context, value):
    return ltr_filter(context, show_datetime(value))


@pass_eval_context
def mad_filter(context, amount):
    """The figures isolated, the currency outside them: "2.970,05 درهم" keeps its order."""
    if amount is None:
        return ""
    figures = ltr_filter(context, number(amount, "#,##0.00"))
    if context.autoescape:
        return escape(gettext("%(amount)s MAD")) % {"amount": figures}
    return gettext("%(amount)s MAD", amount=figures)


def direction_of(value) -> str:
    """The direction of a value typed by someone: that of its first strong letter (Arabic:
    right to left, Latin: left to right); left to right when it has none (digits, signs)."""
    for char in str(value):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


@pass_eval_context
def directed_filter(context, value):
    """`value` in an element of its own direction, for documents of record: WeasyPrint ignores
    `<bdi>` and `dir="auto"`, so a value typed by someone ("الطريق الجهوية 104", "Route (RN1)")
    keeps its order and its brackets in the other language's half only with an explicit `dir`;
    Arabic is marked as such. In text, the value as it is."""
    if value is None or value == "":
        return ""
    if not context.autoescape:
        return str(value)
    if direction_of(value) == "rtl":
        return Markup('<span dir="rtl" lang="ar">{}</span>').format(value)
    return Markup('<span dir="ltr">{}</span>').format(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_filter(month_filter, "month")
    app.add_template_filter(mad_filter, "mad")
    app.add_template_filter(ltr_filter, "ltr")
    app.add_template_filter(directed_filter, "directed")
    app.add_template_filter(as_text, "as_text")
    app.add_template_filter(localized, "localized")
    app.add_template_global(current_language)
    app.add_template_global(text_direction)

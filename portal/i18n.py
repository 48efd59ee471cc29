"""Languages (Arabic by default, French), the language cookie and the display filters."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext

LANGUAGE_COOKIE = "lang"


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


def date_filter(value: date | datetime | None) -> str:
    return "" if value is None else format_date(value, "dd/MM/yyyy")


def datetime_filter(value: datetime | None) -> str:
    """A UTC timestamp shown in Africa/Casablanca time."""
    return "" if value is None else format_datetime(value, "dd/MM/yyyy HH:mm")


def number(value, pattern: str = "#,##0") -> str:
    """A number in the reader's locale (Western digits); as typed when it cannot be formatted."""
    try:
        return format_decimal(value, format=pattern)
    except (InvalidOperation, OverflowError, ValueError, TypeError):
        return str(value)


def mad_filter(amount: Decimal | int | float | None) -> str:
    if amount is None:
        return ""
    return gettext("%(amount)s MAD", amount=number(amount, "#,##0.00"))


def init_app(app: Flask) -> None:
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_filter(mad_filter, "mad")
    app.add_template_filter(localized, "localized")
    app.add_template_global(current_language)
    app.add_template_global(text_direction)

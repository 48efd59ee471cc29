"""Integers the database can hold: the bound on every number read from a URL, a query string
or a form, so that a number too large is a 404 or a form error, never a database error."""

from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

# Every id and count column is an INTEGER: PostgreSQL's ends here (SQLite's at 2**63 - 1).
MAX_INTEGER = 2**31 - 1
MIN_INTEGER = -(2**31)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` within the database's INTEGER: a larger id matches no route."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


def db_int(value) -> int:
    """The `type=` of `request.args.get`, `.form.get` and `.getlist`: a number the database can
    hold, else ValueError (so `get` gives its default and `getlist` leaves the value out)."""
    number = int(value)
    if not MIN_INTEGER <= number <= MAX_INTEGER:
        raise ValueError(f"{value!r} is past the database's INTEGER")
    return number


def page_arg(args: MultiDict) -> int:
    """`?page=` clamped to the pages there can be: a page past the last is empty, not an error."""
    return min(max(args.get("page", 1, type=int), 1), MAX_INTEGER)


def init_app(app: Flask) -> None:
    """Before any route is added: every `<int:...>` of the portal is bounded."""
    app.url_map.converters["int"] = BoundedIntegerConverter

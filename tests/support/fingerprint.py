"""A fingerprint of the whole database, to show that a request changed nothing in it.

Every table the database holds (read from the database itself, so a new table is in it the
day it is made, the migrations' own `alembic_version` too): its number of rows and a hash of
all its rows in primary-key order. No table or column is left out: the portal writes nothing
on a request by itself (the rate limits live in Redis, the idle time in the signed session
cookie), which `tests/auth/test_write_access.py` checks before it relies on it.
"""

import hashlib

from sqlalchemy import LargeBinary, MetaData, func, literal, select, text, union_all
from sqlalchemy.sql import column as sql_column

from portal.extensions import db

_TABLES: dict[str, MetaData] = {}


def _tables(engine) -> list:
    key = str(engine.url)
    if key not in _TABLES:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        _TABLES[key] = metadata
    return sorted(_TABLES[key].tables.values(), key=lambda t: t.name)


def fingerprint(app) -> dict[str, tuple[int, str]]:
    """{table: (rows, hash of the rows)}; equal fingerprints mean equal contents."""
    with app.app_context():
        engine = db.engine
        tables = _tables(engine)
        connection = db.session.connection()  # the test's own transaction, where it has one
        if engine.dialect.name == "postgresql":
            return _in_postgresql(connection, tables)
        return _in_python(connection, tables)


def _in_postgresql(connection, tables) -> dict[str, tuple[int, str]]:
    """One statement: PostgreSQL hashes each row's text, then the rows in key order (a file's
    bytes are hashed as they are, not spelt out in hexadecimal first: ten times faster)."""
    parts = []
    for table in tables:
        values = ", ".join(
            f'md5(t."{c.name}")' if isinstance(c.type, LargeBinary) else f't."{c.name}"'
            for c in table.columns
        )
        order = ", ".join(f't."{c.name}"' for c in table.primary_key.columns) or "1"
        parts.append(
            select(
                literal(table.name).label("name"),
                func.count().label("rows"),
                text(
                    f"md5(coalesce(string_agg(md5(row({values})::text), '' ORDER BY {order}), ''))"
                ),
            ).select_from(table.alias("t"))
        )
    rows = connection.execute(union_all(*parts)).all()
    return {name: (count, digest) for name, count, digest in rows}


def _in_python(connection, tables) -> dict[str, tuple[int, str]]:
    result = {}
    for table in tables:
        order = list(table.primary_key.columns) or [sql_column(c.name) for c in table.columns]
        digest, count = hashlib.sha256(), 0
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
            count += 1
        result[table.name] = (count, digest.hexdigest())
    return result


def changes(before: dict, after: dict) -> dict[str, tuple]:
    """The tables whose rows differ: {table: ((rows before, rows after))}."""
    return {
        name: (before.get(name, (0, ""))[0], after.get(name, (0, ""))[0])
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }

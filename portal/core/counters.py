"""Gapless numbers (applications, agreements): one row per series, locked while a number is
taken, in the transaction that uses it."""

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Counter(db.Model):
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(key: str) -> int:
    """The next number of the series `key`, in one statement (an upsert adding one), which
    leaves the counter row locked until the commit: a rolled-back transaction gives its number
    back, so there are no gaps; a second transaction waits for the first to end."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Counter).values(key=key, value=1)
    return db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": Counter.value + 1}
        ).returning(Counter.value)
    ).scalar_one()

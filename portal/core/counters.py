"""Gapless numbers (applications, agreements): one row per series, locked while a number is
taken, in the transaction that uses it."""

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Counter(db.Model):
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(key: str) -> int:
    """The next number of the series `key`, from its counter row locked until the commit: a
    rolled-back transaction gives its number back, so there are no gaps."""
    if db.session.get(Counter, key) is None:
        try:
            with db.session.begin_nested():  # two first numbers may race to create the row
                db.session.add(Counter(key=key, value=0))
        except IntegrityError:
            pass
    counter = db.session.scalar(select(Counter).filter_by(key=key).with_for_update())
    counter.value += 1
    return counter.value

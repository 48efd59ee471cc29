"""The baseline of bench/pages.py: a bare Flask + Flask-SQLAlchemy "fortunes" page.

Twelve rows read through the ORM from a small table of the benchmark's database, one more
added at request time, sorted, and rendered escaped by a Jinja template. Served by gunicorn
with the same settings as the portal:  gunicorn -w 2 'bench.fortunes:create_app()'  (DATABASE_URL set).
"""

import os

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TABLE = "bench_fortune"
MESSAGES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
]
TEMPLATE = """<!doctype html>
<html><head><title>Fortunes</title></head><body>
<table><tr><th>id</th><th>message</th></tr>
{% for fortune in fortunes %}<tr><td>{{ fortune.id }}</td><td>{{ fortune.message }}</td></tr>
{% endfor %}</table></body></html>"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Fortune(db.Model):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


def create_table(database_url: str) -> None:
    """The table and its 12 rows, in the benchmark's database."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            Fortune.__table__.create(connection)
            connection.execute(
                Fortune.__table__.insert(),
                [{"id": i, "message": m} for i, m in enumerate(MESSAGES, start=1)],
            )
    finally:
        engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"fortunes.html": TEMPLATE})  # compiled once, then cached
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)

    @app.get("/fortunes")
    def fortunes():
        rows = list(db.session.scalars(select(Fortune)))
        rows.append(Fortune(id=0, message="Additional fortune added at request time."))
        rows.sort(key=lambda fortune: fortune.message)
        return render_template("fortunes.html", fortunes=rows)

    return app

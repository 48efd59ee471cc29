"""Counting the SQL statements a request runs, to catch a query per row (N+1)."""

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def count_queries(app):
    """{"n": the number of statements, "sql": their text} of what runs inside the block."""
    counter = {"n": 0, "sql": []}

    def count(_connection, _cursor, statement, *_args, **_kwargs):
        if not statement.startswith(TRANSACTION_CONTROL):  # the test's savepoints
            counter["n"] += 1
            counter["sql"].append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page_statements(app, client, path: str) -> int:
    """The statements a page runs the second time it is opened (the first warms the caches)."""
    client.get(path)
    with count_queries(app) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return queries["n"]

"""Counting the SQL statements a request runs, to catch a query per row (N+1)."""

import threading
from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def count_queries(app):
    """{"n": the number of statements, "sql": their text} of what runs inside the block, on
    the test's thread (the test client's requests run on it; a live server or a worker thread
    of an earlier test may share the engine)."""
    counter = {"n": 0, "sql": []}
    thread = threading.get_ident()

    def count(_connection, _cursor, statement, *_args, **_kwargs):
        if threading.get_ident() != thread:
            return
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

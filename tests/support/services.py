"""The PostgreSQL server and Redis the run was given (`make test` gives both, or throwaway ones).

A run spread over processes (pytest-xdist: `make test` runs two) gives each its own database
(tests/conftest.py names it after the process) and its own Redis database, so that the real
workers one process starts never take the tasks of another's.
"""

import os
from urllib.parse import urlsplit, urlunsplit

SERVER_DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _own_redis(url: str, worker: str | None) -> str:
    """`url` on database 1 + n for the run's process gw<n>; unchanged outside such a run."""
    if not url.startswith("redis://") or not worker or not worker.startswith("gw"):
        return url
    return urlunsplit(urlsplit(url)._replace(path=f"/{1 + int(worker[2:])}"))


REDIS_URL = _own_redis(os.environ.get("REDIS_URL", ""), os.environ.get("PYTEST_XDIST_WORKER"))
if REDIS_URL:
    os.environ["REDIS_URL"] = REDIS_URL  # what the apps and the processes they start read

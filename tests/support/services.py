"""The PostgreSQL server and Redis the run was given (`make test` gives both, or throwaway ones)."""

import os

SERVER_DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

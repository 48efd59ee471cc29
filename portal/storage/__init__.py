"""Files behind one small interface, content-addressed by sha256 (database backend).

Kept in the database so that web and worker hosts share them and `pg_dump` backs them up;
another backend (object storage) can implement the same functions when a deployment needs it.
"""

from portal.storage.services import discard_unreferenced, get, put, send

__all__ = ["discard_unreferenced", "get", "put", "send"]

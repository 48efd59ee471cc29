import hashlib
import io
from collections.abc import Iterable

from flask import Response, send_file
from sqlalchemy import delete, exists, select

from portal.extensions import db
from portal.storage.models import Blob


def put(data: bytes) -> str:
    """Store `data` (once per content) in the session; its sha256. The caller commits."""
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(Blob, digest) is None:
        db.session.add(Blob(sha256=digest, size=len(data), data=data))
        db.session.flush()  # rows that refer to the blob by its digest come after it
    return digest


def get(digest: str) -> bytes:
    blob = db.session.get(Blob, digest)
    if blob is None:
        raise KeyError(digest)
    return blob.data


def referring_columns() -> list:
    """Every column of the schema that refers to a stored file (a foreign key to its digest)."""
    return [
        fk.parent
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table is Blob.__table__
    ]


def discard_unreferenced(digests: Iterable[str]) -> int:
    """Delete the stored files among `digests` that no row refers to any more (a file shared
    by another row stays); how many were deleted. The caller commits."""
    digests = sorted(set(digests))
    if not digests:
        return 0
    referred = [exists().where(column == Blob.sha256) for column in referring_columns()]
    orphans = select(Blob.sha256).where(Blob.sha256.in_(digests))
    for reference in referred:
        orphans = orphans.where(~reference)
    gone = db.session.scalars(orphans).all()
    if gone:
        db.session.execute(
            delete(Blob).where(Blob.sha256.in_(gone)).execution_options(synchronize_session=False)
        )
    return len(gone)


def send(digest: str, *, name: str, mimetype: str, inline: bool = False) -> Response:
    """A stored file as a response that no cache keeps (the caller checked the access)."""
    response = send_file(
        io.BytesIO(get(digest)),
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=name,
        etag=digest,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response

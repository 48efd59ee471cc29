import hashlib
import io

from flask import Response, send_file

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

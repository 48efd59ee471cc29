from flask import abort

from portal import storage
from portal.access import authorize, login_required
from portal.documents import bp
from portal.documents.models import Document
from portal.extensions import db, talisman

# Shown inline in a sandbox: no script runs, no form posts, nothing reaches our origin.
SANDBOX = {
    "default-src": "'none'",
    "img-src": "'self'",
    "style-src": "'unsafe-inline'",
    "sandbox": "",
}


def _send(document_id: int, *, inline: bool):
    document = authorize("view", db.session.get(Document, document_id))
    if document.sha256 is None:  # removed by the retention job
        abort(404)
    return storage.send(
        document.sha256, name=document.filename, mimetype=document.content_type, inline=inline
    )


@bp.get("/<int:document_id>")
@login_required
def download(document_id: int):
    return _send(document_id, inline=False)


@bp.get("/<int:document_id>/view")
@login_required
@talisman(content_security_policy=SANDBOX, frame_options="SAMEORIGIN")
def view(document_id: int):
    return _send(document_id, inline=True)

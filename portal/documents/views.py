import io

from flask import send_file

from portal.access import authorize, login_required
from portal.documents import bp, services
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
    response = send_file(
        io.BytesIO(services.content(document)),
        mimetype=document.content_type,
        as_attachment=not inline,
        download_name=document.filename,
        etag=document.sha256,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:document_id>")
@login_required
def download(document_id: int):
    return _send(document_id, inline=False)


@bp.get("/<int:document_id>/view")
@login_required
@talisman(content_security_policy=SANDBOX, frame_options="SAMEORIGIN")
def view(document_id: int):
    return _send(document_id, inline=True)

"""Documents: the kinds each legal form requires, the checklist, and storing an upload."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal import storage
from portal.audit.services import record
from portal.documents.inspection import content_type_of, display_name
from portal.documents.models import Document, DocumentKind
from portal.extensions import db

KINDS_FILE = Path(__file__).with_name("kinds.json")


def load_kinds(path: Path = KINDS_FILE) -> int:
    """Create or update the document kinds from their data file; idempotent."""
    existing = {k.code: k for k in db.session.scalars(select(DocumentKind))}
    rows = json.loads(path.read_text(encoding="utf-8"))
    for position, row in enumerate(rows):
        kind = existing.get(row["code"]) or DocumentKind(code=row["code"])
        kind.name_ar, kind.name_fr, kind.rule = row["name_ar"], row["name_fr"], row["rule"]
        kind.legal_forms = row["legal_forms"]
        kind.components = row.get("components", [])
        kind.expires = row.get("expires", False)
        kind.scope = row.get("scope", "organisation")
        kind.position = position
        db.session.add(kind)
    return len(rows)


def kinds_for(legal_form: str, scope: str = "organisation") -> list[DocumentKind]:
    kinds = db.session.scalars(
        select(DocumentKind).filter_by(scope=scope).order_by(DocumentKind.position)
    ).all()
    return [k for k in kinds if legal_form in k.legal_forms]


@dataclass
class ChecklistItem:
    kind: DocumentKind
    document: Document | None
    status: str  # present, missing, expired


def checklist(organisation, *, today: date | None = None) -> dict[str, list[ChecklistItem]]:
    """For each kind the organisation's legal form requires: its latest document and status.

    Keys: "profile" (every organisation) and "2" (needed to apply to component 2).
    """
    today = today or date.today()
    latest: dict[int, Document] = {}
    for document in db.session.scalars(
        select(Document)
        .filter_by(organisation_id=organisation.id, application_id=None)
        .order_by(Document.id)
    ):
        latest[document.kind_id] = document
    groups: dict[str, list[ChecklistItem]] = {"profile": [], "2": []}
    for kind in kinds_for(organisation.legal_form):
        document = latest.get(kind.id)
        if document is None:
            status = "missing"
        elif document.valid_until is not None and document.valid_until < today:
            status = "expired"
        else:
            status = "present"
        group = "2" if "2" in kind.components else "profile"
        groups[group].append(ChecklistItem(kind, document, status))
    return groups


def add_document(
    organisation,
    kind: DocumentKind,
    data: bytes,
    *,
    filename: str | None,
    valid_until: date | None,
    by,
    application=None,
) -> Document:
    """Check the file by its content, store it, and record the upload. Raises UploadRefused."""
    content_type = content_type_of(data)
    document = Document(
        organisation_id=organisation.id,
        kind_id=kind.id,
        sha256=storage.put(data),
        filename=display_name(filename, content_type, kind.code),
        content_type=content_type,
        size=len(data),
        valid_until=valid_until,
        uploaded_by_id=by.id,
        application_id=application.id if application is not None else None,
    )
    db.session.add(document)
    db.session.flush()
    record(
        "document.uploaded",
        actor=by,
        obj=document,
        organisation_id=organisation.id,
        after={
            "kind": kind.code,
            "filename": document.filename,
            "sha256": document.sha256,
            "valid_until": valid_until,
        },
    )
    return document


def content(document: Document) -> bytes:
    return storage.get(document.sha256)

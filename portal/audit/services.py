"""Recording changes. Identifiers are masked: the trail proves a change, not the value."""

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEvent
from portal.extensions import db

MASKED = {
    "ice",
    "rc",
    "cnss_affiliation",
    "rib",
    "association_receipt_no",
    "cooperative_register_no",
    "phone",
    "email",
    "legal_representative_cin",
    "cin",
}


def mask(value) -> str | None:
    """Keep the last four characters at most, and never fewer than three hidden: enough to
    recognise, not to reuse (a short value is not shown whole)."""
    if value in (None, ""):
        return value
    text = str(value)
    shown = max(min(4, len(text) - 3), 0)
    return "•" * max(len(text) - shown, 3) + text[len(text) - shown :]


def masked(fields: dict | None) -> dict | None:
    if fields is None:
        return None
    return {k: mask(v) if k in MASKED else _plain(v) for k, v in fields.items()}


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    organisation_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session: it commits with the change it describes."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__.lower() if obj is not None else "none",
        object_id=getattr(obj, "id", None),
        organisation_id=organisation_id,
        before=masked(before),
        after=masked(after),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def organisation_history(organisation_id: int, limit: int = 200) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .filter_by(organisation_id=organisation_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()

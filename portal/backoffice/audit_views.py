"""Back office: the whole audit trail, for admins (a page above every area it reads)."""

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import Role, staff_required
from portal.audit.labels import ACTION_LABELS
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core.integers import db_int, page_arg
from portal.extensions import db

staff_bp = Blueprint("audit", __name__, url_prefix="/backoffice/audit")


@staff_bp.get("/")
@staff_required(Role.ADMIN)
def list_events():
    args = request.args
    query = select(AuditEvent).options(selectinload(AuditEvent.actor))
    if action := args.get("action"):
        query = query.where(AuditEvent.action.startswith(action[:40]))
    if actor := args.get("actor", "").strip()[:100]:
        query = query.where(
            AuditEvent.actor_id.in_(select(User.id).where(User.email.ilike(f"%{actor}%")))
        )
    if object_id := args.get("object_id", type=db_int):
        query = query.where(AuditEvent.object_id == object_id)
    for name, compare in (
        ("since", AuditEvent.created_at.__ge__),
        ("until", AuditEvent.created_at.__lt__),
    ):
        try:
            day = datetime.strptime(args.get(name, ""), "%Y-%m-%d")
        except ValueError:
            continue
        query = query.where(compare(day + timedelta(days=1) if name == "until" else day))
    page = db.paginate(
        query.order_by(AuditEvent.id.desc()), page=page_arg(args), per_page=100, error_out=False
    )
    families = sorted({action.split(".")[0] for action in ACTION_LABELS})
    return render_template("audit/list.html", page=page, families=families, args=args)

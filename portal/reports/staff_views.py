from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal.access import staff_required
from portal.calls.models import Call
from portal.extensions import db
from portal.reports import services, staff_bp


@staff_bp.get("/dashboard")
@staff_required()
def dashboard():
    calls = db.session.scalars(select(Call).order_by(Call.opens_at.desc(), Call.id)).all()
    chosen = request.args.get("call", type=int)
    call = next((c for c in calls if c.id == chosen), calls[0] if calls else None)
    figures = {}
    if call is not None:
        lines = services.jobs_by_province(call, current_user)
        figures = {
            "lines": lines,
            "totals": {
                "allotted": sum(line.allotted for line in lines),
                "requested": sum(line.requested for line in lines),
                "approved": sum(line.approved for line in lines),
            },
            "statuses": services.by_status(call, current_user),
            "median_days": services.median_days_in_status(call, current_user),
        }
    return render_template("reports/dashboard.html", calls=calls, call=call, **figures)

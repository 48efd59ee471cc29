import io

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import storage
from portal.access import staff_required
from portal.audit.services import record
from portal.calls.models import Call
from portal.core.integers import db_int
from portal.extensions import db
from portal.forms import ActionForm
from portal.reports import exports, services, staff_bp
from portal.reports.models import Export


@staff_bp.get("/dashboard")
@staff_required()
def dashboard():
    calls = db.session.scalars(select(Call).order_by(Call.opens_at.desc(), Call.id)).all()
    chosen = request.args.get("call", type=db_int)
    call = next((c for c in calls if c.id == chosen), calls[0] if calls else None)
    figures = services.figures(call, current_user) if call is not None else None
    return render_template(
        "reports/dashboard.html", calls=calls, call=call, form=ActionForm(), figures=figures
    )


@staff_bp.post("/exports")
@staff_required()
def request_export():
    call_id = request.form.get("call_id", type=db_int)
    call = db.session.get(Call, call_id) if call_id is not None else None
    fmt = request.form.get("format")
    if call is None or fmt not in ("xlsx", "csv") or not ActionForm().validate_on_submit():
        abort(400)
    export = exports.request_export(call, fmt, by=current_user)
    return redirect(url_for("reports.show_export", export_id=export.id))


def _export(export_id: int) -> Export:
    export = db.session.get(Export, export_id)
    if export is None or (
        export.requested_by_id != current_user.id and not current_user.has_role("admin")
    ):
        abort(404)
    return export


@staff_bp.get("/exports/<int:export_id>")
@staff_required()
def show_export(export_id: int):
    return render_template("reports/export.html", export=_export(export_id))


@staff_bp.get("/exports/<int:export_id>/download")
@staff_required()
def download_export(export_id: int):
    export = _export(export_id)
    if export.status != "done":
        abort(404)
    record("report.export_downloaded", actor=current_user, obj=export)
    mimetype = (
        "text/csv; charset=utf-8"
        if export.format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return send_file(
        io.BytesIO(storage.get(export.sha256)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=export.filename,
    )

"""The payroll files of a province and month, and their returns: the secretariat's pages."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.access import authorize, can, staff_required
from portal.audit.services import record
from portal.core.integers import db_int
from portal.core.scope import MANAGERS
from portal.extensions import db
from portal.geo.models import Province
from portal.i18n import localized
from portal.payroll import adapters, files, staff_bp
from portal.payroll.file_forms import FileRequestForm, ReturnsForm
from portal.payroll.models import FileStatus, PayrollFile


def _request_form() -> FileRequestForm:
    form = FileRequestForm()
    form.set_provinces(files.provinces_managed(current_user), localized)
    return form


def _list(form: FileRequestForm, status: int = 200):
    province_id = request.args.get("province", type=db_int)
    period = files.month_of(request.args.get("month"))
    return render_template(
        "payroll/files.html",
        files=files.files_for(current_user, province_id=province_id, period=period),
        provinces=files.provinces_managed(current_user),
        province_id=province_id,
        month=period,
        form=form,
        adapter=adapters.adapter(files.current_adapter()),
        provisional=files.provisional_now(),
        status_label=FileStatus.label_of,
    ), status


@staff_bp.get("/files")
@staff_required(*MANAGERS)
def list_files():
    form = _request_form()
    if len(form.province_id.choices) == 2:  # one province of one's own: chosen already
        form.province_id.data = form.province_id.choices[1][0]
    return _list(form)


@staff_bp.post("/files")
@staff_required(*MANAGERS)
def request_file():
    form = _request_form()
    if not form.validate_on_submit():
        return _list(form, 400)
    province = db.session.get(Province, form.province_id.data)
    if province is None or not files.manages(current_user, province.id):
        abort(403)
    try:
        payroll_file = files.request_file(province, form.period.data, by=current_user)
    except files.FileRefused:
        form.period.errors.append(
            _("No accepted statement of this province and month waits for a payroll file.")
        )
        return _list(form, 400)
    return redirect(url_for("payroll_staff.show_file", file_id=payroll_file.id))


def _file(file_id: int, action: str = "view") -> PayrollFile:
    return authorize(action, db.session.get(PayrollFile, file_id))


def _page(payroll_file: PayrollFile, form: ReturnsForm | None = None, imported=None, status=200):
    return render_template(
        "payroll/file.html",
        file=payroll_file,
        adapter=adapters.adapter(payroll_file.adapter),
        province=db.session.get(Province, payroll_file.province_id),
        report=files.report(payroll_file) if payroll_file.status == FileStatus.READY else None,
        form=form or ReturnsForm(),
        may_import=can(current_user, "returns", payroll_file),
        imported=imported,
        columns=files.COLUMNS,
        notes=files.COLUMN_NOTES,
        status_label=FileStatus.label_of,
    ), status


@staff_bp.get("/files/<int:file_id>")
@staff_required(*MANAGERS)
def show_file(file_id: int):
    return _page(_file(file_id))


@staff_bp.get("/files/<int:file_id>/download")
@staff_required(*MANAGERS)
def download_file(file_id: int):
    payroll_file = _file(file_id, "download")
    record("payroll.file_downloaded", actor=current_user, obj=payroll_file)
    return storage.send(
        payroll_file.sha256, name=payroll_file.filename, mimetype=payroll_file.content_type
    )


@staff_bp.get("/files/<int:file_id>/returns-template.csv")
@staff_required(*MANAGERS)
def returns_template(file_id: int):
    payroll_file = _file(file_id, "returns")
    return send_file(
        io.BytesIO(files.template(payroll_file)),
        mimetype="text/csv; charset=utf-8",
        as_attachment=True,
        download_name=f"{payroll_file.number}-returns.csv",
    )


@staff_bp.post("/files/<int:file_id>/returns")
@staff_required(*MANAGERS)
def import_returns(file_id: int):
    payroll_file = _file(file_id, "returns")
    form = ReturnsForm()
    if not form.validate_on_submit():
        return _page(payroll_file, form, status=400)
    data = form.file.data.read(files.MAX_BYTES + 1)
    try:
        imported = files.import_returns(
            payroll_file, data, form.file.data.filename or "", by=current_user
        )
    except files.ReturnsRefused as refusal:
        form.file.errors.append(files.refused_message(refusal))
        return _page(payroll_file, form, status=400)
    if imported.errors:  # nothing applied: the request rolls back
        return _page(payroll_file, form, imported=imported, status=400)
    flash(
        _(
            "Returns imported: %(paid)s paid, %(rejected)s rejected, %(unchanged)s already known.",
            paid=imported.paid,
            rejected=imported.rejected,
            unchanged=imported.unchanged,
        ),
        "success",
    )
    return redirect(url_for("payroll_staff.show_file", file_id=payroll_file.id))

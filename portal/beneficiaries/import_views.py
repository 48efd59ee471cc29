"""The partner's side of enrolment from a spreadsheet: the template in either language, the
upload, the import's progress and report, keeping the valid rows (portal/beneficiaries/imports.py)."""

import io

from flask import abort, redirect, render_template, send_file, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import authorize, can, login_required
from portal.agreements.models import Agreement
from portal.beneficiaries import bp, imports
from portal.beneficiaries.forms import ImportForm
from portal.beneficiaries.models import EnrolmentImport
from portal.extensions import db
from portal.forms import ActionForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def refused_message(refusal: imports.ImportRefused, headers: dict[str, str]) -> str:
    reason = refusal.reason
    if reason == "too_large":
        return _("The file is too large: at most 2 MB.")
    if reason == "empty":
        return _("The file is empty.")
    if reason == "macros":
        return _("The file holds macros. Save it as a plain workbook (.xlsx) and upload it again.")
    if reason == "encoding":
        return _("The CSV file is not in UTF-8. Save it as CSV UTF-8 and upload it again.")
    if reason == "missing_columns":
        return _(
            "Columns are missing: %(columns)s. Start from the template.",
            columns=", ".join(headers.get(key, key) for key in refusal.values["columns"]),
        )
    if reason in ("no_header", "no_rows"):
        return _("No worker was found in the file. Start from the template.")
    if reason == "too_many_rows":
        return ngettext(
            "At most %(num)d row a file.", "At most %(num)d rows a file.", refusal.values["num"]
        )
    if reason == "unreadable":
        return _("The file cannot be read. Save it again as .xlsx or CSV and upload it again.")
    return _("This is not a spreadsheet. Upload an .xlsx workbook or a CSV file.")


@bp.route("/agreements/<int:agreement_id>/workers/import", methods=["GET", "POST"])
@login_required
def import_workers(agreement_id: int):
    agreement = authorize("enrol", db.session.get(Agreement, agreement_id))
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(imports.MAX_BYTES + 1)
        try:
            upload = imports.request_import(
                agreement, data, form.file.data.filename, by=current_user
            )
        except imports.ImportRefused as refusal:
            form.file.errors.append(refused_message(refusal, imports.headers(agreement)))
        else:
            return redirect(url_for("beneficiaries.show_import", import_id=upload.id))
    return render_template("beneficiaries/import.html", agreement=agreement, form=form), (
        400 if form.is_submitted() else 200
    )


@bp.get("/agreements/<int:agreement_id>/workers/import/template-<language>.xlsx")
@login_required
def import_template(agreement_id: int, language: str):
    agreement = authorize("enrol", db.session.get(Agreement, agreement_id))
    if language not in imports.LANGUAGES:
        abort(404)
    with force_locale(language):
        data = imports.template(agreement)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"awrach-workers-{language}.xlsx",
    )


@bp.get("/imports/<int:import_id>")
@login_required
def show_import(import_id: int):
    upload = authorize("view", db.session.get(EnrolmentImport, import_id))
    report = upload.report or {}
    outcomes = report.get("outcomes", [])
    counts = {
        key: sum(1 for o in outcomes if o["outcome"] == key)
        for key in ("enrolled", "already_here", "refused")
    }
    return render_template(
        "beneficiaries/import_report.html",
        upload=upload,
        agreement=upload.agreement,
        report=report,
        counts=counts,
        headers=imports.headers(upload.agreement),
        may_keep=can(current_user, "keep", upload) and report.get("valid", 0) > 0,
        form=ActionForm(),
    )


@bp.post("/imports/<int:import_id>/keep")
@login_required
def keep_valid_rows(import_id: int):
    upload = authorize("keep", db.session.get(EnrolmentImport, import_id))
    if ActionForm().validate_on_submit():
        imports.keep_valid_rows(upload, by=current_user)
    return redirect(url_for("beneficiaries.show_import", import_id=upload.id))

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import staff_required
from portal.core.integers import db_int
from portal.core.scope import MANAGERS
from portal.forms import ActionForm
from portal.outcomes import presenters, services, staff_bp


@staff_bp.get("/")
@staff_required()
def dashboard():
    figures = services.dashboard(current_user, request.args.get("province", type=db_int))
    return render_template(
        "outcomes/dashboard.html",
        figures=figures,
        form=ActionForm(),
        may_refresh=current_user.has_role(*MANAGERS),
        **presenters.page_context(),
    )


@staff_bp.post("/refresh")
@staff_required(*MANAGERS)
def request_refresh():
    if not ActionForm().validate_on_submit():
        abort(400)
    services.request_refresh()
    flash(_("The figures are being counted again: reload the page in a minute."), "success")
    return redirect(url_for("outcomes.dashboard"))

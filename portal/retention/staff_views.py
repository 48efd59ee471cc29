"""The admin's page: what the purge would remove now (counts only), when each closed
agreement's data goes, and a button that asks the worker to run the purge now (the beat runs
it every day anyway: the button only brings forward what is due)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import Role, staff_required
from portal.core.uow import after_commit
from portal.retention import services, staff_bp
from portal.retention.forms import PurgeForm


def _page(form: PurgeForm, status: int = 200):
    return render_template(
        "retention/index.html",
        plan=services.plan(),
        last_run=services.last_run(),
        category_of=services.CATEGORY_OF,
        form=form,
    ), status


@staff_bp.get("/")
@staff_required(Role.ADMIN)
def index():
    return _page(PurgeForm())


@staff_bp.post("/purge")
@staff_required(Role.ADMIN)
def purge():
    form = PurgeForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    after_commit(services.TASK, current_user.id)
    flash(_("The purge runs now; its summary will be in the audit trail."), "success")
    return redirect(url_for("retention.index"))

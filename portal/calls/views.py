from flask import abort, render_template
from flask_login import current_user
from wtforms import SelectChoice

from portal.access import can, public
from portal.calls import bp, services
from portal.calls.forms import StartForm
from portal.calls.models import Call
from portal.extensions import db
from portal.forms import PLACEHOLDER
from portal.i18n import localized
from portal.organisations.services import organisations_of
from portal.timeutil import utcnow


@bp.get("/")
@public
def list_calls():
    return render_template("calls/list.html", calls=services.visible_calls(), now=utcnow())


@bp.get("/<int:call_id>")
@public
def show(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    form, organisations = None, []
    if current_user.is_authenticated and not current_user.is_staff:
        organisations = [
            o for o, _role in organisations_of(current_user) if can(current_user, "edit", o)
        ]
        form = StartForm()
        form.organisation_id.choices = [PLACEHOLDER] + [
            SelectChoice(str(o.id), localized(o)) for o in organisations
        ]
        if len(organisations) == 1:
            form.organisation_id.data = str(organisations[0].id)
        form.province_id.choices = [PLACEHOLDER] + [
            SelectChoice(str(p.province_id), localized(p.province)) for p in call.provinces
        ]
    return render_template(
        "calls/show.html",
        call=call,
        form=form,
        organisations=organisations,
        is_open=call.is_open(utcnow()),
        edition=call.edition.parameters,
    )

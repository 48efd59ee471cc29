"""Back office: the admin sets up calls (provinces, dates, quotas, deciding committee)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.access import Role, staff_required
from portal.calls import services, staff_bp
from portal.calls.models import Call, CommitteeLevel, Edition
from portal.extensions import db
from portal.forms import PLACEHOLDER, REQUIRED, PortalForm, chosen_id
from portal.geo.models import Province
from portal.i18n import localized
from portal.timeutil import utc_to_local

COMPONENTS = {1: _l("Temporary public works"), 2: _l("Sustainable integration grant")}
LEVELS = {
    CommitteeLevel.REGIONAL: _l("Regional committee"),
    CommitteeLevel.PROVINCIAL: _l("Provincial committee"),
}


def call_form(provinces: list[Province]):
    class CallForm(PortalForm):
        edition_id = SelectField(_l("Edition"), [REQUIRED], coerce=chosen_id)
        component = RadioField(
            _l("Component"),
            [REQUIRED],
            coerce=int,
            choices=[SelectChoice(k, v) for k, v in COMPONENTS.items()],
        )
        title_ar = StringField(_l("Title in Arabic"), [REQUIRED, Length(max=200)])
        title_fr = StringField(_l("Title in French"), [REQUIRED, Length(max=200)])
        opens_at = DateTimeLocalField(_l("Opens (Casablanca time)"), [REQUIRED])
        closes_at = DateTimeLocalField(_l("Closes (Casablanca time)"), [REQUIRED])
        committee_level = RadioField(
            _l("Deciding committee"),
            [REQUIRED],
            choices=[SelectChoice(k.value, v) for k, v in LEVELS.items()],
        )

        signatories = TextAreaField(
            _l(
                "Signatories for the authorities (one per line: capacity in Arabic | capacity"
                " in French | name)"
            ),
            [REQUIRED, Length(max=2000)],
        )

        def validate_signatories(self, field):
            for signatory in services.parse_signatories(field.data or ""):
                if not signatory["ar"] or not signatory["fr"]:
                    raise ValidationError(
                        _l("Write each signatory in Arabic and in French, separated by |.")
                    )

        def validate_closes_at(self, field):
            if self.opens_at.data and field.data and field.data <= self.opens_at.data:
                raise ValidationError(_l("The call must close after it opens."))

    for province in provinces:
        setattr(
            CallForm,
            f"quota_{province.id}",
            IntegerField(
                _l("Jobs allotted to %(province)s", province=localized(province)),
                [Optional(), NumberRange(0, 100_000)],
            ),
        )
    return CallForm


def _provinces() -> list[Province]:
    return db.session.scalars(select(Province).order_by(Province.id)).all()


@staff_bp.get("/")
@staff_required(Role.ADMIN)
def list_calls():
    calls = db.session.scalars(select(Call).order_by(Call.opens_at.desc())).all()
    return render_template("calls/admin_list.html", calls=calls, components=COMPONENTS)


@staff_bp.route("/new", methods=["GET", "POST"])
@staff_bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def edit_call(call_id: int | None = None):
    call = db.session.get(Call, call_id) if call_id else None
    if call_id and call is None:
        abort(404)
    provinces = _provinces()
    if call is not None:
        initial = {
            "edition_id": call.edition_id,
            "component": call.component,
            "title_ar": call.title_ar,
            "title_fr": call.title_fr,
            "opens_at": utc_to_local(call.opens_at),
            "closes_at": utc_to_local(call.closes_at),
            "committee_level": call.committee_level,
            "signatories": services.format_signatories(call.signatories),
        }
        initial |= {f"quota_{p.province_id}": p.quota_jobs for p in call.provinces}
    else:
        initial = {
            "signatories": services.format_signatories(
                services.DEFAULT_SIGNATORIES[CommitteeLevel.REGIONAL]
            )
        }
    form = call_form(provinces)(data=initial)
    form.edition_id.choices = [PLACEHOLDER] + [
        SelectChoice(e.id, localized(e))
        for e in db.session.scalars(select(Edition).order_by(Edition.code))
    ]
    if form.validate_on_submit():
        quotas = {p.id: form[f"quota_{p.id}"].data or 0 for p in provinces}
        call = services.save_call(call, form.data, quotas, by=current_user)
        flash(_("The call is saved."), "success")
        return redirect(url_for("calls_admin.list_calls"))
    return render_template("calls/admin_form.html", form=form, call=call, provinces=provinces)

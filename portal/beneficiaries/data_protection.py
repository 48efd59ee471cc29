"""A worker's data on request (law 09-08): the secretariat exports everything the portal holds
on a person, as JSON, and corrects it; each export (holding the whole CIN) and each correction
is audited like the person's page."""

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice, TextAreaField
from wtforms.validators import Length

from portal.access import authorize, staff_required
from portal.audit.services import record
from portal.auth.models import User
from portal.beneficiaries import certificates, services, staff_bp
from portal.beneficiaries.forms import EnrolForm
from portal.beneficiaries.models import PERSON_EXPORT_FIELDS, Person
from portal.extensions import db
from portal.forms import PLACEHOLDER, REQUIRED, PortalForm
from portal.geo.models import Province
from portal.i18n import localized
from portal.timeutil import utcnow

CONTRACT_FIELDS = (
    "id",
    "kind",
    "role",
    "component",
    "start_date",
    "planned_end",
    "actual_end",
    "end_reason",
    "monthly_wage",
    "status",
    "refusal_reason",
)


def person_data(person: Person) -> dict:
    """What the portal holds on the person: identity, contracts and their certificates."""
    contracts = []
    for contract in services.history(person):
        certificate = certificates.certificate_of(contract.id)
        contracts.append(
            {name: getattr(contract, name) for name in CONTRACT_FIELDS}
            | {
                "agreement": contract.agreement.number,
                "employer": contract.organisation.name_fr,
                "certificate": certificate.verification_code if certificate else None,
            }
        )
    return {
        "exported_at": utcnow(),
        "person": {name: getattr(person, name) for name in PERSON_EXPORT_FIELDS}
        | {"commune": person.commune.name_fr},
        "contracts": contracts,
    }


@staff_bp.get("/persons/<int:person_id>/export.json")
@staff_required(*services.MANAGERS)
def export_person(person_id: int):
    person = authorize("view", db.session.get(Person, person_id))
    record("person.exported", actor=current_user, obj=person, after={"cin": person.cin})
    body = json.dumps(person_data(person), ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person.id}.json"',
            "Cache-Control": "private, no-store",
        },
    )


class CorrectionForm(PortalForm):
    """The person's details as the secretariat corrects them on the worker's request; the CIN
    is the person's key and is not corrected here."""

    last_name_ar = EnrolForm.last_name_ar
    first_name_ar = EnrolForm.first_name_ar
    last_name_fr = EnrolForm.last_name_fr
    first_name_fr = EnrolForm.first_name_fr
    birth_date = EnrolForm.birth_date
    sex = EnrolForm.sex
    commune_id = EnrolForm.commune_id
    education_level = EnrolForm.education_level
    disability_card_no = EnrolForm.disability_card_no
    anapec_registration_date = EnrolForm.anapec_registration_date
    cnss_number = EnrolForm.cnss_number
    phone = EnrolForm.phone
    reason = TextAreaField(
        _l("The worker's request (kept in the audit trail)"), [REQUIRED, Length(max=2000)]
    )
    validate_phone = EnrolForm.validate_phone

    def set_choices(self, provinces) -> None:
        self.commune_id.choices = [PLACEHOLDER] + [
            SelectChoice(c.id, localized(c), optgroup=localized(p))
            for p in provinces
            for c in p.communes
        ]

    person = EnrolForm.person


def correct_person(person: Person, details: dict, reason: str, *, by: User) -> list[str]:
    """Write the corrected details; the audit trail keeps which fields changed and why, not
    their values (a disability card is health data). The fields changed."""
    changed = [name for name, value in details.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, details[name])
    record(
        "person.corrected",
        actor=by,
        obj=person,
        after={"cin": person.cin, "fields": ",".join(changed), "reason": reason},
    )
    return changed


def _correction_page(person: Person, form: CorrectionForm, status: int = 200):
    return render_template("beneficiaries/staff_person_correct.html", person=person, form=form), (
        status
    )


@staff_bp.route("/persons/<int:person_id>/correct", methods=["GET", "POST"])
@staff_required(*services.MANAGERS)
def correct(person_id: int):
    person = authorize("view", db.session.get(Person, person_id))
    form = CorrectionForm(obj=person if request.method == "GET" else None)
    form.set_choices(db.session.scalars(select(Province).order_by(Province.id)).all())
    if form.validate_on_submit():
        correct_person(person, form.person(), form.reason.data.strip(), by=current_user)
        flash(_("The person's details are corrected."), "success")
        return redirect(url_for("beneficiaries_staff.show_person", person_id=person.id))
    return _correction_page(person, form, 400 if form.is_submitted() else 200)

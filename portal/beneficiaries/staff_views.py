"""Back office: contracts to validate in one's provinces, a contract, a person's history by CIN."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import authorize, can, staff_required
from portal.audit.services import record
from portal.beneficiaries import services, staff_bp
from portal.beneficiaries.forms import PersonSearchForm, RefuseForm
from portal.beneficiaries.models import Contract, ContractStatus, Person
from portal.beneficiaries.presenters import present_worker_report
from portal.extensions import db
from portal.forms import ActionForm


def _contract(contract_id: int, action: str = "view") -> Contract:
    return authorize(action, db.session.get(Contract, contract_id))


@staff_bp.get("/contracts")
@staff_required(*services.MANAGERS)
def contracts_to_validate():
    return render_template(
        "beneficiaries/staff_contracts.html", contracts=services.to_validate(current_user)
    )


def _contract_page(contract: Contract, refuse_form=None, status: int = 200):
    return render_template(
        "beneficiaries/staff_contract.html",
        contract=contract,
        action_form=ActionForm(),
        refuse_form=refuse_form or RefuseForm(),
        may_decide=can(current_user, "validate", contract),
        may_see_person=can(current_user, "view", contract.person),
        report=present_worker_report(
            contract.eligibility, contract.application.call.edition.parameters
        ),
        others=[
            c
            for c in services.history(contract.person)
            if c.id != contract.id and c.status != ContractStatus.REFUSED
        ],
    ), status


@staff_bp.get("/contracts/<int:contract_id>")
@staff_required()
def show_contract(contract_id: int):
    return _contract_page(_contract(contract_id))


@staff_bp.post("/contracts/<int:contract_id>/validate")
@staff_required(*services.MANAGERS)
def validate(contract_id: int):
    contract = _contract(contract_id, "validate")
    if not ActionForm().validate_on_submit():
        abort(400)
    services.validate(contract, by=current_user)
    flash(_("The contract is validated."), "success")
    return redirect(url_for("beneficiaries_staff.contracts_to_validate"))


@staff_bp.post("/contracts/<int:contract_id>/refuse")
@staff_required(*services.MANAGERS)
def refuse(contract_id: int):
    contract = _contract(contract_id, "refuse")
    form = RefuseForm()
    if not form.validate_on_submit():
        return _contract_page(contract, refuse_form=form, status=400)
    services.refuse(contract, form.reason.data.strip(), by=current_user)
    flash(_("The contract is refused and the partner can read why."), "success")
    return redirect(url_for("beneficiaries_staff.contracts_to_validate"))


@staff_bp.get("/persons")
@staff_required(*services.MANAGERS)
def search_persons():
    form = PersonSearchForm(request.args)
    form.validate()
    persons = services.search_persons(form.cin.data) if form.cin.data else None
    return render_template("beneficiaries/staff_persons.html", form=form, persons=persons)


@staff_bp.get("/persons/<int:person_id>")
@staff_required(*services.MANAGERS)
def show_person(person_id: int):
    """The full CIN and every contract, wherever it is: each opening is audited."""
    person = authorize("view", db.session.get(Person, person_id))
    record("person.viewed", actor=current_user, obj=person, after={"cin": person.cin})
    contracts = services.history(person)
    return render_template(
        "beneficiaries/staff_person.html",
        person=person,
        contracts=contracts,
        may_open={c.id for c in contracts if can(current_user, "view", c)},
    )

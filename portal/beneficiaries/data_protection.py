"""A worker's data on request (law 09-08): the secretariat exports everything the portal holds
on a person, as JSON; each export, holding the whole CIN, is audited like the person's page."""

import json

from flask import Response
from flask_login import current_user

from portal.access import authorize, staff_required
from portal.audit.services import record
from portal.beneficiaries import certificates, services, staff_bp
from portal.beneficiaries.models import PERSON_EXPORT_FIELDS, Person
from portal.extensions import db
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

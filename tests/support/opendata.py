"""Agreements with workers enrolled and declared, for the public results' tests."""

from datetime import date

from sqlalchemy.orm.attributes import flag_modified

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.beneficiaries import services as beneficiaries
from portal.extensions import db
from portal.payroll.models import StatementStatus
from tests.support.beneficiaries import enrol, new_cin
from tests.support.payroll import MARCH, accepted

# A worker no public page or file may ever name: her names, CIN and birth date.
PLANTED = {
    "cin": "ZQ987654",
    "first_name_fr": "Zoubida",
    "last_name_fr": "Qarmouchi",
    "first_name_ar": "زبيدة",
    "last_name_ar": "قرموشي",
    "birth_date": date(1991, 7, 23),
}
FORESTS = (
    {"sector": "forests"},
    {
        "sector_ar": "المياه والغابات ومحاربة التصحر",
        "sector_fr": "Eaux et forêts, lutte contre la désertification",
    },
)


def workers(app, side, n: int, *, worked: int, completed: int = 0, planted: bool = False):
    """Enrol and validate `n` workers on the side's agreement; `worked` of them declared for
    March in an accepted statement, `completed` ended as completed."""
    with app.app_context():
        staff = db.session.get(User, side.staff.id)
        cins = []
        for i in range(n):
            details = PLANTED if planted and i == 0 else {"cin": new_cin()}
            cin = details["cin"]
            contract = enrol(side, cin, **{k: v for k, v in details.items() if k != "cin"}).contract
            beneficiaries.validate(contract, by=staff)
            cins.append(cin)
            if i < worked:
                # Paid already: out of the way of any later month's payroll file of the province
                # (these tests commit; others ask for Sidi Ifni's March file).
                accepted(contract, MARCH).statement.status = StatementStatus.PAID
            if i < completed:
                contract.status, contract.end_reason = "ended", "completed"
                contract.actual_end = contract.planned_end
        db.session.commit()
    return cins


def in_forests(app, *sides) -> None:
    """The tests' worksites say no sector: make each side's a forests worksite, in its
    application and its agreement's frozen content."""
    with app.app_context():
        for side in sides:
            agreement = db.session.get(Agreement, side.agreement_id)
            agreement.application.details = {**agreement.application.details, **FORESTS[0]}
            agreement.content["worksite"] |= FORESTS[1]
            flag_modified(agreement, "content")
            side.number = agreement.number
        db.session.commit()

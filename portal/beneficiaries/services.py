"""Enrolment: a person by CIN on a contract of a signed agreement, within its jobs, never on two
contracts at once (B1-UNIQUE-ACTIVE); validation by the secretariat; the end of a contract."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.access import can, policy
from portal.agreements.models import Agreement, AgreementStatus
from portal.applications.models import Application, Status
from portal.audit.services import record
from portal.auth.models import User
from portal.beneficiaries.models import HOLDING, Contract, ContractStatus, EndReason, Person
from portal.calls.models import Edition
from portal.core.scope import MANAGERS, in_provinces, manages_province, sees_province
from portal.eligibility import FAIL
from portal.eligibility.workers import evaluate_worker
from portal.extensions import db
from portal.timeutil import utcnow
from portal.wages import minimum_wage

CIN_RE = re.compile(r"^[A-Z]{1,2}\d{3,6}$")  # V-CIN: one or two letters, then digits
REPEAT_SETTINGS = ("allow", "warn", "block")  # B1-REPEAT-EDITION, per edition
OVERLAP_CONSTRAINT = "contract_one_active_per_person"


def normalise_cin(text: str | None) -> str:
    """Upper case, no spaces: the one spelling a CIN is stored and searched in."""
    return re.sub(r"\s", "", text or "").upper()


def cin_format_ok(cin: str) -> bool:
    return bool(CIN_RE.match(cin))


def mask_cin(cin: str | None) -> str:
    """The first two and last two characters, dots between (AB••••56): what every list shows."""
    if not cin:
        return ""
    if len(cin) <= 4:
        return "•" * len(cin)
    return cin[:2] + "•" * (len(cin) - 4) + cin[-2:]


# Access


@policy(Agreement, actions=("workers", "enrol"))
def agreement_workers_policy(user: User, action: str, agreement: Agreement) -> bool:
    """Who sees an agreement sees its workers; its organisation's editors enrol, once the
    agreement is signed and until it is closed out."""
    if not can(user, "view", agreement):
        return False
    if action == "workers":
        return True
    return (
        not user.is_staff
        and can(user, "edit", agreement.application.organisation)
        and agreement.status == AgreementStatus.SIGNED
        and agreement.application.status != Status.CLOSED
    )


@policy(Contract)
def contract_policy(user: User, action: str, contract: Contract) -> bool:
    """The employer's members and the staff of the worksite's province see it; its editors end
    it, and replace it once it ended early on a signed agreement; the province's secretariat
    (and the admin) validate or refuse it while proposed."""
    province_id = contract.application.province_id
    if user.is_staff:
        if action == "view":
            return sees_province(user, province_id)
        if action in ("validate", "refuse"):
            return manages_province(user, province_id) and (
                contract.status == ContractStatus.PROPOSED
            )
        return False
    if action == "view":
        return can(user, "view", contract.organisation)
    if action == "end":
        return can(user, "edit", contract.organisation) and contract.status in HOLDING
    if action == "replace":  # the edition's setting is the service's to say, with a message
        return (
            can(user, "edit", contract.organisation)
            and contract.agreement.status == AgreementStatus.SIGNED
            and ended_early(contract)
        )
    return False


@policy(Person)
def person_policy(user: User, action: str, person: Person) -> bool:
    """A person's identity and history across worksites, provinces and editions: the
    secretariat and the admin only (DP-SENSITIVE), to see where someone is under contract."""
    return action == "view" and user.is_staff and user.has_role(*MANAGERS)


# Enrolment


class EnrolmentRefused(Exception):
    """Nothing was written. `reason`: not_signed, closed (the agreement closed out), no_jobs_left, post_full, bad_dates,
    wage_below_minimum, already_under_contract, earlier_edition, ineligible (`report`: the
    worker rules' report, a blocking one failed); for a replacement, replacement_off (the
    edition's setting), not_replaceable (not ended early, or replaced already) and
    replacement_dates (`after`, `until`: outside the rest of the leaver's contract)."""

    def __init__(self, reason: str, **values):
        super().__init__(reason, values)
        self.reason, self.values = reason, values


@dataclass
class Enrolment:
    contract: Contract
    warnings: list[str] = field(default_factory=list)  # earlier_edition, where set to warn


PERSON_FIELDS = (
    "last_name_ar",
    "first_name_ar",
    "last_name_fr",
    "first_name_fr",
    "birth_date",
    "sex",
    "commune_id",
    "education_level",
    "disability_card_no",
    "anapec_registration_date",
    "cnss_number",
    "phone",
)


def lock_agreement(agreement_id: int) -> Agreement | None:
    """The agreement row locked (SELECT ... FOR UPDATE) until the commit: every enrolment on it
    counts its contracts after taking this, so two at once never pass its jobs."""
    return db.session.scalar(
        select(Agreement)
        .where(Agreement.id == agreement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def holding_count(application_id: int, post_index: int | None = None) -> int:
    """Contracts of the application that hold a job (proposed or validated)."""
    query = select(func.count(Contract.id)).where(
        Contract.application_id == application_id, Contract.status.in_(HOLDING)
    )
    if post_index is not None:
        query = query.where(Contract.post_index == post_index)
    return db.session.scalar(query)


def posts_of(agreement: Agreement) -> list[dict]:
    """Component 2: the agreement's posts ({title, count, ...}); none for component 1."""
    if agreement.content.get("component") != 2:
        return []
    return (agreement.content.get("grant") or {}).get("posts", [])


def overlapping(person_id: int, start: date, end: date, *, excluding: int | None = None):
    """The person's contracts (not refused) whose days meet [start, end]: the service's form of
    the database's exclusion constraint, and the only one on SQLite."""
    query = select(Contract).where(
        Contract.person_id == person_id,
        Contract.status != ContractStatus.REFUSED,
        Contract.start_date <= end,
        func.coalesce(Contract.actual_end, Contract.planned_end) >= start,
    )
    if excluding is not None:
        query = query.where(Contract.id != excluding)
    return db.session.scalars(query).all()


def replacement_allowed(edition: Edition) -> bool:
    """B1-REPLACEMENT: whether a worker who left early may be replaced for the rest of the
    worksite (`[beneficiaries] replacement_allowed` of the edition; off when not said)."""
    return (edition.parameters.get("beneficiaries") or {}).get("replacement_allowed") is True


def repeat_setting(edition: Edition) -> str:
    value = (edition.parameters.get("beneficiaries") or {}).get("repeat_participation", "warn")
    return value if value in REPEAT_SETTINGS else "warn"


def earlier_editions(person_id: int, edition_id: int) -> list[Contract]:
    """The person's contracts (not refused) of other editions."""
    return db.session.scalars(
        select(Contract).where(
            Contract.person_id == person_id,
            Contract.edition_id != edition_id,
            Contract.status != ContractStatus.REFUSED,
        )
    ).all()


def find_person(cin: str) -> Person | None:
    cin = normalise_cin(cin)
    return db.session.scalar(select(Person).filter_by(cin=cin)) if cin else None


def _person(cin: str, details: dict, *, by: User) -> Person:
    """The person of `cin`, created from `details` if new. An existing person is left as it
    is: a partner does not rewrite what another recorded (staff correct it)."""
    person = find_person(cin)
    if person is not None:
        return person
    try:
        with db.session.begin_nested():  # two partners may enrol a new CIN at once
            person = Person(cin=cin, created_by_id=by.id, **details)
            db.session.add(person)
    except IntegrityError:
        person = find_person(cin)
        if person is None:
            raise
        return person
    record("person.created", actor=by, obj=person, after={"cin": cin})
    return person


def worker_report(
    person: Person, edition: Edition, component: int, start_date: date, declared: dict
) -> dict:
    """The edition's worker rules on the person and what the enrolment declares (target group,
    proof date, last CNSS declaration), as stored with the contract."""
    facts = {
        "component": component,
        "start_date": start_date,
        "birth_date": person.birth_date,
        "anapec_registration_date": person.anapec_registration_date,
        "has_disability_card": bool(person.disability_card_no),
        "target_group": declared.get("target_group"),
        "proof_date": declared.get("proof_date"),
        "cnss_last_declared_on": declared.get("cnss_last_declared_on"),
    }
    return evaluate_worker(facts, edition.parameters).as_dict()


def _is_overlap(error: IntegrityError) -> bool:
    return OVERLAP_CONSTRAINT in str(error.orig)


def enrol(
    agreement: Agreement,
    cin: str,
    person: dict,
    *,
    kind: str,
    role: str,
    start_date: date,
    planned_end: date,
    monthly_wage: Decimal,
    post_index: int | None = None,
    eligibility: dict | None = None,
    replaces: Contract | None = None,
    by: User,
) -> Enrolment:
    """Enrol the person of `cin` (created from `person` if new) on a proposed contract of the
    signed `agreement`. Refused (EnrolmentRefused, nothing left written) past the agreement's jobs
    or its post's, before the SMIG of the start date, or when the person is under another
    contract on any of those days (in the database on PostgreSQL, whoever enrols at once), or
    when a blocking worker rule fails on the person and `eligibility` (target_group,
    proof_date, cnss_last_declared_on); the rules' report is kept with the contract. A
    replacement (`replaces`, see `replace`) takes the job its leaver freed: it passes the same
    checks and holds one job, as the leaver did."""
    cin = normalise_cin(cin)
    if not cin_format_ok(cin):
        raise ValueError(f"not a CIN: {cin!r}")
    agreement = lock_agreement(agreement.id)
    if agreement is None or agreement.status != AgreementStatus.SIGNED:
        raise EnrolmentRefused("not_signed")
    application = agreement.application
    if application.status == Status.CLOSED:
        raise EnrolmentRefused("closed")
    if planned_end < start_date:
        raise EnrolmentRefused("bad_dates")
    floor = minimum_wage(start_date).smig_monthly
    if Decimal(monthly_wage) < Decimal(str(floor)):
        raise EnrolmentRefused("wage_below_minimum", minimum=floor, on=start_date)
    jobs = agreement.content.get("jobs", 0)
    if holding_count(application.id) >= jobs:
        raise EnrolmentRefused("no_jobs_left", jobs=jobs)
    posts = posts_of(agreement)
    if posts:
        if post_index is None or not 0 <= post_index < len(posts):
            raise ValueError("component 2: a post of the agreement")
        role = posts[post_index]["title"]
        if holding_count(application.id, post_index) >= int(posts[post_index]["count"]):
            raise EnrolmentRefused("post_full", post=role, count=posts[post_index]["count"])
    else:
        post_index = None
    # A refusal below takes back what it wrote (a new person) with this savepoint.
    with db.session.begin_nested():
        holder = _person(cin, person, by=by)
        if overlapping(holder.id, start_date, planned_end):
            raise EnrolmentRefused("already_under_contract")
        edition = application.call.edition
        warnings = []
        if earlier_editions(holder.id, edition.id):
            setting = repeat_setting(edition)
            if setting == "block":
                raise EnrolmentRefused("earlier_edition")
            if setting == "warn":
                warnings.append("earlier_edition")
        declared = eligibility or {}
        report = worker_report(holder, edition, application.component, start_date, declared)
        if report["outcome"] == FAIL:
            raise EnrolmentRefused("ineligible", report=report, edition=edition.parameters)
        contract = Contract(
            person_id=holder.id,
            agreement_id=agreement.id,
            application_id=application.id,
            organisation_id=application.organisation_id,
            component=application.component,
            edition_id=edition.id,
            kind=kind,
            role=role,
            post_index=post_index,
            start_date=start_date,
            planned_end=planned_end,
            monthly_wage=monthly_wage,
            status=ContractStatus.PROPOSED,
            created_by_id=by.id,
            target_group=declared.get("target_group"),
            proof_date=declared.get("proof_date"),
            cnss_last_declared_on=declared.get("cnss_last_declared_on"),
            eligibility=report,
            replaced_contract_id=replaces.id if replaces is not None else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(contract)
        except IntegrityError as error:
            if _is_overlap(error):  # another enrolment of this person committed meanwhile
                raise EnrolmentRefused("already_under_contract") from None
            raise
    record(
        "contract.enrolled",
        actor=by,
        obj=contract,
        organisation_id=application.organisation_id,
        after={
            "cin": cin,
            "agreement": agreement.number,
            "role": role,
            "start": start_date.isoformat(),
            "planned_end": planned_end.isoformat(),
            "warnings": ",".join(warnings),
            "replaces": replaces.id if replaces is not None else "",
        },
    )
    return Enrolment(contract, warnings)


def ended_early(contract: Contract) -> bool:
    """Ended before its planned end, for another reason than its completion."""
    return (
        contract.status == ContractStatus.ENDED
        and contract.end_reason != EndReason.COMPLETED
        and contract.actual_end is not None
        and contract.actual_end < contract.planned_end
    )


def replacement_of(contract: Contract) -> Contract | None:
    """The contract (not refused) that replaces `contract`, if any."""
    return db.session.scalar(
        select(Contract).where(
            Contract.replaced_contract_id == contract.id, Contract.status != ContractStatus.REFUSED
        )
    )


def replacement_window(leaver: Contract) -> tuple[date, date]:
    """The days a replacement may cover: from the day after the leaver's end to the leaver's
    planned end (the rest of the worksite)."""
    return leaver.actual_end + timedelta(days=1), leaver.planned_end


def replace(
    leaver: Contract,
    cin: str,
    person: dict,
    *,
    start_date: date,
    planned_end: date,
    by: User,
    **terms,
) -> Enrolment:
    """B1-REPLACEMENT: enrol the person of `cin` in place of `leaver`, who ended early, for the
    rest of the worksite (within `replacement_window`), on the leaver's agreement and post, when
    the edition allows it. Every check of `enrol` applies (the one active contract included);
    the replacement holds the job the leaver freed, never one more. `terms`: the contract's
    other terms, as `enrol` takes them."""
    edition = db.session.get(Edition, leaver.edition_id)
    if not replacement_allowed(edition):
        raise EnrolmentRefused("replacement_off")
    if not ended_early(leaver) or replacement_of(leaver) is not None:
        raise EnrolmentRefused("not_replaceable")
    after, until = replacement_window(leaver)
    if start_date < after or planned_end > until:
        raise EnrolmentRefused("replacement_dates", after=after, until=until)
    return enrol(
        leaver.agreement,
        cin,
        person,
        start_date=start_date,
        planned_end=planned_end,
        post_index=leaver.post_index,
        replaces=leaver,
        by=by,
        **terms,
    )


class NotProposed(Exception):
    """The contract was decided meanwhile; nothing was written."""


def validate(contract: Contract, *, by: User) -> None:
    """The secretariat validates a proposed contract (ANAPEC's approval)."""
    if contract.status != ContractStatus.PROPOSED:
        raise NotProposed(contract.id)
    contract.status = ContractStatus.VALIDATED
    contract.decided_at, contract.decided_by_id = utcnow(), by.id
    record(
        "contract.validated",
        actor=by,
        obj=contract,
        organisation_id=contract.organisation_id,
        after={"cin": contract.person.cin},
    )


def refuse(contract: Contract, reason: str, *, by: User) -> None:
    """The secretariat refuses a proposed contract, with a reason the partner reads: its job
    and the person's days are free again."""
    if contract.status != ContractStatus.PROPOSED:
        raise NotProposed(contract.id)
    contract.status = ContractStatus.REFUSED
    contract.refusal_reason = reason
    contract.decided_at, contract.decided_by_id = utcnow(), by.id
    record(
        "contract.refused",
        actor=by,
        obj=contract,
        organisation_id=contract.organisation_id,
        after={"cin": contract.person.cin, "reason": reason},
    )


def end_contract(contract: Contract, on: date, reason: str, note: str = "", *, by: User) -> None:
    """The contract ends on `on` for `reason` (an early end keeps it): its job is free again,
    and the person may be enrolled from the next day on. A contract of enough days gets its
    certificate in the same transaction."""
    from portal.beneficiaries.certificates import issue_if_due  # it reads this module

    if contract.status not in HOLDING:
        raise NotProposed(contract.id)
    if not contract.start_date <= on <= contract.planned_end:
        raise ValueError("an end between the start and the planned end")
    contract.status = ContractStatus.ENDED
    contract.actual_end, contract.end_reason, contract.end_note = on, reason, note or None
    record(
        "contract.ended",
        actor=by,
        obj=contract,
        organisation_id=contract.organisation_id,
        after={"cin": contract.person.cin, "on": on.isoformat(), "reason": reason},
    )
    issue_if_due(contract, by=by)


# Reading


def contracts_of(application_id: int) -> list[Contract]:
    return db.session.scalars(
        select(Contract)
        .options(joinedload(Contract.person))
        .where(Contract.application_id == application_id)
        .order_by(Contract.start_date, Contract.id)
    ).all()


def to_validate(user: User) -> list[Contract]:
    """Proposed contracts of the staff member's provinces, oldest first."""
    return db.session.scalars(
        select(Contract)
        .join(Contract.application)
        .options(joinedload(Contract.person), joinedload(Contract.organisation))
        .where(Contract.status == ContractStatus.PROPOSED)
        .where(in_provinces(user, Application.province_id))
        .order_by(Contract.created_at, Contract.id)
    ).all()


def history(person: Person) -> list[Contract]:
    """Every contract of the person, across worksites, provinces and editions, latest first."""
    return db.session.scalars(
        select(Contract)
        .options(joinedload(Contract.organisation), joinedload(Contract.application))
        .where(Contract.person_id == person.id)
        .order_by(Contract.start_date.desc(), Contract.id.desc())
    ).all()


def is_active(contract: Contract, on: date) -> bool:
    return contract.status in HOLDING and contract.start_date <= on <= contract.end


def search_persons(text: str) -> list[Person]:
    """The person of the CIN typed, whole: no list of people by a letter or two."""
    person = find_person(text)
    return [person] if person else []

"""The outcome figures: rebuilt from the rows by `refresh` (the worker, beat), read by
`dashboard` (the page: a few aggregate rows whatever the number of contracts)."""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, func, insert, select

from portal.applications.models import Application, Status
from portal.audit.models import AuditEvent
from portal.beneficiaries.models import Contract, ContractStatus, Person
from portal.calls.models import Call, CallProvince, Edition
from portal.core.scope import in_provinces
from portal.core.uow import after_commit
from portal.extensions import db
from portal.geo.models import Commune, Province
from portal.organisations.models import Organisation
from portal.outcomes import rules, visits
from portal.outcomes.models import APPLICATION_CUTS, Cut, OutcomeFigure, OutcomeRefresh
from portal.payroll import ledger
from portal.payroll.models import LedgerEntry, LedgerKind, MonthlyStatement, StatementLine
from portal.payroll.models import StatementStatus as S
from portal.timeutil import local_date, utcnow

# Approved: the jobs granted by a committee, whatever came after but a revocation.
APPROVED = (Status.APPROVED, Status.AGREEMENT_ISSUED, Status.AGREEMENT_SIGNED, Status.CLOSED)
SIGNED = (Status.AGREEMENT_SIGNED, Status.CLOSED)
# Applications whose money counts: every one that had an agreement, revoked ones too.
WITH_MONEY = (*APPROVED, Status.AGREEMENT_REVOKED)
# Contracts the secretariat validated (ended ones included); proposed and refused do not count.
COUNTED_CONTRACTS = (ContractStatus.VALIDATED, ContractStatus.ENDED)
# Statement lines that count as declared work: accepted by the secretariat, sent or paid.
COUNTED_STATEMENTS = (S.ACCEPTED, S.SENT, S.PAID)
MEASURES = (
    "approved",
    "signed",
    "started",
    "created",
    "completed",
    "active",
    "early_exits",
    "person_days",
    "people",
)
MONEY = {
    "wage_due": LedgerKind.WAGE_DUE,
    "wage_paid": LedgerKind.WAGE_PAID,
    "grant_due": LedgerKind.GRANT_DUE,
    "grant_paid": LedgerKind.GRANT_PAID,
}


def age_bounds() -> tuple[int, ...]:
    return tuple(current_app.config["OUTCOME_AGE_BANDS"])


def watermark(today: date) -> str:
    """What the figures were computed from: the last audit event (every transition writes
    one), the last ledger entry, and the day (started and active move with it)."""
    last_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    last_entry = db.session.scalar(select(func.max(LedgerEntry.id))) or 0
    return f"{last_event}:{last_entry}:{today.isoformat()}"


def refresh_if_stale(*, today: date | None = None) -> OutcomeRefresh | None:
    """Rebuild the figures when the data changed since the last refresh, or a day passed;
    None when they were still right (three statements)."""
    today = today or local_date()
    last = db.session.get(OutcomeRefresh, 1)
    if last is not None and last.watermark == watermark(today):
        return None
    return refresh(today=today)


@dataclass
class _Tally:
    """The figures being counted, per (province, cut, value)."""

    numbers: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    sets: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    targets: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, keys, measure: str, amount=1) -> None:
        for key in keys:
            self.numbers[key][measure] += amount

    def collect(self, keys, measure: str, item) -> None:
        for key in keys:
            self.sets[key][measure].add(item)


def refresh(*, today: date | None = None) -> OutcomeRefresh:
    """Count every figure again from the applications, contracts, statement lines and ledger,
    and replace the aggregate rows with them; run twice on the same data, the same rows."""
    started_at = time.monotonic()
    today = today or local_date()
    mark = watermark(today)
    last = db.session.scalar(select(OutcomeRefresh).filter_by(id=1).with_for_update())
    tally = _Tally()
    _targets(tally)
    applications = _applications(tally)
    contracts = _contracts(tally, applications, today)
    _money(tally, applications)
    _visits(tally, applications)
    now = utcnow()
    keys = set(tally.numbers) | set(tally.sets) | set(tally.targets)
    rows = []
    for key in sorted(keys):
        province_id, cut, value = key
        row = {"province_id": province_id, "cut": cut, "value": value, "computed_at": now}
        row.update({m: 0 for m in MEASURES} | {m: Decimal("0.00") for m in MONEY})
        row.update(tally.numbers.get(key, {}))
        row.update({m: len(items) for m, items in tally.sets.get(key, {}).items()})
        row["target"] = tally.targets.get(key)
        row.setdefault("visits_made", None)
        row.setdefault("visits_required", None)
        rows.append(row)
    db.session.execute(delete(OutcomeFigure))
    if rows:
        db.session.execute(insert(OutcomeFigure), rows)
    if last is None:
        last = OutcomeRefresh(id=1)
        db.session.add(last)
    last.computed_at = now
    last.watermark = mark
    last.contracts = contracts
    last.seconds = round(time.monotonic() - started_at, 3)
    db.session.flush()
    return last


def _province_keys(province_id: int, values: dict) -> list[tuple]:
    return [(province_id, Cut.PROVINCE.value, "")] + [
        (province_id, cut.value, values[cut]) for cut in APPLICATION_CUTS
    ]


def _targets(tally: _Tally) -> None:
    """Target: the calls' quotas, for the province and its component and edition cuts."""
    for province_id, quota, component, edition in db.session.execute(
        select(CallProvince.province_id, CallProvince.quota_jobs, Call.component, Edition.code)
        .join(Call, Call.id == CallProvince.call_id)
        .join(Edition, Edition.id == Call.edition_id)
    ):
        for key in (
            (province_id, Cut.PROVINCE.value, ""),
            (province_id, Cut.COMPONENT.value, str(component)),
            (province_id, Cut.EDITION.value, edition),
        ):
            tally.targets[key] += quota


def _applications(tally: _Tally) -> dict[int, tuple]:
    """Approved and signed jobs; each application's province, status and cut values."""
    applications = {}
    for (
        app_id,
        province_id,
        component,
        status,
        jobs,
        details,
        edition,
        legal_form,
        commune,
    ) in db.session.execute(
        select(
            Application.id,
            Application.province_id,
            Application.component,
            Application.status,
            Application.jobs_granted,
            Application.details,
            Edition.code,
            Organisation.legal_form,
            Organisation.commune_id,
        )
        .join(Call, Call.id == Application.call_id)
        .join(Edition, Edition.id == Call.edition_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.status.in_(WITH_MONEY))
    ):
        details = details or {}
        values = {
            Cut.COMMUNE: _commune_of(details.get("commune_id"), commune),
            Cut.COMPONENT: str(component),
            Cut.EDITION: edition,
            Cut.SECTOR: str(details.get("sector") or "") if component == 1 else "",
            Cut.LEGAL_FORM: legal_form,
        }
        keys = _province_keys(province_id, values)
        applications[app_id] = (province_id, status, keys)
        if status in APPROVED:
            tally.add(keys, "approved", jobs or 0)
        if status in SIGNED:
            tally.add(keys, "signed", jobs or 0)
    return applications


def _commune_of(worksite, organisation_commune: int) -> str:
    """The worksite's commune (component 1), else the partner's."""
    try:
        return str(int(worksite))
    except (TypeError, ValueError):
        return str(organisation_commune)


def _contracts(tally: _Tally, applications: dict, today: date) -> int:
    """Started, active, completed, early exits, person-days, jobs created and people, from the
    validated contracts of signed agreements and their counted statement lines."""
    min_months = {
        edition_id: int(parameters.get("component2", {}).get("contract_min_months") or 0)
        for edition_id, parameters in db.session.execute(select(Edition.id, Edition.parameters))
    }
    days = dict(
        db.session.execute(
            select(StatementLine.contract_id, func.sum(StatementLine.days_worked))
            .join(MonthlyStatement, MonthlyStatement.id == StatementLine.statement_id)
            .where(MonthlyStatement.status.in_(COUNTED_STATEMENTS), StatementLine.days_worked > 0)
            .group_by(StatementLine.contract_id)
        ).all()
    )
    rows = db.session.execute(
        select(
            Contract.id,
            Contract.application_id,
            Contract.component,
            Contract.edition_id,
            Contract.start_date,
            Contract.planned_end,
            Contract.actual_end,
            Contract.end_reason,
            Contract.replaced_contract_id,
            Contract.person_id,
            Person.sex,
            Person.birth_date,
            Person.education_level,
            Person.disability_card_no.is_not(None),
            Commune.is_urban,
        )
        .join(Person, Person.id == Contract.person_id)
        .join(Commune, Commune.id == Person.commune_id)
        .where(Contract.status.in_(COUNTED_CONTRACTS))
        .order_by(Contract.start_date, Contract.id)
    ).all()
    replaces = {row.id: row.replaced_contract_id for row in rows if row.replaced_contract_id}
    bounds = age_bounds()
    people_seen: set[tuple[int, int]] = set()
    counted = 0
    for row in rows:
        application = applications.get(row.application_id)
        if application is None or application[1] not in SIGNED:
            continue
        province_id, _status, keys = application
        facts = rules.ContractFacts(
            component=row.component,
            start=row.start_date,
            planned_end=row.planned_end,
            actual_end=row.actual_end,
            end_reason=row.end_reason,
            min_months=min_months.get(row.edition_id, 0),
        )
        counted += 1
        worked = int(days.get(row.id) or 0)
        if worked:
            tally.add(keys, "person_days", worked)
            tally.collect(keys, "created", rules.post_of(row.id, replaces))
        if not rules.started(facts, today):
            continue
        tally.add(keys, "started")
        tally.collect(keys, "people", row.person_id)
        if rules.active(facts, today):
            tally.add(keys, "active")
        if rules.completed(facts, today):
            tally.add(keys, "completed")
        if rules.early_exit(facts):
            tally.add(keys, "early_exits")
            tally.add(
                [(province_id, Cut.EXIT_REASON.value, rules.exit_reason(facts))], "early_exits"
            )
        if (province_id, row.person_id) in people_seen:
            continue  # a person counts once per province, as at their first contract there
        people_seen.add((province_id, row.person_id))
        for cut, value in (
            (Cut.SEX, row.sex),
            (Cut.AGE_BAND, rules.age_band(row.birth_date.year, row.start_date.year, bounds)),
            (Cut.EDUCATION, row.education_level),
            (Cut.DISABILITY, "declared" if row[13] else "none"),
            (Cut.AREA, "urban" if row.is_urban else "rural"),
        ):
            tally.add([(province_id, cut.value, value)], "people")
    return counted


def _money(tally: _Tally, applications: dict) -> None:
    """Wages and grants due and paid: the ledger's sums per application (its one source)."""
    for application_id, sums in ledger.totals_by("application_id").items():
        application = applications.get(application_id)
        if application is None:
            continue
        for measure, kind in MONEY.items():
            tally.add(application[2], measure, sums[kind.value])
        # Recoveries are negative: what was paid of the grant, net of them.
        tally.add(application[2], "grant_paid", sums[LedgerKind.GRANT_RECOVERED.value])


def _visits(tally: _Tally, applications: dict) -> None:
    """Visits made and required, where monitoring provides them (portal/outcomes/visits.py)."""
    per_application = visits.per_application()
    if per_application is None:
        return
    for application_id, (made, required) in per_application.items():
        application = applications.get(application_id)
        if application is not None:
            tally.add(application[2], "visits_made", made)
            tally.add(application[2], "visits_required", required)


# The page


@dataclass
class Line:
    """The figures of one value of a cut, summed over the provinces shown."""

    value: str
    target: int | None = None
    numbers: dict = field(default_factory=lambda: defaultdict(int))
    money: dict = field(default_factory=lambda: defaultdict(lambda: Decimal("0.00")))
    visits: list | None = None  # [made, required]

    def __getattr__(self, name):
        if name in MEASURES:
            return self.numbers[name]
        if name in MONEY:
            return self.money[name]
        raise AttributeError(name)

    @property
    def person_months(self) -> float:
        return rules.person_months(self.numbers["person_days"])


@dataclass
class Dashboard:
    provinces: list[Province]  # those shown, in order
    choices: list[Province]  # those the staff member may choose
    every_province: bool  # the staff member sees the whole region
    chosen: Province | None
    computed_at: datetime | None
    total: Line
    by_province: dict[int, Line]
    cuts: dict[str, list[Line]]  # cut → lines, in the order of its values
    communes: dict[int, Commune]
    editions: dict[str, Edition]

    def share(self, line: Line) -> float | None:
        return rules.share(line.numbers["people"], self.total.numbers["people"])


def dashboard(user, province_id: int | None = None) -> Dashboard:
    """The figures of the provinces `user` sees (one of them when `province_id` is given),
    from the aggregate rows: three statements whatever the data's size."""
    provinces = db.session.scalars(
        select(Province).where(in_provinces(user, Province.id)).order_by(Province.id)
    ).all()
    every = len(provinces) == db.session.scalar(select(func.count(Province.id)))
    chosen = next((p for p in provinces if p.id == province_id), None)
    shown = [chosen.id] if chosen else [p.id for p in provinces]
    figures = db.session.scalars(
        select(OutcomeFigure).where(OutcomeFigure.province_id.in_(shown or [-1]))
    ).all()
    total = Line("")
    by_province = {p.id: Line(str(p.id)) for p in provinces if p.id in shown}
    cuts: dict[str, dict[str, Line]] = defaultdict(dict)
    computed_at = None
    for figure in figures:
        computed_at = max(computed_at or figure.computed_at, figure.computed_at)
        if figure.cut == Cut.PROVINCE:
            _add(total, figure)
            _add(by_province[figure.province_id], figure)
        else:
            line = cuts[figure.cut].setdefault(figure.value, Line(figure.value))
            _add(line, figure)
    communes = {}
    commune_ids = [int(v) for v in cuts.get(Cut.COMMUNE.value, {}) if v.isdigit()]
    if commune_ids:
        communes = {
            c.id: c for c in db.session.scalars(select(Commune).where(Commune.id.in_(commune_ids)))
        }
    editions = {e.code: e for e in db.session.scalars(select(Edition))}
    return Dashboard(
        provinces=[p for p in provinces if p.id in shown],
        choices=list(provinces),
        every_province=every and chosen is None,
        chosen=chosen,
        computed_at=computed_at,
        total=total,
        by_province=by_province,
        cuts={cut: _ordered(cut, lines) for cut, lines in cuts.items()},
        communes=communes,
        editions=editions,
    )


def _add(line: Line, figure: OutcomeFigure) -> None:
    if figure.target is not None:
        line.target = (line.target or 0) + figure.target
    for measure in MEASURES:
        line.numbers[measure] += getattr(figure, measure)
    for measure in MONEY:
        line.money[measure] += getattr(figure, measure)
    if figure.visits_made is not None:
        line.visits = [
            a + b
            for a, b in zip(
                line.visits or [0, 0],
                (figure.visits_made, figure.visits_required or 0),
                strict=True,
            )
        ]


def _ordered(cut: str, lines: dict[str, Line]) -> list[Line]:
    if cut == Cut.AGE_BAND:
        order = {band: i for i, band in enumerate(rules.age_bands(age_bounds()))}
        return sorted(lines.values(), key=lambda line: order.get(line.value, len(order)))
    if cut in (Cut.COMPONENT, Cut.EDITION):
        return sorted(lines.values(), key=lambda line: line.value)
    key = (
        "people"
        if cut in (c.value for c in (Cut.SEX, Cut.EDUCATION, Cut.DISABILITY, Cut.AREA))
        else "started"
    )
    if cut == Cut.EXIT_REASON:
        key = "early_exits"
    return sorted(lines.values(), key=lambda line: (-line.numbers[key], line.value))


def request_refresh() -> None:
    """Count the figures again now (a staff member asked), in the worker after the commit."""
    after_commit("refresh_outcomes", 1)

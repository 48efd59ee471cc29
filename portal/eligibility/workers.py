"""Worker eligibility: the rules a person meets on a contract's start (B1-*, C2-HIRE-*), one pure
predicate each, over plain data: `evaluate_worker(facts, edition)`.

`facts` is what the enrolment declares, as plain values (dates as ISO strings or dates):
    {"component": 1, "start_date": ..., "birth_date": ..., "target_group": "difficult_access",
     "proof_date": ..., "anapec_registration_date": ..., "cnss_last_declared_on": ...,
     "has_disability_card": False}
`edition` is the edition's parameters; its `[workers]` table says which rules are in force, their
severity, the age bounds, the target groups with the proof each needs, and how long a proof stays
valid. A predicate returns (outcome, values, message), or None where it does not apply to the
person (a rule of another target group).
"""

import calendar
from datetime import date, timedelta

from portal.eligibility.engine import Outcome, Report, combine
from portal.eligibility.rules import FAIL, N_, PASS, REVIEW, N_plural, Rule, _day

# Their own registry: the application's engine runs every rule of RULES it is given.
WORKER_RULES: dict[str, Rule] = {}


def worker_rule(rule_id: str, title: str, components: tuple[int, ...] = (1, 2)):
    def register(check):
        WORKER_RULES[rule_id] = Rule(rule_id, title, components, check)
        return check

    return register


def age_on(birth: date, on: date) -> int:
    """Whole years reached on `on`: a birthday on that day counts (born 29 February: 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def groups_of(edition: dict, component: int) -> dict[str, dict]:
    """The edition's target groups open to `component`, by code."""
    groups = edition.get("workers", {}).get("target_groups", [])
    return {g["code"]: g for g in groups if component in g.get("components", (1, 2))}


def _group(facts: dict, edition: dict) -> dict | None:
    return groups_of(edition, facts["component"]).get(facts.get("target_group") or "")


def months_before(on: date, months: int) -> date:
    """The same day `months` earlier, or the last day of that month where it is shorter."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, calendar.monthrange(year, month + 1)[1]))


def proof_valid_until(proof_date: date, valid_days: int) -> date | None:
    """The last day a proof of `proof_date` holds; None where the edition sets no limit (0)."""
    return proof_date + timedelta(days=valid_days) if valid_days else None


# Age


AGE_WITHIN = N_("Aged %(age)s at the start of the contract, %(start)s: within %(min)s to %(max)s.")
AGE_WITHIN_NO_MAX = N_("Aged %(age)s at the start of the contract, %(start)s: %(min)s or more.")
AGE_OUTSIDE = N_(
    "The person is aged %(age)s at the start of the contract, %(start)s: this edition enrols "
    "workers aged %(min)s to %(max)s."
)
AGE_OUTSIDE_NO_MAX = N_(
    "The person is aged %(age)s at the start of the contract, %(start)s: this edition enrols "
    "workers aged %(min)s or more."
)


@worker_rule("B1-AGE", N_("Age at the start"))
def age(facts, edition):
    settings = edition["workers"]
    low, high = settings["min_age"], settings.get("max_age") or None
    start = _day(facts["start_date"])
    years = age_on(_day(facts["birth_date"]), start)
    values = {"age": years, "start": start.isoformat(), "min": low, "max": high}
    if low <= years and (high is None or years <= high):
        return PASS, values, AGE_WITHIN if high else AGE_WITHIN_NO_MAX
    return FAIL, values, AGE_OUTSIDE if high else AGE_OUTSIDE_NO_MAX


# Target groups


def _target(facts, edition):
    group = _group(facts, edition)
    allowed = list(groups_of(edition, facts["component"]))
    values = {"group": facts.get("target_group"), "allowed": allowed}
    if group is not None:
        return (
            PASS,
            values,
            N_("The person belongs to a target group of this component: %(group)s."),
        )
    if not facts.get("target_group"):
        return (
            REVIEW,
            values,
            N_(
                "No target group was given: the secretariat checks which one the person "
                "belongs to (%(allowed)s) before validating."
            ),
        )
    return (
        FAIL,
        values,
        N_("%(group)s is not a target group of this component; its groups are: %(allowed)s."),
    )


# Component 1: priority groups, self-declared [V]; component 2: every hire is in one [mixed].
worker_rule("B1-TARGET-C1", N_("Target group"), (1,))(_target)
worker_rule("C2-HIRE-TARGET", N_("Target group"), (2,))(_target)


@worker_rule("B1-PROOF", N_("Proof of the target group"))
def proof(facts, edition):
    """The group's proof, given and still valid on the start day (a declaration signed at the
    enrolment needs no date)."""
    group = _group(facts, edition)
    if group is None:
        return None
    kind = group["proof"]
    settings = edition["workers"]["proofs"][kind]
    start = _day(facts["start_date"])
    values = {"proof": kind, "start": start.isoformat(), "valid_days": settings.get("valid_days")}
    if kind == "declaration":
        return PASS, values, N_("The person declares it on honour at the enrolment.")
    given = _day(facts.get("proof_date"))
    if given is None:
        return FAIL, values, N_("The date of the proof (%(proof)s) is missing: give it.")
    values["proof_date"] = given.isoformat()
    until = proof_valid_until(given, settings.get("valid_days") or 0)
    if until is None:
        return (
            PASS,
            values,
            N_("%(proof)s of %(proof_date)s; this edition sets no limit to its validity."),
        )
    values["valid_until"] = until.isoformat()
    if given > start:
        return FAIL, values, N_("%(proof)s is dated %(proof_date)s, after the start, %(start)s.")
    if until < start:
        return FAIL, values, PROOF_EXPIRED
    return PASS, values, PROOF_VALID


PROOF_VALID = N_plural(
    "%(proof)s of %(proof_date)s, valid for %(valid_days)s day, until %(valid_until)s: valid on "
    "the start, %(start)s. The secretariat sees the document when it validates.",
    "%(proof)s of %(proof_date)s, valid for %(valid_days)s days, until %(valid_until)s: valid on "
    "the start, %(start)s. The secretariat sees the document when it validates.",
    "valid_days",
)
PROOF_EXPIRED = N_plural(
    "%(proof)s of %(proof_date)s was valid for %(valid_days)s day, until %(valid_until)s: it "
    "has expired by the start, %(start)s. Ask for a newer one.",
    "%(proof)s of %(proof_date)s was valid for %(valid_days)s days, until %(valid_until)s: it "
    "has expired by the start, %(start)s. Ask for a newer one.",
    "valid_days",
)


def _window(facts, edition, code: str) -> tuple[date, int] | None:
    """For a person of the group `code`: the day its `months` before the start fall on, and
    that number; None for a person of another group."""
    group = _group(facts, edition)
    if group is None or group["code"] != code:
        return None
    months = int(group["months"])
    return months_before(_day(facts["start_date"]), months), months


ANAPEC_LONG_ENOUGH = N_plural(
    "Registered with ANAPEC on %(registered)s, at least %(months)s month before the start "
    "(by %(latest)s).",
    "Registered with ANAPEC on %(registered)s, at least %(months)s months before the start "
    "(by %(latest)s).",
    "months",
)
ANAPEC_TOO_RECENT = N_plural(
    "Registered with ANAPEC on %(registered)s: this group asks for a registration of at least "
    "%(months)s month before the start, so on %(latest)s at the latest.",
    "Registered with ANAPEC on %(registered)s: this group asks for a registration of at least "
    "%(months)s months before the start, so on %(latest)s at the latest.",
    "months",
)
ANAPEC_MISSING = N_plural(
    "The date of registration with ANAPEC is missing: this group asks for at least %(months)s "
    "month before the start.",
    "The date of registration with ANAPEC is missing: this group asks for at least %(months)s "
    "months before the start.",
    "months",
)


@worker_rule("C2-HIRE-ANAPEC-24M", N_("Registered with ANAPEC"), (2,))
def anapec_registration(facts, edition):
    window = _window(facts, edition, "anapec_24_months")
    if window is None:
        return None
    latest, months = window
    registered = _day(facts.get("anapec_registration_date"))
    values = {"months": months, "latest": latest.isoformat()}
    if registered is None:
        return FAIL, values, ANAPEC_MISSING
    values["registered"] = registered.isoformat()
    if registered <= latest:
        return PASS, values, ANAPEC_LONG_ENOUGH
    return FAIL, values, ANAPEC_TOO_RECENT


NOT_DECLARED = N_plural(
    "Not declared to the CNSS in the %(months)s month before the start (since %(since)s).",
    "Not declared to the CNSS in the %(months)s months before the start (since %(since)s).",
    "months",
)
DECLARED_RECENTLY = N_plural(
    "Last declared to the CNSS on %(declared)s, within the %(months)s month before the start "
    "(since %(since)s).",
    "Last declared to the CNSS on %(declared)s, within the %(months)s months before the start "
    "(since %(since)s).",
    "months",
)


@worker_rule("C2-HIRE-NOT-DECLARED", N_("Not declared to the CNSS"), (2,))
def not_declared(facts, edition):
    """No CNSS declaration from `months` before the start on; no date given means the CNSS
    statement shows none (the proof rule asks for that statement)."""
    window = _window(facts, edition, "not_declared_6_months")
    if window is None:
        return None
    since, months = window
    declared = _day(facts.get("cnss_last_declared_on"))
    values = {"months": months, "since": since.isoformat()}
    if declared is None or declared < since:
        if declared:
            values["declared"] = declared.isoformat()
        return PASS, values, NOT_DECLARED
    values["declared"] = declared.isoformat()
    return FAIL, values, DECLARED_RECENTLY


@worker_rule("C2-HIRE-DISABILITY", N_("Disability card"), (2,))
def disability(facts, edition):
    group = _group(facts, edition)
    if group is None or group["code"] != "disability":
        return None
    if facts.get("has_disability_card"):
        return PASS, {}, N_("A disability card number is recorded (only the secretariat sees it).")
    return FAIL, {}, N_("This group needs the number of the person's disability card.")


def evaluate_worker(facts: dict, edition: dict) -> Report:
    """Every worker rule the edition enables for the contract's component, in the file's order;
    a failed rule of severity "review" asks the secretariat to look instead of refusing."""
    settings = edition.get("workers") or {}
    results = []
    for rule_id, severity in settings.get("rules", {}).items():
        rule = WORKER_RULES.get(rule_id)
        if rule is None or facts["component"] not in rule.components:
            continue
        checked = rule.check(facts, edition)
        if checked is None:
            continue
        outcome, values, message = checked
        if outcome == FAIL and severity == "review":
            outcome = REVIEW
        results.append(Outcome(rule_id, outcome, values, message))
    return Report(combine(results), settings.get("rules_version", ""), results)

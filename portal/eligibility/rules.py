"""The rules, one pure predicate each: (snapshot, edition, context) -> (outcome, values, message).

Messages are English ids marked with N_ for the catalogs and translated where they are shown;
their %(name)s placeholders come from the values. A message whose noun agrees with a value
("24 months") is marked with N_plural, and shown in the form that value takes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.ma import ice as stdnum_ice

PASS, FAIL, REVIEW = "pass", "fail", "needs_review"


def N_(message: str) -> str:  # the gettext convention for "translate later"
    return message


# Messages whose noun agrees with one of their values ("1 month", "24 months"): a report keeps
# the plural id, and the reader sees the form their language gives that value.
PLURALS: dict[str, tuple[str, str]] = {}


def N_plural(singular: str, plural: str, count: str) -> str:
    """Mark a message with its singular and plural for the catalogs; `count` names the value
    that chooses the form. Called at import time, so that every process knows them."""
    PLURALS[plural] = (singular, count)
    return plural


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    components: tuple[int, ...]
    check: Callable


RULES: dict[str, Rule] = {}


def rule(rule_id: str, title: str, components: tuple[int, ...]):
    def register(check):
        RULES[rule_id] = Rule(rule_id, title, components, check)
        return check

    return register


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def minimum_wage_in_force(edition: dict, on: date) -> dict:
    """The SMIG's entry in force on `on` (the latest whose date has come): its monthly amount
    and the date it took effect, {"monthly_mad": 2970.05, "since": "2022-09-01"}."""
    amounts = sorted(edition["minimum_wage"], key=lambda m: str(m["since"]))
    current = amounts[0]
    for amount in amounts:
        if _day(str(amount["since"])) <= on:
            current = amount
    return {"monthly_mad": current["monthly_mad"], "since": str(current["since"])}


def minimum_wage(edition: dict, on: date) -> float:
    """The SMIG in force on `on` (the latest amount whose date has come)."""
    return minimum_wage_in_force(edition, on)["monthly_mad"]


def field_bounds(edition: dict, on: date) -> dict[str, tuple]:
    """(lowest, highest) the edition allows for each number an applicant types, None where it
    sets no bound, on the date `on` (the minimum wage changes): the one source of the step
    forms, which check each number where it is typed, and of the rules below."""
    c1, c2 = edition["component1"], edition["component2"]
    return {
        "workers_planned": (c1["workers"]["min"], c1["workers"]["max"]),
        "duration_months": (c1["duration_months"]["min"], c1["duration_months"]["max"]),
        "count": (1, c2["max_posts_per_employer"]),
        "contract_months": (c2["contract_min_months"], None),
        "monthly_wage": (minimum_wage(edition, on), None),
        "turnover": (0, c2.get("turnover_cap_mad") or None),
    }


# What failing rules said before they named the values (reports keep the message id they
# were given): kept for the catalogs, so those reports still read in their language.
FORMER_MESSAGES = (
    N_("This legal form may not apply to this component."),
    N_("The tax and CNSS certificates must be there and valid on the day of submission."),
    N_("The turnover exceeds %(cap)s MAD in at least one of the last three years."),
    N_("The ICE must have 15 digits."),
    N_("The RIB must have 24 digits."),
    N_("The CNSS affiliation number must have 7 digits."),
    N_("The contact phone number is not a Moroccan number."),
    N_("The application was first submitted outside the call's dates."),
    N_("The number of workers should be between %(min)s and %(max)s."),
    N_("Every monthly wage must be at least the minimum wage, %(minimum_wage)s MAD."),
    N_("Every person hired must belong to one of the edition's target groups."),
)


# The organisation


def _legal_form(component: int):
    def check(snapshot, edition, context):
        form = snapshot["organisation"]["legal_form"]
        allowed = edition[f"component{component}"]["legal_forms"]
        values = {"legal_form": form, "allowed": allowed}
        if form in allowed:
            return (
                PASS,
                values,
                N_("The legal form of the organisation may apply to this component."),
            )
        return (
            FAIL,
            values,
            N_(
                "An organisation of this legal form (%(legal_form)s) may not apply to this "
                "component: it is open to %(allowed)s."
            ),
        )

    return check


rule("C1-ORG-FORM", N_("Legal form"), (1,))(_legal_form(1))
rule("C2-ORG-FORM", N_("Legal form"), (2,))(_legal_form(2))


def _documents_present(snapshot, codes, *, on: date | None = None):
    held = {}
    for document in snapshot["documents"]:
        held[document["kind"]] = document
    missing, expired = [], []
    for code in codes:
        document = held.get(code)
        if document is None:
            missing.append(code)
        elif on and document.get("valid_until") and _day(document["valid_until"]) < on:
            expired.append(code)
    return missing, expired


@rule("C1-ORG-DOCS", N_("Documents of the organisation"), (1,))
def organisation_documents(snapshot, edition, context):
    required = snapshot["call"]["required_documents"]["organisation"]
    missing, _ = _documents_present(snapshot, required)
    values = {"required": len(required), "missing": missing}
    if missing:
        return (
            FAIL,
            values,
            N_("Some documents of the organisation are missing: %(missing_names)s."),
        )
    return PASS, values, N_("Every document the organisation must give is there.")


@rule("C2-REGULARITY", N_("Tax and CNSS certificates"), (2,))
def regularity(snapshot, edition, context):
    required = snapshot["call"]["required_documents"]["regularity"]
    on = _day(snapshot["application"]["submitted_at"])
    missing, expired = _documents_present(snapshot, required, on=on)
    values = {"missing": missing, "expired": expired, "on": on.isoformat()}
    if missing or expired:
        return (
            FAIL,
            values,
            N_(
                "The tax and CNSS certificates must be there and valid on the day of submission "
                "(%(on)s); missing or expired: %(missing_names)s."
            ),
        )
    return PASS, values, N_("The tax and CNSS certificates are valid on the day of submission.")


@rule("C2-TURNOVER", N_("Turnover"), (2,))
def turnover(snapshot, edition, context):
    _low, cap = field_bounds(edition, _day(snapshot["application"]["submitted_at"]))["turnover"]
    if not cap:
        return PASS, {"cap": None}, N_("This edition sets no turnover limit.")
    years = snapshot["application"]["details"].get("turnover", [])
    amounts = [_number(y) for y in years]
    values = {"cap": cap, "turnover": amounts}
    if len(amounts) < 3 or any(a is None for a in amounts):
        return FAIL, values, N_("Give the turnover of each of the last three years.")
    if max(amounts) > cap:
        values["highest"] = max(amounts)
        return (
            FAIL,
            values,
            N_(
                "A turnover of %(highest)s MAD in one of the last three years is above this "
                "edition's limit of %(cap)s MAD."
            ),
        )
    return (
        PASS,
        values,
        N_("The turnover stays within %(cap)s MAD in each of the last three years."),
    )


@rule("C2-IDS", N_("Company identifiers"), (2,))
def company_ids(snapshot, edition, context):
    organisation = snapshot["organisation"]
    needed = ["cnss_affiliation"] + (
        ["ice", "rc"] if organisation["legal_form"] == "company" else []
    )
    missing = [name for name in needed if not organisation.get(name)]
    values = {"missing": missing}
    if missing:
        return FAIL, values, N_("The employer's identifiers are incomplete: %(missing_names)s.")
    return PASS, values, N_("The employer's identifiers are given.")


# Identifier formats block, check keys ask for a review (V-* rules).


@rule("V-ICE", N_("ICE"), (1, 2))
def ice_format(snapshot, edition, context):
    value = snapshot["organisation"].get("ice")
    if not value:
        return PASS, {}, N_("No ICE to check.")
    try:
        stdnum_ice.validate(value)
    except InvalidChecksum:
        return REVIEW, {"ice": value}, N_("The check digits of the ICE look wrong.")
    except ValidationError:
        return FAIL, {"ice": value}, N_("The ICE %(ice)s must have 15 digits.")
    return PASS, {"ice": value}, N_("The ICE is well formed.")


@rule("V-RIB", N_("RIB"), (1, 2))
def rib_format(snapshot, edition, context):
    value = snapshot["organisation"].get("rib")
    if not value:
        return PASS, {}, N_("No RIB to check.")
    if not re.fullmatch(r"\d{24}", value):
        return FAIL, {"rib": value}, N_("The RIB %(rib)s must have 24 digits.")
    if int(value) % 97 != 0:
        return REVIEW, {"rib": value}, N_("The check digits of the RIB look wrong.")
    return PASS, {"rib": value}, N_("The RIB is well formed.")


@rule("V-CNSS", N_("CNSS affiliation"), (1, 2))
def cnss_format(snapshot, edition, context):
    value = snapshot["organisation"].get("cnss_affiliation")
    if not value:
        return PASS, {}, N_("No CNSS number to check.")
    if not re.fullmatch(r"\d{7}", value):
        return (
            FAIL,
            {"cnss": value},
            N_("The CNSS affiliation number %(cnss)s must have 7 digits."),
        )
    return PASS, {"cnss": value}, N_("The CNSS affiliation number is well formed.")


@rule("V-PHONE", N_("Phone number"), (1, 2))
def phone_format(snapshot, edition, context):
    value = snapshot.get("applicant", {}).get("phone") or ""
    if re.fullmatch(r"(?:\+212|00212|0)[5-7]\d{8}", value):
        return PASS, {"phone": value}, N_("The contact phone number is a Moroccan number.")
    return (
        FAIL,
        {"phone": value},
        N_(
            "The contact phone number %(phone)s is not a Moroccan number (like 0612345678 or "
            "+212612345678)."
        ),
    )


# The call


def _call_window(snapshot, edition, context):
    call = snapshot["call"]
    first = (
        snapshot["application"].get("first_submitted_at") or snapshot["application"]["submitted_at"]
    )
    values = {"submitted_at": first, "opens_at": call["opens_at"], "closes_at": call["closes_at"]}
    if call["opens_at"] <= first <= call["closes_at"]:
        return PASS, values, N_("The application was first submitted while the call was open.")
    return (
        FAIL,
        values,
        N_(
            "The application was first submitted on %(submitted_at)s, outside the call's dates "
            "(from %(opens_at)s to %(closes_at)s)."
        ),
    )


rule("C1-CALL-WINDOW", N_("Dates of the call"), (1,))(_call_window)
rule("C2-CALL-WINDOW", N_("Dates of the call"), (2,))(_call_window)


@rule("C1-PROJ-PROVINCE", N_("Province and commune"), (1,))
def province(snapshot, edition, context):
    application, call = snapshot["application"], snapshot["call"]
    place = call["provinces"].get(str(application.get("province_id")))
    commune = application["details"].get("commune_id")
    values = {"province_id": application.get("province_id"), "commune_id": commune}
    if place is None:
        return FAIL, values, N_("The worksite's province is not covered by this call.")
    if _int(commune) not in place["commune_ids"]:
        return FAIL, values, N_("The worksite's commune is not in the province of the application.")
    return PASS, values, N_("The worksite is in a province and commune of the call.")


@rule("C1-PROJ-SECTOR", N_("Sector of the worksite"), (1,))
def sector(snapshot, edition, context):
    value = snapshot["application"]["details"].get("sector")
    allowed = [s["code"] for s in edition["component1"]["sectors"]]
    if value in allowed:
        return PASS, {"sector": value}, N_("The sector is one the edition funds.")
    return FAIL, {"sector": value}, N_("The sector is not one the edition funds.")


MONTHS_WITHIN = N_plural(
    "%(months)s month, between %(min)s and %(max)s.",
    "%(months)s months, between %(min)s and %(max)s.",
    "months",
)
MONTHS_MISSING = N_plural(
    "The duration is missing or is not a whole number of months: this edition allows between "
    "%(min)s and %(max)s month.",
    "The duration is missing or is not a whole number of months: this edition allows between "
    "%(min)s and %(max)s months.",
    "max",
)
MONTHS_OUTSIDE = N_plural(
    "The worksite lasts %(months)s month: this edition allows between %(min)s and %(max)s.",
    "The worksite lasts %(months)s months: this edition allows between %(min)s and %(max)s.",
    "months",
)


@rule("C1-PROJ-DURATION", N_("Duration of the worksite"), (1,))
def duration(snapshot, edition, context):
    on = _day(snapshot["application"]["submitted_at"])
    low, high = field_bounds(edition, on)["duration_months"]
    months = _int(snapshot["application"]["details"].get("duration_months"))
    values = {"months": months, "min": low, "max": high}
    if months is not None and low <= months <= high:
        return PASS, values, MONTHS_WITHIN
    if months is None:
        return FAIL, values, MONTHS_MISSING
    return FAIL, values, MONTHS_OUTSIDE


WORKERS_WITHIN = N_plural(
    "%(workers)s worker, between %(min)s and %(max)s.",
    "%(workers)s workers, between %(min)s and %(max)s.",
    "workers",
)
WORKERS_MISSING = N_plural(
    "The number of workers is missing or is not a whole number: this edition allows between "
    "%(min)s and %(max)s worker per worksite.",
    "The number of workers is missing or is not a whole number: this edition allows between "
    "%(min)s and %(max)s workers per worksite.",
    "max",
)
WORKERS_OUTSIDE = N_plural(
    "The worksite plans %(workers)s worker: this edition allows between %(min)s and %(max)s "
    "per worksite.",
    "The worksite plans %(workers)s workers: this edition allows between %(min)s and %(max)s "
    "per worksite.",
    "workers",
)


@rule("C1-PROJ-HEADCOUNT", N_("Number of workers"), (1,))
def headcount(snapshot, edition, context):
    on = _day(snapshot["application"]["submitted_at"])
    low, high = field_bounds(edition, on)["workers_planned"]
    workers = _int(snapshot["application"]["details"].get("workers_planned"))
    values = {"workers": workers, "min": low, "max": high}
    if workers is not None and low <= workers <= high:
        return PASS, values, WORKERS_WITHIN
    if workers is None:
        return FAIL, values, WORKERS_MISSING
    return FAIL, values, WORKERS_OUTSIDE


# Component 2: the posts


def _posts(snapshot) -> list[dict]:
    return [p for p in snapshot["application"]["details"].get("posts", []) if p.get("title")]


CONTRACTS_TOO_SHORT = N_plural(
    "Every contract must last at least %(min)s month, the minimum of this edition; "
    "shorter: %(short)s.",
    "Every contract must last at least %(min)s months, the minimum of this edition; "
    "shorter: %(short)s.",
    "min",
)
CONTRACTS_LONG_ENOUGH = N_plural(
    "Every contract lasts at least %(min)s month.",
    "Every contract lasts at least %(min)s months.",
    "min",
)


@rule("C2-CONTRACT-MIN", N_("Length of the contracts"), (2,))
def contract_length(snapshot, edition, context):
    on = _day(snapshot["application"]["submitted_at"])
    minimum, _high = field_bounds(edition, on)["contract_months"]
    short = [
        p["title"] for p in _posts(snapshot) if (_int(p.get("contract_months")) or 0) < minimum
    ]
    values = {"min": minimum, "short": short}
    if not _posts(snapshot):
        return FAIL, values, N_("Give at least one post to fill.")
    if short:
        return FAIL, values, CONTRACTS_TOO_SHORT
    return PASS, values, CONTRACTS_LONG_ENOUGH


@rule("C2-WAGE-FLOOR", N_("Wages"), (2,))
def wage_floor(snapshot, edition, context):
    on = _day(snapshot["application"]["submitted_at"])
    floor, _high = field_bounds(edition, on)["monthly_wage"]
    low = [p["title"] for p in _posts(snapshot) if (_number(p.get("monthly_wage")) or 0) < floor]
    values = {"minimum_wage": floor, "on": on.isoformat(), "low": low}
    if low:
        return (
            FAIL,
            values,
            N_(
                "Every monthly wage must be at least the minimum wage, %(minimum_wage)s MAD; "
                "lower: %(low)s."
            ),
        )
    return (
        PASS,
        values,
        N_("Every monthly wage is at least the minimum wage, %(minimum_wage)s MAD."),
    )


@rule("C2-HIRE-CATEGORY", N_("People hired"), (2,))
def hire_category(snapshot, edition, context):
    allowed = {c["code"] for c in edition["component2"]["categories"]}
    short = []
    for post in _posts(snapshot):
        counts = post.get("categories") or {}
        in_categories = sum(_int(v) or 0 for k, v in counts.items() if k in allowed)
        if in_categories < (_int(post.get("count")) or 0):
            short.append(post["title"])
    values = {"short": short}
    if short:
        return (
            FAIL,
            values,
            N_(
                "Every person hired must belong to one of the edition's target groups; the "
                "groups count fewer people than the hires in: %(short)s."
            ),
        )
    return PASS, values, N_("Every person hired belongs to one of the edition's target groups.")


POSTS_WITHIN_CAP = N_plural(
    "%(posts)s post, within the limit of %(cap)s per employer.",
    "%(posts)s posts, within the limit of %(cap)s per employer.",
    "posts",
)
POSTS_ABOVE_CAP = N_plural(
    "%(posts)s post, above the limit of %(cap)s per employer.",
    "%(posts)s posts, above the limit of %(cap)s per employer.",
    "posts",
)


@rule("C2-CAP-EMPLOYER", N_("Posts per employer"), (2,))
def employer_cap(snapshot, edition, context):
    _low, cap = field_bounds(edition, _day(snapshot["application"]["submitted_at"]))["count"]
    total = sum(_int(p.get("count")) or 0 for p in _posts(snapshot))
    values = {"posts": total, "cap": cap}
    if total <= cap:
        return PASS, values, POSTS_WITHIN_CAP
    return FAIL, values, POSTS_ABOVE_CAP


JOBS_WITHIN_QUOTA = N_plural(
    "%(requested)s job asked, %(remaining)s left in the province.",
    "%(requested)s jobs asked, %(remaining)s left in the province.",
    "requested",
)
JOBS_ABOVE_QUOTA = N_plural(
    "%(requested)s job asked, but only %(remaining)s left in the province.",
    "%(requested)s jobs asked, but only %(remaining)s left in the province.",
    "requested",
)


@rule("Q-PROVINCE-QUOTA", N_("Jobs left in the province"), (1, 2))
def province_quota(snapshot, edition, context):
    remaining = context.get("remaining_quota")
    requested = snapshot["application"].get("jobs_requested") or 0
    values = {"requested": requested, "remaining": remaining}
    if remaining is None or requested <= remaining:
        return PASS, values, JOBS_WITHIN_QUOTA
    return FAIL, values, JOBS_ABOVE_QUOTA

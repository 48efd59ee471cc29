"""Every rule, passing and failing, on plain data, for both editions where they differ."""

import copy
import tomllib
from datetime import date
from pathlib import Path

import pytest

from portal.eligibility import evaluate, grant
from portal.eligibility.rules import RULES, field_bounds

EDITIONS = {
    code: tomllib.loads((Path(__file__).parents[2] / "editions" / f"{code}.toml").read_text())
    for code in ("awrach1_2022", "awrach2_2023")
}


def snapshot(component: int, edition: str = "awrach1_2022", **changes) -> dict:
    """A submission that passes every rule; `changes` set dotted paths."""
    details = (
        {
            "title": "تشجير",
            "sector": "forests",
            "commune_id": 11,
            "workers_planned": "24",
            "duration_months": "6",
        }
        if component == 1
        else {
            "posts": [
                {
                    "title": "Agent",
                    "count": "3",
                    "contract_months": "24",
                    "monthly_wage": "3500",
                    "categories": {"covid_job_loss": "2", "difficult_access": "1"},
                }
            ],
            "turnover": ["900000", "800000", "700000"],
        }
    )
    data = {
        "application": {
            "component": component,
            "province_id": 2,
            "details": details,
            "jobs_requested": 24 if component == 1 else 3,
            "submitted_at": "2023-10-02T10:00:00",
            "first_submitted_at": "2023-10-02T10:00:00",
        },
        "organisation": {
            "legal_form": "association" if component == 1 else "company",
            "ice": "001561191000066",
            "rc": "4521",
            "cnss_affiliation": "1234567",
            "rib": "011780000012345678901234",
        },
        "applicant": {"phone": "+212612345678"},
        "documents": [
            {"kind": k, "valid_until": "2024-01-31"}
            for k in ("statutes", "bureau_minutes", "tax_certificate", "cnss_certificate")
        ],
        "call": {
            "opens_at": "2023-09-01T00:00:00",
            "closes_at": "2023-10-31T23:00:00",
            "provinces": {"2": {"quota": 950, "commune_ids": [10, 11, 12]}},
            "required_documents": {
                "organisation": ["statutes", "bureau_minutes"],
                "regularity": ["tax_certificate", "cnss_certificate"],
            },
            "edition": copy.deepcopy(EDITIONS[edition]),
        },
    }
    data["organisation"]["rib"] = fix_rib(data["organisation"]["rib"])
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value
    return data


def fix_rib(rib: str) -> str:
    """Give a 24-digit RIB its right key (the brief's mod-97 inference)."""
    return rib[:22] + f"{97 - (int(rib[:22]) * 100) % 97:02d}"


def outcome_of(rule: str, data: dict, context: dict | None = None) -> str:
    report = evaluate(data, context)
    return next(r.outcome for r in report.results if r.rule == rule)


def test_a_complete_application_passes_every_rule_of_both_components():
    for component in (1, 2):
        report = evaluate(snapshot(component))
        assert report.outcome == "pass", [r for r in report.results if r.outcome != "pass"]
        assert {r.rule for r in report.results} <= set(RULES)


CASES = [
    # rule, component, edition, changes, expected
    ("C1-ORG-FORM", 1, "awrach1_2022", {}, "pass"),
    ("C1-ORG-FORM", 1, "awrach1_2022", {"organisation.legal_form": "company"}, "fail"),
    ("C2-ORG-FORM", 2, "awrach1_2022", {"organisation.legal_form": "cooperative"}, "pass"),
    ("C1-ORG-DOCS", 1, "awrach1_2022", {"documents": [{"kind": "statutes"}]}, "fail"),
    ("C1-PROJ-PROVINCE", 1, "awrach1_2022", {"application.province_id": 9}, "fail"),
    ("C1-PROJ-PROVINCE", 1, "awrach1_2022", {"application.details.commune_id": 99}, "fail"),
    ("C1-PROJ-SECTOR", 1, "awrach1_2022", {"application.details.sector": "mining"}, "fail"),
    (
        "C1-PROJ-DURATION",
        1,
        "awrach1_2022",
        {"application.details.duration_months": "24"},
        "needs_review",
    ),
    (
        "C1-PROJ-DURATION",
        1,
        "awrach1_2022",
        {"application.details.duration_months": "abc"},
        "needs_review",
    ),
    (
        "C1-PROJ-HEADCOUNT",
        1,
        "awrach1_2022",
        {"application.details.workers_planned": "500"},
        "needs_review",
    ),
    ("C1-PROJ-HEADCOUNT", 1, "awrach1_2022", {"application.details.workers_planned": "5"}, "pass"),
    (
        "C1-CALL-WINDOW",
        1,
        "awrach1_2022",
        {"application.first_submitted_at": "2023-11-02T10:00:00"},
        "fail",
    ),
    (
        "C1-CALL-WINDOW",
        1,
        "awrach1_2022",  # a resubmission after the close counts its first
        {"application.submitted_at": "2023-12-01T10:00:00"},
        "pass",
    ),
    (
        "C2-CALL-WINDOW",
        2,
        "awrach1_2022",
        {"application.first_submitted_at": "2023-08-01T10:00:00"},
        "fail",
    ),
    # Contract length: 24 months in edition 1, 12 months in edition 2.
    (
        "C2-CONTRACT-MIN",
        2,
        "awrach1_2022",
        {"application.details.posts.0.contract_months": "12"},
        "fail",
    ),
    (
        "C2-CONTRACT-MIN",
        2,
        "awrach2_2023",
        {"application.details.posts.0.contract_months": "12"},
        "pass",
    ),
    (
        "C2-CONTRACT-MIN",
        2,
        "awrach2_2023",
        {"application.details.posts.0.contract_months": "11"},
        "fail",
    ),
    ("C2-CONTRACT-MIN", 2, "awrach1_2022", {"application.details.posts": []}, "fail"),
    # The minimum wage in force on the submission date.
    (
        "C2-WAGE-FLOOR",
        2,
        "awrach2_2023",
        {"application.details.posts.0.monthly_wage": "3000"},
        "fail",
    ),  # 3,111.39 since Sept 2023
    (
        "C2-WAGE-FLOOR",
        2,
        "awrach2_2023",
        {
            "application.details.posts.0.monthly_wage": "3000",
            "application.submitted_at": "2023-06-01T10:00:00",
        },
        "pass",
    ),  # 2,970.05 then
    (
        "C2-HIRE-CATEGORY",
        2,
        "awrach1_2022",
        {"application.details.posts.0.categories": {"covid_job_loss": "1"}},
        "fail",
    ),
    (
        "C2-HIRE-CATEGORY",
        2,
        "awrach2_2023",  # edition 2 has no ANAPEC-24-months group
        {"application.details.posts.0.categories": {"anapec_24_months": "3"}},
        "fail",
    ),
    (
        "C2-HIRE-CATEGORY",
        2,
        "awrach2_2023",
        {"application.details.posts.0.categories": {"non_graduate": "3"}},
        "pass",
    ),
    # Turnover cap: none in edition 1, 10 million MAD in edition 2.
    ("C2-TURNOVER", 2, "awrach1_2022", {"application.details.turnover": ["20000000"] * 3}, "pass"),
    ("C2-TURNOVER", 2, "awrach2_2023", {"application.details.turnover": ["20000000"] * 3}, "fail"),
    ("C2-TURNOVER", 2, "awrach2_2023", {"application.details.turnover": ["1", "", "x"]}, "fail"),
    ("C2-IDS", 2, "awrach1_2022", {"organisation.rc": None}, "fail"),
    (
        "C2-IDS",
        2,
        "awrach1_2022",
        {
            "organisation.legal_form": "association",
            "organisation.rc": None,
            "organisation.ice": None,
        },
        "pass",
    ),
    (
        "C2-REGULARITY",
        2,
        "awrach1_2022",
        {
            "documents": [
                {"kind": "tax_certificate", "valid_until": "2023-09-30"},
                {"kind": "cnss_certificate", "valid_until": "2024-01-31"},
            ]
        },
        "fail",
    ),
    ("C2-REGULARITY", 2, "awrach1_2022", {"documents": []}, "fail"),
    (
        "C2-CAP-EMPLOYER",
        2,
        "awrach1_2022",
        {
            "application.details.posts.0.count": "21",
            "application.details.posts.0.categories": {"covid_job_loss": "21"},
        },
        "needs_review",
    ),
    ("V-ICE", 1, "awrach1_2022", {"organisation.ice": "001561191000067"}, "needs_review"),
    ("V-ICE", 1, "awrach1_2022", {"organisation.ice": "12345"}, "fail"),
    ("V-ICE", 1, "awrach1_2022", {"organisation.ice": None}, "pass"),
    ("V-RIB", 1, "awrach1_2022", {"organisation.rib": "1" * 24}, "needs_review"),
    ("V-RIB", 1, "awrach1_2022", {"organisation.rib": "12AB"}, "fail"),
    ("V-CNSS", 2, "awrach1_2022", {"organisation.cnss_affiliation": "12345"}, "fail"),
    ("V-PHONE", 1, "awrach1_2022", {"applicant.phone": "+33612345678"}, "fail"),
    ("V-PHONE", 1, "awrach1_2022", {"applicant.phone": "0528123456"}, "pass"),
]


@pytest.mark.parametrize(
    ("rule", "component", "edition", "changes", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{c[4]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule(rule, component, edition, changes, expected):
    assert outcome_of(rule, snapshot(component, edition, **changes)) == expected


def test_the_quota_rule_flags_a_request_above_what_is_left():
    data = snapshot(1)
    assert outcome_of("Q-PROVINCE-QUOTA", data, {"remaining_quota": 30}) == "pass"
    assert outcome_of("Q-PROVINCE-QUOTA", data, {"remaining_quota": 10}) == "needs_review"


def test_blocking_failures_make_the_whole_fail_and_soft_ones_ask_for_review():
    assert evaluate(snapshot(1, **{"application.details.duration_months": "24"})).outcome == (
        "needs_review"
    )
    assert evaluate(snapshot(1, **{"organisation.legal_form": "company"})).outcome == "fail"


def test_a_rule_switched_off_by_the_edition_is_not_run():
    data = snapshot(1)
    del data["call"]["edition"]["rules"]["C1-PROJ-SECTOR"]
    data["application"]["details"]["sector"] = "anything"
    report = evaluate(data)
    assert "C1-PROJ-SECTOR" not in {r.rule for r in report.results} and report.outcome == "pass"


def test_each_outcome_keeps_the_values_it_used():
    result = next(
        r for r in evaluate(snapshot(2, "awrach2_2023")).results if r.rule == "C2-WAGE-FLOOR"
    )
    assert result.values["minimum_wage"] == 3111.39 and result.values["on"] == "2023-10-02"


@pytest.mark.parametrize(
    ("edition", "per_hire"), [("awrach1_2022", 27_000), ("awrach2_2023", 13_500)]
)
def test_the_grant_is_computed_per_edition(edition, per_hire):
    posts = [{"title": "Agent", "count": "3"}, {"title": "Chauffeur", "count": 1}]
    result = grant(posts, EDITIONS[edition])
    assert result["per_hire"] == per_hire  # 1,500 MAD × 18 months, or × 9 months
    assert result["total"] == 4 * per_hire
    assert [p["amount"] for p in result["posts"]] == [3 * per_hire, per_hire]


DAYS = (date(2023, 8, 31), date(2024, 6, 1), date(2025, 2, 1))


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_the_wage_floor_is_the_national_one_on_the_day_whatever_the_edition(edition):
    """Edition 1's own copy stopped at 2022: on a day of 2024 it gave 2,970.05."""
    floor = {on: field_bounds(EDITIONS[edition], on)["monthly_wage"][0] for on in DAYS}
    assert floor == dict(zip(DAYS, (2970.05, 3111.39, 3266.10), strict=True))


# Each bounded number: where field_bounds puts its edge, the rule agrees (the step forms read
# the same bounds), one step past it the rule fails (or asks for review, by severity).
EDGES = [
    # field, rule, component, path in the snapshot, step past the edge, end of the range
    ("workers_planned", "C1-PROJ-HEADCOUNT", 1, "application.details.workers_planned", 1, 0),
    ("workers_planned", "C1-PROJ-HEADCOUNT", 1, "application.details.workers_planned", 1, 1),
    ("duration_months", "C1-PROJ-DURATION", 1, "application.details.duration_months", 1, 0),
    ("duration_months", "C1-PROJ-DURATION", 1, "application.details.duration_months", 1, 1),
    ("contract_months", "C2-CONTRACT-MIN", 2, "application.details.posts.0.contract_months", 1, 0),
    ("monthly_wage", "C2-WAGE-FLOOR", 2, "application.details.posts.0.monthly_wage", 0.01, 0),
    ("count", "C2-CAP-EMPLOYER", 2, "application.details.posts.0.count", 1, 1),
    ("turnover", "C2-TURNOVER", 2, "application.details.turnover.0", 1, 1),
]


@pytest.mark.parametrize("edition", sorted(EDITIONS))
@pytest.mark.parametrize(("field", "rule", "component", "path", "step", "end"), EDGES)
def test_the_rules_and_the_step_forms_share_the_editions_bounds(
    edition, field, rule, component, path, step, end
):
    parameters = EDITIONS[edition]
    edge = field_bounds(parameters, date(2023, 10, 2))[field][end]
    if edge is None:  # edition 1 sets no turnover cap: the rule passes whatever is typed
        assert outcome_of(rule, snapshot(component, edition, **{path: str(10**12)})) == "pass"
        return
    past = edge + step if end else edge - step
    within = snapshot(component, edition, **{path: str(edge)})
    beyond = snapshot(component, edition, **{path: str(round(past, 2))})
    if component == 2 and field == "count":  # every hire still in a target group
        for data, hires in ((within, edge), (beyond, past)):
            data["application"]["details"]["posts"][0]["categories"] = {"covid_job_loss": hires}
    assert outcome_of(rule, within) == "pass"
    assert outcome_of(rule, beyond) == (
        "needs_review" if parameters["rules"][rule] == "review" else "fail"
    )


def test_the_bounds_are_the_editions_values():
    bounds = field_bounds(EDITIONS["awrach2_2023"], date(2023, 10, 2))
    assert bounds["workers_planned"] == (5, 60) and bounds["duration_months"] == (3, 12)
    assert bounds["contract_months"] == (12, None) and bounds["monthly_wage"] == (3111.39, None)
    assert bounds["count"] == (1, 20) and bounds["turnover"] == (0, 10_000_000)
    assert field_bounds(EDITIONS["awrach1_2022"], date(2022, 3, 9))["turnover"] == (0, None)


def test_a_failing_rule_names_the_value_and_the_allowed_range():
    data = snapshot(1, **{"application.details.workers_planned": "80"})
    result = next(r for r in evaluate(data).results if r.rule == "C1-PROJ-HEADCOUNT")
    assert result.values == {"workers": 80, "min": 5, "max": 60}
    assert "%(workers)s" in result.message and "%(max)s" in result.message
    turnover = snapshot(2, "awrach2_2023", **{"application.details.turnover.1": "12000000"})
    result = next(r for r in evaluate(turnover).results if r.rule == "C2-TURNOVER")
    assert result.outcome == "fail" and result.values["highest"] == 12_000_000
    assert "%(highest)s" in result.message and "%(cap)s" in result.message

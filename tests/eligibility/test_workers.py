"""Worker eligibility on plain data: each rule at its bounds, for both editions where they
differ; the edition files' groups agree with the categories the applications count."""

import copy
import tomllib
from datetime import date
from pathlib import Path

import pytest

from portal.eligibility import FAIL, PASS, REVIEW
from portal.eligibility.workers import (
    WORKER_RULES,
    age_on,
    evaluate_worker,
    months_before,
)

EDITIONS = {
    code: tomllib.loads((Path(__file__).parents[2] / "editions" / f"{code}.toml").read_text())
    for code in ("awrach1_2022", "awrach2_2023")
}
START = date(2027, 3, 1)


def facts(component: int = 1, **changes) -> dict:
    return {
        "component": component,
        "start_date": START.isoformat(),
        "birth_date": "1996-04-02",
        "target_group": "difficult_access",
        "proof_date": None,
        "anapec_registration_date": None,
        "cnss_last_declared_on": None,
        "has_disability_card": False,
    } | changes


def results(report) -> dict:
    return {r.rule: r.outcome for r in report.results}


def edition(code: str = "awrach1_2022", **workers) -> dict:
    data = copy.deepcopy(EDITIONS[code])
    data["workers"].update(workers)
    return data


def test_every_rule_of_the_files_has_one_predicate_and_the_groups_match_the_categories():
    for data in EDITIONS.values():
        assert set(data["workers"]["rules"]) <= set(WORKER_RULES)
        c2 = {g["code"]: (g["ar"], g["fr"]) for g in data["workers"]["target_groups"]}
        categories = {c["code"]: (c["ar"], c["fr"]) for c in data["component2"]["categories"]}
        assert {k: v for k, v in c2.items() if k in categories} == categories
        for group in data["workers"]["target_groups"]:
            assert group["proof"] in data["workers"]["proofs"]


def test_a_person_who_passes_everything():
    report = evaluate_worker(facts(), EDITIONS["awrach1_2022"])
    assert report.outcome == PASS and report.rules_version == "awrach1-2022-workers.1"
    assert results(report) == {"B1-AGE": PASS, "B1-TARGET-C1": PASS, "B1-PROOF": PASS}


@pytest.mark.parametrize(
    ("birth", "years"),
    [
        (date(2009, 3, 1), 18),  # the 18th birthday on the start day counts
        (date(2009, 3, 2), 17),  # the day after: still 17
        (date(2008, 2, 29), 19),
    ],
)
def test_age_on_the_start_day(birth, years):
    assert age_on(birth, START) == years


def test_born_on_29_february_comes_of_age_on_1_march():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


@pytest.mark.parametrize(
    ("birth", "outcome"),
    [("2009-03-01", PASS), ("2009-03-02", FAIL), ("1962-03-02", PASS), ("1962-03-01", FAIL)],
)
def test_the_bounds_of_age_come_from_the_edition(birth, outcome):
    bounded = edition(min_age=18, max_age=64)
    report = evaluate_worker(facts(birth_date=birth), bounded)
    line = report.results[0]
    assert line.rule == "B1-AGE" and line.outcome == outcome
    assert (line.values["min"], line.values["max"]) == (18, 64)
    assert report.outcome == (FAIL if outcome == FAIL else PASS)


def test_no_upper_bound_by_default():
    line = evaluate_worker(facts(birth_date="1940-01-01"), EDITIONS["awrach2_2023"]).results[0]
    assert line.outcome == PASS and line.values["max"] is None
    assert "or more" in line.message


def test_component_1_groups_are_priorities_component_2_groups_are_required():
    c1 = evaluate_worker(facts(target_group="nobody"), EDITIONS["awrach1_2022"])
    assert results(c1)["B1-TARGET-C1"] == REVIEW and c1.outcome == REVIEW
    c2 = evaluate_worker(facts(2, target_group="nobody"), EDITIONS["awrach1_2022"])
    assert results(c2)["C2-HIRE-TARGET"] == FAIL and c2.outcome == FAIL
    anapec_in_c1 = evaluate_worker(facts(target_group="anapec_24_months"), EDITIONS["awrach1_2022"])
    assert results(anapec_in_c1)["B1-TARGET-C1"] == REVIEW  # a component-2 group only
    none_given = evaluate_worker(facts(2, target_group=None), EDITIONS["awrach1_2022"])
    assert results(none_given) == {"B1-AGE": PASS, "C2-HIRE-TARGET": REVIEW}


def anapec(**changes) -> dict:
    base = {
        "target_group": "anapec_24_months",
        "anapec_registration_date": "2025-03-01",
        "proof_date": "2027-02-01",
    }
    return facts(2, **(base | changes))


def test_anapec_24_months_counts_from_the_start_day():
    assert months_before(START, 24) == date(2025, 3, 1)
    assert months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    ok = evaluate_worker(anapec(), EDITIONS["awrach1_2022"])
    assert results(ok)["C2-HIRE-ANAPEC-24M"] == PASS and ok.outcome == PASS
    late = evaluate_worker(anapec(anapec_registration_date="2025-03-02"), EDITIONS["awrach1_2022"])
    assert results(late)["C2-HIRE-ANAPEC-24M"] == FAIL and late.outcome == FAIL
    missing = evaluate_worker(anapec(anapec_registration_date=None), EDITIONS["awrach1_2022"])
    assert results(missing)["C2-HIRE-ANAPEC-24M"] == FAIL


def test_a_group_rule_runs_only_for_its_group_and_edition():
    other_group = evaluate_worker(facts(2, target_group="covid_job_loss"), EDITIONS["awrach1_2022"])
    assert "C2-HIRE-ANAPEC-24M" not in results(other_group)
    # Edition 2 has no ANAPEC group: the code is not one of its groups.
    assert results(evaluate_worker(anapec(), EDITIONS["awrach2_2023"]))["C2-HIRE-TARGET"] == FAIL


def test_a_proof_is_valid_on_its_last_day_and_expired_the_day_after():
    days = EDITIONS["awrach1_2022"]["workers"]["proofs"]["anapec_certificate"]["valid_days"]
    last_day = date.fromordinal(START.toordinal() - days)  # valid until the start day
    on_time = evaluate_worker(anapec(proof_date=last_day.isoformat()), EDITIONS["awrach1_2022"])
    line = next(r for r in on_time.results if r.rule == "B1-PROOF")
    assert line.outcome == PASS and line.values["valid_until"] == START.isoformat()
    day_before = date.fromordinal(last_day.toordinal() - 1)  # expired the day before the start
    expired = evaluate_worker(anapec(proof_date=day_before.isoformat()), EDITIONS["awrach1_2022"])
    line = next(r for r in expired.results if r.rule == "B1-PROOF")
    assert line.outcome == REVIEW and line.values["valid_until"] == "2027-02-28"
    assert expired.outcome == REVIEW  # a proof to check does not refuse the enrolment
    strict = edition(rules={**EDITIONS["awrach1_2022"]["workers"]["rules"], "B1-PROOF": "blocking"})
    assert evaluate_worker(anapec(proof_date=day_before.isoformat()), strict).outcome == FAIL


def test_a_proof_without_a_date_or_dated_after_the_start_asks_for_a_review():
    for proof_date in (None, "2027-03-02"):
        report = evaluate_worker(anapec(proof_date=proof_date), EDITIONS["awrach1_2022"])
        assert results(report)["B1-PROOF"] == REVIEW


def test_a_proof_with_no_limit_and_a_declaration():
    card = facts(2, target_group="disability", has_disability_card=True, proof_date="2001-01-01")
    report = evaluate_worker(card, EDITIONS["awrach2_2023"])
    assert results(report) == {
        "B1-AGE": PASS,
        "C2-HIRE-TARGET": PASS,
        "B1-PROOF": PASS,
        "C2-HIRE-DISABILITY": PASS,
    }
    no_card = evaluate_worker(card | {"has_disability_card": False}, EDITIONS["awrach2_2023"])
    assert results(no_card)["C2-HIRE-DISABILITY"] == FAIL


@pytest.mark.parametrize(
    ("declared", "outcome"),
    [(None, PASS), ("2026-08-31", PASS), ("2026-09-01", FAIL), ("2027-01-15", FAIL)],
)
def test_not_declared_to_the_cnss_for_six_months_before_the_start(declared, outcome):
    hire = facts(
        2,
        target_group="not_declared_6_months",
        cnss_last_declared_on=declared,
        proof_date="2027-02-20",
    )
    report = evaluate_worker(hire, EDITIONS["awrach2_2023"])
    assert results(report)["C2-HIRE-NOT-DECLARED"] == outcome
    assert results(report)["B1-PROOF"] == PASS


def test_an_edition_without_worker_rules_gives_an_empty_report():
    data = copy.deepcopy(EDITIONS["awrach1_2022"])
    del data["workers"]
    report = evaluate_worker(facts(), data)
    assert report.outcome == PASS and report.results == []

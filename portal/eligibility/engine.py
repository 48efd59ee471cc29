"""Running the enabled rules of an edition and combining their outcomes."""

from dataclasses import asdict, dataclass, field

from portal.eligibility.rules import RULES

PASS, FAIL, REVIEW = "pass", "fail", "needs_review"


@dataclass
class Outcome:
    rule: str
    outcome: str
    values: dict = field(default_factory=dict)
    message: str = ""  # an English message id, translated where it is shown

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    outcome: str
    rules_version: str
    results: list[Outcome]

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "rules_version": self.rules_version,
            "results": [r.as_dict() for r in self.results],
        }


def combine(results: list[Outcome]) -> str:
    """Any failure makes the whole fail; otherwise any doubt asks for a review."""
    outcomes = {r.outcome for r in results}
    if FAIL in outcomes:
        return FAIL
    if REVIEW in outcomes:
        return REVIEW
    return PASS


def evaluate(snapshot: dict, context: dict | None = None) -> Report:
    """Every rule the edition enables for the application's component, in a stable order."""
    edition = snapshot["call"]["edition"]
    component = snapshot["application"]["component"]
    context = context or {}
    results = []
    for rule_id, severity in edition["rules"].items():
        rule = RULES.get(rule_id)
        if rule is None or component not in rule.components:
            continue
        outcome, values, message = rule.check(snapshot, edition, context)
        if outcome == FAIL and severity == "review":
            outcome = REVIEW  # a soft rule: staff look, the application is not refused
        results.append(Outcome(rule_id, outcome, values, message))
    return Report(combine(results), edition["rules_version"], results)


def grant(posts: list[dict], edition: dict) -> dict:
    """Component 2: the grant per post (amount × months × hires) and the total, never typed."""
    monthly = edition["component2"]["grant_monthly_mad"]
    months = edition["component2"]["grant_months"]
    lines = []
    for post in posts:
        count = _hires(post.get("count"))
        lines.append(
            {"title": post.get("title", ""), "count": count, "amount": monthly * months * count}
        )
    return {
        "monthly_mad": monthly,
        "months": months,
        "per_hire": monthly * months,
        "posts": lines,
        "total": sum(line["amount"] for line in lines),
    }


def _hires(value) -> int:
    """A number of hires as typed; anything that is not a sensible count counts as none."""
    try:
        count = int(value)
    except (TypeError, ValueError):
        return 0
    return count if 0 <= count <= MAX_HIRES_PER_POST else 0


MAX_HIRES_PER_POST = 1_000

"""A contract's worker eligibility report (plain data) as lines people read, in their language."""

from datetime import date

from portal.applications.presenters import explained, joined
from portal.eligibility.workers import WORKER_RULES
from portal.i18n import current_language, isolate, number, show_date

DATE_VALUES = {"start", "proof_date", "valid_until", "registered", "latest", "since", "declared"}


def _label(items: dict, code) -> str:
    item = items.get(code)
    return item[current_language()] if item else str(code or "—")


def _shown(key: str, value, edition: dict):
    workers = edition.get("workers", {})
    groups = {g["code"]: g for g in workers.get("target_groups", [])}
    if key == "group":
        return _label(groups, value)
    if key == "allowed":
        return joined(_label(groups, code) for code in value)
    if key == "proof":
        return _label(workers.get("proofs", {}), value)
    if key in DATE_VALUES and isinstance(value, str):
        return isolate(show_date(date.fromisoformat(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return isolate(number(value))
    return value


def present_worker_report(report: dict | None, edition: dict) -> dict | None:
    """Each worker rule's title, outcome and message with its values, translated; None for a
    contract enrolled before the rules existed, or under an edition file without them."""
    if not report or not report["results"]:
        return None
    lines = []
    for result in report["results"]:
        values = {key: _shown(key, value, edition) for key, value in result["values"].items()}
        lines.append(explained(result, values, WORKER_RULES))
    version = report["rules_version"]
    return {"outcome": report["outcome"], "version": isolate(version), "lines": lines}

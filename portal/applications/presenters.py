"""Turning a report (plain data) into lines people read, in their language."""

from datetime import date, datetime

from flask_babel import get_translations, gettext

from portal.applications.lifecycle import TRANSITIONS
from portal.applications.models import Status
from portal.documents.models import DocumentKind
from portal.eligibility.rules import N_, PLURALS, RULES
from portal.extensions import db
from portal.geo.models import Commune
from portal.i18n import current_language, isolate, localized, number, show_date, show_datetime
from portal.organisations.forms import legal_form_label

# The organisation's identifiers a rule may find missing, named as on the profile's form.
IDENTIFIER_LABELS = {
    "ice": N_("ICE (common company identifier)"),
    "rc": N_("Trade register number (RC)"),
    "cnss_affiliation": N_("CNSS affiliation number"),
}


def joined(items) -> str:
    return ("، " if current_language() == "ar" else ", ").join(str(item) for item in items)


def _name(code: str, kinds: dict) -> str:
    """A document kind's or an identifier's name in the reader's language."""
    if code in kinds:
        return kinds[code].get(current_language(), code)
    return gettext(IDENTIFIER_LABELS[code]) if code in IDENTIFIER_LABELS else code


def _legal_form(code) -> str:
    return legal_form_label(code)


def _shown(key: str, value):
    """A value of a rule as the sentence gives it: numbers and dates as the reader writes them,
    lists of post titles joined, legal forms named."""
    if key == "legal_form":
        return _legal_form(value)
    if key == "allowed":
        return joined(_legal_form(code) for code in value)
    if key in ("short", "low"):
        return joined(value)
    if key.endswith("_at") and isinstance(value, str):
        return isolate(show_datetime(datetime.fromisoformat(value)))
    if key == "on" and isinstance(value, str):
        return isolate(show_date(date.fromisoformat(value)))
    if isinstance(value, float):
        return number(value, "#,##0.00")
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value)
    return value


def _message(msgid: str, values: dict) -> str:
    """The translated message, in the plural form its counted value takes."""
    if msgid not in PLURALS:
        return gettext(msgid)
    singular, count = PLURALS[msgid]
    value = values.get(count)
    n = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return get_translations().ungettext(singular, msgid, n)


def present_report(report: dict, data: dict) -> dict:
    """Each rule's title, outcome and message with its values, translated."""
    kinds = data["call"].get("document_kinds", {})
    lines = []
    for result in report["results"]:
        values = {key: _shown(key, value) for key, value in result["values"].items()}
        missing = result["values"].get("missing", []) + result["values"].get("expired", [])
        values["missing_names"] = joined(_name(code, kinds) for code in missing)
        lines.append(explained(result, values, RULES) | {"overridden": result.get("override")})
    return {"outcome": report["outcome"], "lines": lines}


def explained(result: dict, shown: dict, rules: dict) -> dict:
    """One rule's result as read: its title, outcome and message, translated, with the values
    as `shown` (formatted for the reader)."""
    rule = rules.get(result["rule"])
    msgid = result["message"]  # a variable, so the extractor does not take the key for text
    template = _message(msgid, result["values"])
    try:
        message = template % shown
    except (KeyError, TypeError, ValueError):
        message = template
    return {
        "rule": result["rule"],
        "title": gettext(rule.title) if rule else result["rule"],
        "outcome": result["outcome"],
        "message": message,
    }


OUTCOME_LABELS = {"pass": N_("Met"), "fail": N_("Not met"), "needs_review": N_("To be reviewed")}
COMPONENT_LABELS = {1: N_("Temporary public works"), 2: N_("Sustainable integration grant")}
MISSING_LABELS = {
    "title": N_("the title of the worksite"),
    "sector": N_("the sector"),
    "commune_id": N_("the commune of the worksite"),
    "location": N_("the place of the worksite"),
    "workers_planned": N_("the number of workers"),
    "duration_months": N_("the duration"),
    "planned_start": N_("the planned start"),
    "description": N_("the description of the work"),
    "posts": N_("at least one post to fill"),
    "declaration": N_("the declaration of honour"),
}


def application_status_label(status: str) -> str:
    return Status.label_of(status)


def outcome_label(outcome: str) -> str:
    return gettext(OUTCOME_LABELS.get(outcome, outcome))


def component_label(component: int) -> str:
    return gettext(COMPONENT_LABELS[int(component)])


def recommendation_label(recommendation: str) -> str:
    """A reviewer's recommendation, named as the status it gives the application."""
    status = Status.RECOMMENDED if recommendation == "recommend" else Status.NOT_RECOMMENDED
    return application_status_label(status)


def decision_label(outcome: str) -> str:
    """A committee's decision (approve, reject, defer), named as the status it leads to."""
    return application_status_label(TRANSITIONS[outcome][1])


def _item_label(items: list[dict], code) -> str:
    for item in items:
        if item["code"] == code:
            return item[current_language()]
    return code or "—"


def sector_label(edition: dict, code) -> str:
    return _item_label(edition["component1"]["sectors"], code)


def category_label(edition: dict, code) -> str:
    return _item_label(edition["component2"]["categories"], code)


def commune_label(commune_id) -> str:
    try:
        commune = db.session.get(Commune, int(commune_id))
    except (TypeError, ValueError):
        return "—"
    return localized(commune) if commune else "—"


def kind_name(code: str, data: dict | None = None) -> str:
    """A document kind's name, from the snapshot when there is one (no query)."""
    names = (data or {}).get("call", {}).get("document_kinds", {}).get(code)
    if names:
        return names[current_language()]
    kind = db.session.query(DocumentKind).filter_by(code=code).one_or_none()
    return localized(kind) if kind else code


def missing_label(item: str) -> str:
    if item.startswith("document:"):
        return gettext("the document: %(name)s", name=kind_name(item.split(":", 1)[1]))
    return gettext(MISSING_LABELS.get(item, item))


# The answers' labels, as the application pages show them (for "what changed").
ANSWER_LABELS = {
    "title": N_("Title of the worksite"),
    "sector": N_("Sector"),
    "commune_id": N_("Commune of the worksite"),
    "location": N_("Place (douar, district, site)"),
    "workers_planned": N_("Workers to hire"),
    "supervisors": N_("Supervisors"),
    "duration_months": N_("Duration in months"),
    "planned_start": N_("Planned start"),
    "expected_results": N_("Expected results"),
    "description": N_("Description of the work"),
    "turnover": N_("Turnover of the last three years (MAD)"),
    "posts": N_("Post"),
    "title@posts": N_("Post"),
    "count": N_("Number of hires"),
    "contract_months": N_("Contract length in months"),
    "monthly_wage": N_("Monthly gross wage (MAD)"),
    "categories": N_("Target groups"),
}


def answer_label(field: str, data: dict | None = None) -> str:
    """ "posts.2.count" → "Post 2 — Number of hires"; "document:statutes" → the kind's name."""
    if field.startswith("document:"):
        return kind_name(field.split(":", 1)[1], data)
    parts = field.split(".")
    if parts[0] == "posts" and len(parts) >= 3:
        label = ANSWER_LABELS.get("title@posts" if parts[2] == "title" else parts[2], parts[2])
        text = f"{gettext(ANSWER_LABELS['posts'])} {parts[1]} — {gettext(label)}"
        if parts[2] == "categories" and len(parts) > 3 and data:
            text += " — " + category_label(data["call"]["edition"], parts[3])
        return text
    label = gettext(ANSWER_LABELS[parts[0]]) if parts[0] in ANSWER_LABELS else parts[0]
    return " ".join([label, *parts[1:]])


def init_app(app) -> None:
    for helper in (
        application_status_label,
        component_label,
        outcome_label,
        recommendation_label,
        decision_label,
        sector_label,
        category_label,
        commune_label,
        missing_label,
        kind_name,
        answer_label,
    ):
        app.add_template_global(helper)
    app.add_template_filter(lambda a, b: {**a, **b}, "combine")

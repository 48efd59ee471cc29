"""Which steps an application has, and how each step's answers are kept in `details`."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.applications.forms import (
    DeclarationForm,
    DescriptionForm,
    TurnoverForm,
    WorksiteForm,
    posts_form,
)

TITLES = {
    "worksite": _l("The worksite"),
    "description": _l("Description"),
    "posts": _l("Posts to fill"),
    "turnover": _l("Turnover"),
    "documents": _l("Documents"),
    "declaration": _l("Declaration"),
}
POST_ROWS = 5


def steps_for(application) -> list[str]:
    if application.component == 1:
        return ["worksite", "description", "documents", "declaration"]
    edition = application.call.edition.parameters
    turnover = ["turnover"] if edition["component2"].get("turnover_cap_mad") else []
    return ["posts", *turnover, "documents", "declaration"]


def form_class(application, step: str):
    if step == "posts":
        categories = application.call.edition.parameters["component2"]["categories"]
        return posts_form(categories, POST_ROWS)
    return {
        "worksite": WorksiteForm,
        "description": DescriptionForm,
        "turnover": TurnoverForm,
        "declaration": DeclarationForm,
    }[step]


FIELDS = {
    "worksite": (
        "title",
        "sector",
        "commune_id",
        "location",
        "workers_planned",
        "supervisors",
        "duration_months",
        "planned_start",
    ),
    "description": ("expected_results", "description"),
}


def saved_input(application, step: str) -> MultiDict:
    """The answers kept so far, given back to the form as if just typed (invalid ones too)."""
    details = application.details or {}
    pairs = []
    if step == "posts":
        for index, post in enumerate(details.get("posts", [])):
            for key in ("title", "count", "contract_months", "monthly_wage"):
                pairs.append((f"posts-{index}-{key}", post.get(key)))
            for code, value in (post.get("categories") or {}).items():
                pairs.append((f"posts-{index}-cat_{code}", value))
    elif step == "turnover":
        for index, value in enumerate(details.get("turnover", []), start=1):
            pairs.append((f"year_{index}", value))
    elif step == "declaration":
        if application.declaration_at is not None:
            pairs.append(("declaration", "y"))
    else:
        pairs = [(name, details.get(name)) for name in FIELDS[step]]
    return MultiDict([(k, "" if v is None else str(v)) for k, v in pairs])


def _raw(field):
    """What the person typed, even when it is not valid (so nothing is lost)."""
    if field.raw_data:
        return field.raw_data[0].replace("\x00", "")[:10_000]
    data = field.data
    return str(data) if isinstance(data, Decimal) else data


def answers(form, step: str) -> dict:
    """The form's values as they go into `details`."""
    if step == "posts":
        posts = []
        for entry in form.posts:
            row = entry.form
            if not (_raw(row.title) or "").strip():
                continue
            categories = {
                name[4:]: _raw(row[name]) for name in row._fields if name.startswith("cat_")
            }
            posts.append(
                {
                    "title": _raw(row.title).strip(),
                    "count": _raw(row.count),
                    "contract_months": _raw(row.contract_months),
                    "monthly_wage": _raw(row.monthly_wage),
                    "categories": categories,
                }
            )
        return {"posts": posts}
    if step == "turnover":
        return {"turnover": [_raw(form.year_1), _raw(form.year_2), _raw(form.year_3)]}
    return {name: _raw(field) for name, field in form._fields.items() if name != "csrf_token"}

"""What the dashboard's template shows beside the figures: each figure's definition, the
label of each value of a cut, and the geometry of the bar charts (drawn as SVG by the
template, right to left in Arabic)."""

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.beneficiaries.models import EducationLevel, EndReason, Sex
from portal.i18n import current_language, localized, number
from portal.organisations.models import LegalForm
from portal.outcomes.models import APPLICATION_CUTS, PERSON_CUTS, Cut

# (figure, its name, its definition): shown beside each figure, in this order.
DEFINITIONS = (
    ("target", _l("Target"), _l("The jobs the calls allot to the province (their quotas).")),
    (
        "approved",
        _l("Jobs approved"),
        _l(
            "Jobs granted by the committees to approved applications, whatever followed but a revocation."
        ),
    ),
    (
        "signed",
        _l("Jobs signed"),
        _l("Jobs granted to applications whose agreement is signed (or closed)."),
    ),
    (
        "started",
        _l("Started"),
        _l(
            "Contracts validated by the secretariat on signed agreements, whose start date is today or past."
        ),
    ),
    (
        "created",
        _l("Created"),
        _l(
            "Posts with at least one month of days worked in a statement accepted, sent or paid; a replacement holds the post of the worker it replaces."
        ),
    ),
    (
        "completed",
        _l("Completed"),
        _l(
            "Started contracts that reached their planned end (component 1) or the edition's minimum months (component 2) without ending before."
        ),
    ),
    ("active", _l("Active today"), _l("Started contracts whose period contains today.")),
    (
        "person_months",
        _l("Person-months"),
        _l("Days worked in statements accepted, sent or paid, divided by 26 (a full month)."),
    ),
    (
        "early_exits",
        _l("Early exits"),
        _l(
            "Contracts ended before their planned end (component 1) or the minimum months (component 2), by the reason given."
        ),
    ),
    (
        "people",
        _l("Beneficiaries"),
        _l(
            "Distinct people with a started contract, once per province, as at their first contract there: age is the start year minus the birth year, rural or urban their commune's; shares are computed from these counts."
        ),
    ),
    (
        "wages",
        _l("Wages paid / due"),
        _l(
            "Sums of the payroll ledger: wages due from accepted statements, paid from the paying body's returns."
        ),
    ),
    (
        "grants",
        _l("Hiring grant paid / due"),
        _l("Sums of the payroll ledger (component 2): months due, and paid net of recoveries."),
    ),
    (
        "visits",
        _l("Visits made / required"),
        _l("Field visits made against those required per worksite."),
    ),
)

FUNNEL = ("target", "approved", "signed", "started", "created", "completed")


def page_context() -> dict:
    """The names the dashboard's template reads besides the figures."""
    return {
        "definitions": DEFINITIONS,
        "funnel": FUNNEL,
        "labels": {key: str(label) for key, label, _definition in DEFINITIONS if key in FUNNEL},
        "cut_labels": {cut.value: cut.label for cut in Cut},
        "person_cuts": [cut.value for cut in PERSON_CUTS],
        "application_cuts": [cut.value for cut in APPLICATION_CUTS],
        "chart": chart,
        "value_label": value_label,
        "figure": figure,
    }


def figure(value, pattern: str = "#,##0") -> str:
    """`value` as the filters write numbers (portal.i18n.number), remembered: the page writes
    a few hundred cells, most of them the same small numbers."""
    return _formatted(value, pattern, current_language())


@lru_cache(maxsize=4096)
def _formatted(value, pattern: str, _language: str) -> str:
    return number(value, pattern)


def value_label(cut: str, value: str, figures) -> str:
    """What people read for `value` of `cut`."""
    if cut == Cut.COMMUNE:
        commune = figures.communes.get(int(value)) if value.isdigit() else None
        return localized(commune) if commune else value
    if cut == Cut.COMPONENT:
        return _("Component %(number)s", number=value)
    if cut == Cut.EDITION:
        edition = figures.editions.get(value)
        return localized(edition) if edition else value
    if cut == Cut.SECTOR:
        return _sector(value, figures.editions.values())
    labels = {
        Cut.LEGAL_FORM: LegalForm,
        Cut.SEX: Sex,
        Cut.EDUCATION: EducationLevel,
        Cut.EXIT_REASON: EndReason,
    }
    if cut in labels:
        return labels[Cut(cut)].label_of(value)
    if cut == Cut.DISABILITY:
        return _("Disability declared") if value == "declared" else _("No disability declared")
    if cut == Cut.AREA:
        return _("Urban commune") if value == "urban" else _("Rural commune")
    return value  # an age band: digits, shown left to right


def _sector(code: str, editions) -> str:
    if not code:
        return _("No sector (component 2)")
    for edition in editions:
        for sector in edition.parameters.get("component1", {}).get("sectors", []):
            if sector.get("code") == code:
                return sector.get(current_language(), code)
    return code


@dataclass
class Bar:
    label: str
    text: str  # the value as shown
    y: int
    x: float
    width: float
    label_x: float
    text_x: float


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label_anchor: str  # of an SVG drawn left to right (direction="ltr"), mirrored by hand
    text_anchor: str
    axis_x: float


WIDTH, LABEL_WIDTH, TEXT_WIDTH, ROW, GAP = 520, 200, 90, 30, 6
LABEL_CHARACTERS = 22  # longer labels are cut in the chart (whole in its table)


def chart(items: list[tuple[str, float, str]], *, most: float | None = None) -> Chart:
    """Horizontal bars for `items` (label, value, value as shown), scaled to `most` (the
    largest value by default): labels at the start of the reading direction, bars growing
    from them (from the right in Arabic), the value after each bar."""
    rtl = current_language() == "ar"
    scale = WIDTH - LABEL_WIDTH - TEXT_WIDTH
    most = most or max((value for _l, value, _t in items), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(items):
        label = label if len(label) <= LABEL_CHARACTERS else f"{label[: LABEL_CHARACTERS - 1]}…"
        length = max(0.0, min(1.0, value / most)) * scale
        y = GAP + index * ROW
        if rtl:
            start = WIDTH - LABEL_WIDTH
            bars.append(Bar(label, text, y, start - length, length, WIDTH - 4, start - length - 6))
        else:
            bars.append(
                Bar(label, text, y, LABEL_WIDTH, length, LABEL_WIDTH - 8, LABEL_WIDTH + length + 6)
            )
    return Chart(
        width=WIDTH,
        height=GAP * 2 + ROW * len(items),
        bars=bars,
        label_anchor="end",  # the SVG is laid out left to right; labels end at their edge
        text_anchor="end" if rtl else "start",
        axis_x=WIDTH - LABEL_WIDTH if rtl else LABEL_WIDTH,
    )

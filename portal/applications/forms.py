"""The steps of an application, one form each, built from the edition's parameters."""

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.eligibility.rules import PLURALS, N_plural, field_bounds
from portal.forms import REQUIRED, PortalForm
from portal.i18n import current_language, isolate, localized, number, show_date
from portal.timeutil import local_date

RANGE = _l("Enter a number between %(min)s and %(max)s.")
# The edition's bounds, named in the message of the field that passes them (the noun agrees
# with the upper bound).
WORKERS = N_plural(
    "Enter between %(min)s and %(max)s worker: the limits of this edition for a worksite.",
    "Enter between %(min)s and %(max)s workers: the limits of this edition for a worksite.",
    "max",
)
DURATION = N_plural(
    "Enter a duration between %(min)s and %(max)s month: the limits of this edition.",
    "Enter a duration between %(min)s and %(max)s months: the limits of this edition.",
    "max",
)
HIRES = N_plural(
    "Enter between %(min)s and %(max)s hire: at most %(max)s per employer in this edition.",
    "Enter between %(min)s and %(max)s hires: at most %(max)s per employer in this edition.",
    "max",
)
CONTRACT = N_plural(
    "Enter a contract of %(min)s to %(max)s month: this edition asks for at least %(min)s.",
    "Enter a contract of %(min)s to %(max)s months: this edition asks for at least %(min)s.",
    "max",
)
WAGE = _l("Enter a monthly wage of %(min)s to %(max)s MAD: at least the minimum wage in force.")
TURNOVER = _l(
    "Enter an amount between %(min)s and %(max)s MAD: above %(max)s MAD a year, the company "
    "cannot apply to this edition."
)
# Where the edition sets a minimum only, a bound that no real answer reaches.
MAX_CONTRACT_MONTHS = 120
MAX_MONTHLY_WAGE = 1_000_000


class InRange(NumberRange):
    """NumberRange whose message gives its bounds as the reader writes numbers."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError:
            shown = {"min": _bound(self.min), "max": _bound(self.max)}
            raise ValidationError(self.template() % shown) from None

    def template(self) -> str:
        """The message translated, in the plural form its counted bound takes."""
        if self.message not in PLURALS:
            return str(self.message)
        singular, count = PLURALS[self.message]
        return get_translations().ungettext(singular, self.message, int(getattr(self, count)))


def _bound(value) -> str:
    """A whole number as such, any other with its two decimals (3,266.10 MAD, not 3,266.1)."""
    return number(value, "#,##0" if float(value).is_integer() else "#,##0.00")


def _count(low: int, high: int, required: bool = True):
    return [REQUIRED if required else Optional(), InRange(low, high, message=RANGE)]


def bound(field, low, high, message) -> None:
    """Check `field` against the edition's (low, high): in its message and on the input."""
    others = [v for v in field.validators if not isinstance(v, NumberRange)]
    field.validators = [*others, InRange(low, high, message=message)]
    field.flags.min, field.flags.max = low, high


def label(item: dict) -> str:
    """The Arabic or French label of an edition list item ({code, ar, fr})."""
    return item[current_language()]


class WorksiteForm(PortalForm):
    title = StringField(_l("Title of the worksite"), [REQUIRED, Length(max=200)])
    sector = SelectField(_l("Sector"), [REQUIRED])
    commune_id = SelectField(_l("Commune of the worksite"), [REQUIRED])
    location = StringField(_l("Place (douar, district, site)"), [REQUIRED, Length(max=300)])
    workers_planned = IntegerField(_l("Workers to hire"), [REQUIRED])
    supervisors = IntegerField(_l("Supervisors"), _count(0, 1_000, required=False))
    duration_months = IntegerField(_l("Duration in months"), [REQUIRED])
    planned_start = DateField(_l("Planned start"), [REQUIRED])

    def fill(self, edition: dict, province) -> None:
        self.sector.choices = [SelectChoice("", "—")] + [
            SelectChoice(s["code"], label(s)) for s in edition["component1"]["sectors"]
        ]
        self.commune_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(c.id), localized(c)) for c in province.communes
        ]
        bounds = field_bounds(edition, local_date())
        bound(self.workers_planned, *bounds["workers_planned"], WORKERS)
        bound(self.duration_months, *bounds["duration_months"], DURATION)
        self.planned_start.flags.min = local_date().isoformat()

    def validate_planned_start(self, field):
        if field.data and field.data < local_date():
            raise ValidationError(
                _l(
                    "The start must not be in the past: choose %(date)s or a later day.",
                    date=isolate(show_date(local_date())),
                )
            )


class DescriptionForm(PortalForm):
    expected_results = TextAreaField(_l("Expected results"), [REQUIRED, Length(max=3000)])
    description = TextAreaField(_l("Description of the work"), [REQUIRED, Length(max=5000)])

    def fill(self, edition: dict, province) -> None:
        pass


def posts_form(categories: list[dict], rows: int):
    """The posts step: `rows` rows, each with a count per target group of the edition."""

    class PostRow(PortalForm):
        class Meta:
            csrf = False

        title = StringField(_l("Post"), [Optional(), Length(max=120)])
        count = IntegerField(_l("Number of hires"), _count(1, 1_000, required=False))
        contract_months = IntegerField(
            _l("Contract length in months"), _count(1, 120, required=False)
        )
        monthly_wage = DecimalField(
            _l("Monthly gross wage (MAD)"), _count(0, 1_000_000, required=False)
        )

    for category in categories:
        setattr(
            PostRow,
            f"cat_{category['code']}",
            IntegerField(label(category), _count(0, 1_000, required=False)),
        )

    class PostsForm(PortalForm):
        posts = FieldList(FormField(PostRow), min_entries=rows, max_entries=20)

        def fill(self, edition: dict, province) -> None:
            bounds = field_bounds(edition, local_date())
            _one, hires = bounds["count"]
            for entry in self.posts:
                row = entry.form
                bound(row.count, *bounds["count"], HIRES)
                bound(
                    row.contract_months, bounds["contract_months"][0], MAX_CONTRACT_MONTHS, CONTRACT
                )
                bound(row.monthly_wage, bounds["monthly_wage"][0], MAX_MONTHLY_WAGE, WAGE)
                for category in categories:
                    bound(row[f"cat_{category['code']}"], 0, hires, RANGE)

    PostsForm.categories = categories
    return PostsForm


class TurnoverForm(PortalForm):
    year_1 = DecimalField(_l("Turnover last year (MAD)"), _count(0, 10**12))
    year_2 = DecimalField(_l("Turnover two years ago (MAD)"), _count(0, 10**12))
    year_3 = DecimalField(_l("Turnover three years ago (MAD)"), _count(0, 10**12))

    def fill(self, edition: dict, province) -> None:
        low, cap = field_bounds(edition, local_date())["turnover"]
        if cap:  # the step is there only when the edition caps the turnover
            for field in (self.year_1, self.year_2, self.year_3):
                bound(field, low, cap, TURNOVER)


class DeclarationForm(PortalForm):
    declaration = BooleanField(
        _l(
            "I declare on my honour that the information and documents of this application are "
            "accurate and complete, and that the organisation will respect the programme's rules."
        ),
        [DataRequired(message=_l("Tick the box to make the declaration."))],
    )

    def fill(self, edition: dict, province) -> None:
        pass


class WithdrawForm(PortalForm):
    reason = TextAreaField(_l("Why do you withdraw the application?"), [REQUIRED, Length(max=1000)])


class ChangeRequestForm(PortalForm):
    """Staff ask the applicant to change something by a date."""

    what = TextAreaField(_l("What to change"), [REQUIRED, Length(max=3000)])
    deadline = DateField(_l("By when"), [REQUIRED])

    def validate_deadline(self, field):
        if field.data and field.data < local_date():
            raise ValidationError(_l("The date must not be in the past."))

"""The steps of an application, one form each, built from the edition's parameters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.auth.forms import REQUIRED
from portal.i18n import current_language, localized


def _count(low: int, high: int, required: bool = True):
    return [
        REQUIRED if required else Optional(),
        NumberRange(low, high, message=_l("Enter a number between %(min)s and %(max)s.")),
    ]


def label(item: dict) -> str:
    """The Arabic or French label of an edition list item ({code, ar, fr})."""
    return item[current_language()]


class WorksiteForm(FlaskForm):
    title = StringField(_l("Title of the worksite"), [REQUIRED, Length(max=200)])
    sector = SelectField(_l("Sector"), [REQUIRED])
    commune_id = SelectField(_l("Commune of the worksite"), [REQUIRED])
    location = StringField(_l("Place (douar, district, site)"), [REQUIRED, Length(max=300)])
    workers_planned = IntegerField(_l("Workers to hire"), _count(1, 10_000))
    supervisors = IntegerField(_l("Supervisors"), _count(0, 1_000, required=False))
    duration_months = IntegerField(_l("Duration in months"), _count(1, 60))
    planned_start = DateField(_l("Planned start"), [REQUIRED])

    def fill(self, edition: dict, province) -> None:
        self.sector.choices = [SelectChoice("", "—")] + [
            SelectChoice(s["code"], label(s)) for s in edition["component1"]["sectors"]
        ]
        self.commune_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(c.id), localized(c)) for c in province.communes
        ]


class DescriptionForm(FlaskForm):
    expected_results = TextAreaField(_l("Expected results"), [REQUIRED, Length(max=3000)])
    description = TextAreaField(_l("Description of the work"), [REQUIRED, Length(max=5000)])

    def fill(self, edition: dict, province) -> None:
        pass


def posts_form(categories: list[dict], rows: int):
    """The posts step: `rows` rows, each with a count per target group of the edition."""

    class PostRow(FlaskForm):
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

    class PostsForm(FlaskForm):
        posts = FieldList(FormField(PostRow), min_entries=rows, max_entries=20)

        def fill(self, edition: dict, province) -> None:
            pass

    PostsForm.categories = categories
    return PostsForm


class TurnoverForm(FlaskForm):
    year_1 = DecimalField(_l("Turnover last year (MAD)"), _count(0, 10**12))
    year_2 = DecimalField(_l("Turnover two years ago (MAD)"), _count(0, 10**12))
    year_3 = DecimalField(_l("Turnover three years ago (MAD)"), _count(0, 10**12))

    def fill(self, edition: dict, province) -> None:
        pass


class DeclarationForm(FlaskForm):
    declaration = BooleanField(
        _l(
            "I declare on my honour that the information and documents of this application are "
            "accurate and complete, and that the organisation will respect the programme's rules."
        ),
        [DataRequired(message=_l("Tick the box to make the declaration."))],
    )

    def fill(self, edition: dict, province) -> None:
        pass


class StartForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), [REQUIRED])
    province_id = SelectField(_l("Province of the project"), [REQUIRED])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why do you withdraw the application?"), [REQUIRED, Length(max=1000)])

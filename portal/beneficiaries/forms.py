from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.auth.forms import normalise_phone
from portal.beneficiaries.models import ContractKind, EducationLevel, EndReason, Sex
from portal.beneficiaries.services import cin_format_ok, normalise_cin
from portal.forms import PLACEHOLDER, REQUIRED, PortalForm, chosen_id
from portal.i18n import current_language, isolate, localized, number, show_date
from portal.wages import minimum_wage

NAME = [REQUIRED, Length(max=80)]
MAX_MONTHLY_WAGE = 1_000_000


def _choices(enum) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.lazy_label) for member in enum]


class EnrolForm(PortalForm):
    """A person, by CIN, and the contract they are enrolled on."""

    cin = StringField(
        _l("CIN (national identity card number)"),
        [REQUIRED, Length(max=16)],
        filters=[normalise_cin],
    )
    last_name_ar = StringField(_l("Family name in Arabic"), NAME)
    first_name_ar = StringField(_l("First name in Arabic"), NAME)
    last_name_fr = StringField(_l("Family name in Latin letters"), NAME)
    first_name_fr = StringField(_l("First name in Latin letters"), NAME)
    birth_date = DateField(_l("Date of birth"), [REQUIRED])
    sex = RadioField(_l("Sex"), [InputRequired(_l("Choose one."))], choices=_choices(Sex))
    commune_id = SelectField(_l("Commune of residence"), [REQUIRED], coerce=chosen_id)
    education_level = SelectField(
        _l("Education"), [REQUIRED], choices=[PLACEHOLDER, *_choices(EducationLevel)]
    )
    disability_card_no = StringField(
        _l("Disability card number (where the person declares one)"),
        [Optional(), Length(max=30)],
    )
    anapec_registration_date = DateField(_l("Registered with ANAPEC on"), [Optional()])
    cnss_number = StringField(
        _l("CNSS registration number (once known)"),
        [Optional(), Regexp(r"^\d{9}$", message=_l("A CNSS registration number has 9 digits."))],
    )
    phone = StringField(_l("Phone number"), [Optional(), Length(max=20)])
    kind = RadioField(
        _l("Kind of contract"),
        [InputRequired(_l("Choose one."))],
        choices=_choices(ContractKind),
        default=ContractKind.CDD,
    )
    role = StringField(_l("Role on the worksite"), [Optional(), Length(max=200)])
    post_index = SelectField(_l("Post"), [Optional()], coerce=chosen_id)
    start_date = DateField(_l("Start of the contract"), [REQUIRED])
    planned_end = DateField(_l("Planned end of the contract"), [REQUIRED])
    monthly_wage = DecimalField(
        _l("Monthly gross wage (MAD)"),
        [InputRequired(_l("This field is required.")), NumberRange(0, MAX_MONTHLY_WAGE)],
        places=2,
    )
    # Worker eligibility (B1-*, C2-HIRE-*): what the rules read besides the person.
    target_group = SelectField(_l("Target group"), [Optional()])
    proof_date = DateField(_l("Date of the proof of the target group"), [Optional()])
    cnss_last_declared_on = DateField(
        _l("Last declared to the CNSS on (as the CNSS statement says)"), [Optional()]
    )

    def set_target_groups(self, groups: dict[str, dict], *, required: bool) -> None:
        """The edition's target groups of the component, named in the reader's language;
        component 2 hires belong to one, component 1 workers may (priorities)."""
        self.target_group.choices = [PLACEHOLDER] + [
            SelectChoice(code, group[current_language()]) for code, group in groups.items()
        ]
        if required:
            self.target_group.validators = [REQUIRED]

    def eligibility(self) -> dict:
        """What the enrolment declares for the worker rules, as the service takes it."""
        return {
            "target_group": self.target_group.data or None,
            "proof_date": self.proof_date.data,
            "cnss_last_declared_on": self.cnss_last_declared_on.data,
        }

    def contract(self) -> dict:
        """The contract's terms and the eligibility declared, as `services.enrol` takes them
        (the post aside: a replacement keeps its leaver's)."""
        return {
            "kind": self.kind.data,
            "role": (self.role.data or "").strip(),
            "start_date": self.start_date.data,
            "planned_end": self.planned_end.data,
            "monthly_wage": self.monthly_wage.data,
            "eligibility": self.eligibility(),
        }

    def set_choices(self, provinces, posts: list[dict]) -> None:
        """Communes grouped by province; component 2, the agreement's posts (then the role is
        the post's title) and either kind of contract; component 1, a CDD and a role."""
        self.commune_id.choices = [PLACEHOLDER] + [
            SelectChoice(c.id, localized(c), optgroup=localized(p))
            for p in provinces
            for c in p.communes
        ]
        self.posts = posts
        if posts:
            self.post_index.choices = [PLACEHOLDER] + [
                SelectChoice(i, post["title"]) for i, post in enumerate(posts)
            ]
            self.post_index.validators = [REQUIRED]
        else:
            self.post_index.choices = []  # not asked: the role is typed
            self.kind.choices = _choices(ContractKind)[:1]
            self.role.validators = [REQUIRED, Length(max=200)]

    def validate_cin(self, field):
        if field.data and not cin_format_ok(field.data):
            raise ValidationError(
                _l("A CIN has one or two letters, then up to six digits, like AB123456.")
            )

    def validate_phone(self, field):
        if field.data and not normalise_phone(field.data):
            raise ValidationError(
                _l("Enter a Moroccan phone number, like 0612345678 or +212612345678.")
            )

    def validate_birth_date(self, field):
        if field.data and self.start_date.data and field.data >= self.start_date.data:
            raise ValidationError(_l("The date of birth comes before the start of the contract."))

    def validate_planned_end(self, field):
        start = self.start_date.data
        if field.data and start and field.data < start:
            raise ValidationError(
                _l(
                    "The planned end comes on or after the start, %(date)s.",
                    date=isolate(show_date(start)),
                )
            )
        if field.data and start and field.data > start + timedelta(days=366 * 5):
            raise ValidationError(_l("A contract of the programme lasts at most five years."))

    def validate_monthly_wage(self, field):
        start = self.start_date.data
        if field.data is None or start is None:
            return
        try:
            floor = minimum_wage(start).smig_monthly
        except ValueError:
            raise ValidationError(_l("The start of the contract is too far in the past.")) from None
        if field.data < type(field.data)(str(floor)):
            raise ValidationError(
                _l(
                    "The wage is at least the minimum wage in force on %(date)s: %(amount)s MAD a month.",
                    date=isolate(show_date(start)),
                    amount=isolate(number(floor, "#,##0.00")),
                )
            )

    def person(self) -> dict:
        """The person's details as the service takes them."""
        return {
            "last_name_ar": self.last_name_ar.data.strip(),
            "first_name_ar": self.first_name_ar.data.strip(),
            "last_name_fr": self.last_name_fr.data.strip(),
            "first_name_fr": self.first_name_fr.data.strip(),
            "birth_date": self.birth_date.data,
            "sex": self.sex.data,
            "commune_id": self.commune_id.data,
            "education_level": self.education_level.data,
            "disability_card_no": self.disability_card_no.data or None,
            "anapec_registration_date": self.anapec_registration_date.data,
            "cnss_number": self.cnss_number.data or None,
            "phone": normalise_phone(self.phone.data) or None,
        }


class ReplaceForm(EnrolForm):
    """The enrolment form for the rest of a leaver's contract (B1-REPLACEMENT): from the day
    after the leaver's end to the leaver's planned end, on the leaver's post."""

    def set_window(self, after, until, post_index: int | None) -> None:
        self.window = (after, until)
        if post_index is not None:
            self.post_index.choices = [c for c in self.post_index.choices if c.value == post_index]

    def validate_start_date(self, field):
        after, until = self.window
        if field.data and not after <= field.data <= until:
            raise ValidationError(
                _l(
                    "A replacement starts from %(after)s to %(until)s, the rest of the "
                    "contract it replaces.",
                    after=isolate(show_date(after)),
                    until=isolate(show_date(until)),
                )
            )

    def validate_planned_end(self, field):
        super().validate_planned_end(field)
        until = self.window[1]
        if field.data and field.data > until:
            raise ValidationError(
                _l(
                    "A replacement ends by %(date)s, the planned end of the contract it replaces.",
                    date=isolate(show_date(until)),
                )
            )


class EndForm(PortalForm):
    actual_end = DateField(_l("Last day of work"), [REQUIRED])
    end_reason = SelectField(_l("Reason"), [REQUIRED], choices=[PLACEHOLDER, *_choices(EndReason)])
    note = TextAreaField(_l("Details (optional)"), [Optional(), Length(max=2000)])

    def __init__(self, contract, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract

    def validate_actual_end(self, field):
        start, end = self.contract.start_date, self.contract.planned_end
        if field.data and not start <= field.data <= end:
            raise ValidationError(
                _l(
                    "Give a day from %(start)s to %(end)s, the days of the contract.",
                    start=isolate(show_date(start)),
                    end=isolate(show_date(end)),
                )
            )


class RefuseForm(PortalForm):
    reason = TextAreaField(
        _l("Why the contract is refused (the partner reads it)"), [REQUIRED, Length(max=2000)]
    )


class PersonSearchForm(PortalForm):
    class Meta:
        csrf = False  # a read-only lookup, sent with GET

    cin = StringField(_l("CIN"), [Length(max=16)], filters=[normalise_cin])


class ImportForm(PortalForm):
    file = FileField(
        _l("Spreadsheet of workers (XLSX or CSV, at most 2 MB and 1,000 rows)"),
        [FileRequired(message=_l("Choose a file."))],
    )

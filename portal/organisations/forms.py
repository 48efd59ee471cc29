from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, Optional, ValidationError

from portal.forms import PLACEHOLDER, REQUIRED, PortalForm, chosen_id
from portal.i18n import isolate, localized, show_date
from portal.organisations import identifiers
from portal.organisations.models import LegalForm
from portal.timeutil import local_date


def legal_form_label(value: str) -> str:
    """The legal form as the pages and the exports name it, in the reader's language."""
    return LegalForm.label_of(value)


SHARED_IDS = {"ice", "cnss_affiliation", "rib"}
ID_FIELDS = (
    "association_receipt_no",
    "cooperative_register_no",
    "ice",
    "rc",
    "cnss_affiliation",
    "rib",
)
# The registration number each legal form must give.
REQUIRED_ID = {
    LegalForm.ASSOCIATION: ("association_receipt_no",),
    LegalForm.COOPERATIVE: ("cooperative_register_no",),
    LegalForm.COMPANY: ("ice", "rc"),
}


def _clean(value):
    return identifiers.clean(value) or None


class OrganisationForm(PortalForm):
    legal_form = RadioField(
        _l("Legal form"),
        [REQUIRED],
        choices=[SelectChoice(form.value, form.lazy_label) for form in LegalForm],
    )
    name_ar = StringField(_l("Name in Arabic"), [REQUIRED, Length(max=200)])
    name_fr = StringField(_l("Name in French"), [REQUIRED, Length(max=200)])
    created_on = DateField(_l("Date of creation"), [REQUIRED])
    province_id = SelectField(_l("Province"), [REQUIRED], coerce=chosen_id)
    commune_id = SelectField(_l("Commune"), [REQUIRED], coerce=chosen_id)
    address = StringField(_l("Address of the seat"), [REQUIRED, Length(max=300)])
    legal_representative = StringField(
        _l("Legal representative (full name)"), [REQUIRED, Length(max=120)]
    )
    association_receipt_no = StringField(
        _l("Number of the final declaration receipt"), [Optional(), Length(max=40)]
    )
    cooperative_register_no = StringField(
        _l("Cooperatives register number"), [Optional(), Length(max=40)]
    )
    ice = StringField(_l("ICE (common company identifier)"), [Optional()], filters=[_clean])
    rc = StringField(_l("Trade register number (RC)"), [Optional()], filters=[_clean])
    cnss_affiliation = StringField(_l("CNSS affiliation number"), [Optional()], filters=[_clean])
    rib = StringField(_l("Bank account number (RIB, 24 digits)"), [Optional()], filters=[_clean])

    def set_places(self, provinces):
        """Provinces, and communes grouped by province (the commune must be in the province)."""
        self.province_id.choices = [PLACEHOLDER] + [
            SelectChoice(p.id, localized(p)) for p in provinces
        ]
        self.commune_id.choices = [PLACEHOLDER] + [
            SelectChoice(c.id, localized(c), optgroup=localized(p))
            for p in provinces
            for c in p.communes
        ]
        self._communes = {c.id: p.id for p in provinces for c in p.communes}

    def validate_created_on(self, field):
        if field.data and field.data > local_date():
            raise ValidationError(
                _l(
                    "The date of creation cannot be in the future: give %(date)s or an earlier day.",
                    date=isolate(show_date(local_date())),
                )
            )

    def validate_province_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the province."))

    def validate_commune_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the commune."))
        if self._communes.get(field.data) != self.province_id.data:
            raise ValidationError(_l("This commune is not in the province you chose."))

    def validate_ice(self, field):
        if field.data and not identifiers.ice_format_ok(field.data):
            raise ValidationError(_l("The ICE has 15 digits."))

    def validate_rc(self, field):
        if field.data and not identifiers.rc_format_ok(field.data):
            raise ValidationError(_l("The RC number is made of digits only."))

    def validate_cnss_affiliation(self, field):
        length = current_app.config["CNSS_EMPLOYER_LENGTH"]
        if field.data and not identifiers.cnss_format_ok(field.data, length):
            raise ValidationError(
                ngettext(
                    "The CNSS affiliation number has %(num)d digit.",
                    "The CNSS affiliation number has %(num)d digits.",
                    length,
                )
            )

    def validate_rib(self, field):
        if field.data and not identifiers.rib_format_ok(field.data):
            raise ValidationError(_l("The RIB has 24 digits."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in REQUIRED_ID.get(self.legal_form.data, ()):
            field = self[name]
            if not field.data and not field.errors:
                field.errors.append(_l("This number is required for your legal form."))
                valid = False
        return valid

    def data_for_service(self) -> dict:
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        for name in ("association_receipt_no", "cooperative_register_no"):
            data[name] = (data[name] or "").strip() or None
        # Numbers that do not belong to the chosen legal form are not kept.
        allowed = set(REQUIRED_ID[LegalForm(data["legal_form"])]) | SHARED_IDS
        return data | {name: None for name in ID_FIELDS if name not in allowed}


class DocumentForm(PortalForm):
    kind = SelectField(_l("Kind of document"), [REQUIRED])
    valid_until = DateField(_l("Valid until (for certificates that expire)"), [Optional()])
    file = FileField(
        _l("File (PDF, JPEG or PNG, at most 10 MB)"), [FileRequired(message=_l("Choose a file."))]
    )


class InviteForm(PortalForm):
    email = EmailField(
        _l("Email address of the person to invite"),
        [REQUIRED, Email(message=_l("Enter an email address like name@example.ma."))],
    )


class JoinForm(PortalForm):
    message = TextAreaField(
        _l("Message to the owner (who you are, your role in the organisation)"),
        [Optional(), Length(max=1000)],
    )

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.forms import PortalForm

PHONE = re.compile(r"^(?:\+212|00212|0)([5-7]\d{8})$")  # rule V-PHONE


def normalise_phone(value: str | None) -> str:
    """+212XXXXXXXXX from the ways Moroccans write a number; '' when it does not fit V-PHONE."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    match = PHONE.match(digits)
    return f"+212{match.group(1)}" if match else ""


def valid_phone(form, field):
    if not normalise_phone(field.data):
        raise ValidationError(
            _l("Enter a Moroccan phone number, like 0612345678 or +212612345678.")
        )


REQUIRED = DataRequired(message=_l("This field is required."))
# The first option of a required <select>: an empty value, so the person chooses (HTML asks it).
PLACEHOLDER = SelectChoice("", "—")


def chosen_id(value) -> int | None:
    """The coercion of a <select> of ids that starts with PLACEHOLDER (None when not chosen)."""
    return int(value) if value not in ("", None) else None


EMAIL = [
    REQUIRED,
    Email(message=_l("Enter an email address like name@example.ma.")),
    Length(max=254),
]
NEW_PASSWORD = [
    REQUIRED,
    Length(min=12, max=128, message=_l("The password must have between 12 and 128 characters.")),
]


CONSENT_LABEL = _l(
    "I have read the data-protection notice and agree to my data being processed for the Awrach programme."
)


def _confirm(field: str):
    return [REQUIRED, EqualTo(field, message=_l("The two passwords are not the same."))]


class RegistrationForm(PortalForm):
    full_name = StringField(_l("Full name"), [REQUIRED, Length(max=120)])
    email = EmailField(_l("Email address"), EMAIL)
    phone = StringField(_l("Phone number"), [REQUIRED, valid_phone])
    password = PasswordField(_l("Password"), NEW_PASSWORD)
    password_confirm = PasswordField(_l("Password again"), _confirm("password"))
    consent = BooleanField(
        CONSENT_LABEL,
        [DataRequired(message=_l("You must accept the data-protection notice to register."))],
    )


class LoginForm(PortalForm):
    email = EmailField(_l("Email address"), EMAIL)
    password = PasswordField(_l("Password"), [REQUIRED, Length(max=128)])


class EmailForm(PortalForm):
    email = EmailField(_l("Email address"), EMAIL)


class NewPasswordForm(PortalForm):
    password = PasswordField(_l("New password"), NEW_PASSWORD)
    password_confirm = PasswordField(_l("New password again"), _confirm("password"))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), [REQUIRED, Length(max=128)])


class CodeForm(PortalForm):
    code = StringField(_l("Code"), [REQUIRED, Length(max=20)])


class ConsentForm(PortalForm):
    consent = BooleanField(
        CONSENT_LABEL,
        [DataRequired(message=_l("You must accept the data-protection notice to continue."))],
    )


class CloseAccountForm(PortalForm):
    password = PasswordField(_l("Password"), [REQUIRED, Length(max=128)])
    confirm = BooleanField(
        _l("I understand that my account and its data will be erased."),
        [DataRequired(message=_l("Tick the box to confirm."))],
    )


class ActionForm(PortalForm):
    """A form with nothing but its CSRF token, for buttons that change something."""

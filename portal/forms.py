"""The base of every form of the portal: what is typed is cleaned here, once, for all areas.

Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder the
text that follows them up to the end of its paragraph ("Trojan Source", CVE-2021-42574): an
organisation's name could make the sentence of an agreement around it read in another order.
They are stripped rather than refused: they are invisible, so a person told to remove them could
not see what to correct, and text copied from a word processor or a web page brings them along
unasked. The marks LRM, RLM and ALM (U+200E, U+200F, U+061C) are kept: each acts as one
invisible letter of a direction, has no scope, cannot reorder the text beyond its neighbours,
and Arabic typing needs them around numbers and Latin words.

Cleaning the form data itself (not each field's value) covers what views keep as typed, invalid
values included (an application's steps keep `raw_data`). Passwords are left exactly as typed.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, SelectChoice
from wtforms.validators import DataRequired

REQUIRED = DataRequired(message=_l("This field is required."))
# The first option of a required <select>: an empty value, so the person chooses (HTML asks it).
PLACEHOLDER = SelectChoice("", "—")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(value):
    return BIDI_CONTROLS.sub("", value) if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """What every form of the portal inherits (through `ActionForm` for bare buttons)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            passwords = {field.name for field in form if isinstance(field, PasswordField)}
            return MultiDict(
                (key, value if key in passwords else strip_bidi_controls(value))
                for key, value in formdata.items(multi=True)
            )


class ActionForm(PortalForm):
    """A form with nothing but its CSRF token, for buttons that change something."""


def chosen_id(value) -> int | None:
    """The coercion of a <select> of ids that starts with PLACEHOLDER (None when not chosen)."""
    return int(value) if value not in ("", None) else None

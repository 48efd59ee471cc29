"""The reports' forms: the phase to open, what the report says, a photo, a return's reason."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.closeout.services import NARRATIVE_MAX, REASON_MAX
from portal.forms import PLACEHOLDER, REQUIRED, PortalForm


class OpenReportForm(PortalForm):
    phase = SelectField(_l("Report"), [REQUIRED])

    def set_phases(self, choices: list[tuple[int, str]]) -> None:
        self.phase.choices = [PLACEHOLDER] + [SelectChoice(str(n), label) for n, label in choices]


class ReportForm(PortalForm):
    progress = IntegerField(
        _l("Work done (percent)"),
        [
            InputRequired(_l("Type the share of the work done, from 0 to 100.")),
            NumberRange(0, 100, _l("Between 0 and 100 percent.")),
        ],
    )
    language = SelectField(
        _l("Language of the narrative"),
        choices=[SelectChoice("ar", "العربية"), SelectChoice("fr", "Français")],
    )
    narrative = TextAreaField(
        _l("What was done, what is left, what went wrong"),
        [Optional(), Length(max=NARRATIVE_MAX)],
    )


class PhotoForm(PortalForm):
    photo = FileField(
        _l("Photo (JPEG or PNG, at most 10 MB)"), [FileRequired(message=_l("Choose a photo."))]
    )
    caption = StringField(_l("Caption"), [Optional(), Length(max=200)])


class ReturnReportForm(PortalForm):
    reason = TextAreaField(
        _l("What to correct (the partner reads it)"), [REQUIRED, Length(max=REASON_MAX)]
    )

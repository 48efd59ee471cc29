"""The secretariat's forms of the payroll files: asking for a file, uploading its returns."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields import MonthField

from portal.forms import PLACEHOLDER, REQUIRED, PortalForm, chosen_id


class FileRequestForm(PortalForm):
    province_id = SelectField(_l("Province"), [REQUIRED], coerce=chosen_id)
    period = MonthField(
        _l("Month"), [REQUIRED], description=_l("The month the statements declare, like 2027-03.")
    )

    def set_provinces(self, provinces, label) -> None:
        self.province_id.choices = [PLACEHOLDER] + [(p.id, label(p)) for p in provinces]


class ReturnsForm(PortalForm):
    file = FileField(
        _l("Returns of the paying body (CSV, at most 2 MB)"),
        [FileRequired(message=_l("Choose a file."))],
    )

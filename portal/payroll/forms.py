"""The statements' forms: the month to open, the lines to fill, the reasons of a return. Rows
follow the statement's lines in their order (no line id is sent back to trust)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.beneficiaries.forms import EnrolForm
from portal.forms import PLACEHOLDER, REQUIRED, PortalForm
from portal.payroll.models import Situation
from portal.payroll.rules import FULL_MONTH_DAYS
from portal.payroll.statements import REASON_MAX

MAX_LINES = 1_000  # more than any agreement's jobs


class OpenStatementForm(PortalForm):
    period = SelectField(_l("Month"), [REQUIRED])

    def set_periods(self, periods, label) -> None:
        self.period.choices = [PLACEHOLDER] + [
            SelectChoice(f"{p:%Y-%m}", label(p)) for p in periods
        ]


class LineRow(PortalForm):
    class Meta:
        csrf = False

    days_worked = IntegerField(
        _l("Days worked"),
        [
            InputRequired(_l("Type the days worked, 0 if none.")),
            NumberRange(
                0,
                FULL_MONTH_DAYS,
                _l("Between 0 and 26 days: the CNSS counts a whole month as 26 days."),
            ),
        ],
    )
    situation = SelectField(
        _l("Situation"),
        choices=[SelectChoice(s.value, s.lazy_label) for s in Situation],
        default=Situation.NONE,
    )


class FillForm(PortalForm):
    lines = FieldList(FormField(LineRow), max_entries=MAX_LINES)


class ReasonRow(PortalForm):
    class Meta:
        csrf = False

    reason = TextAreaField(_l("What to correct on this line"), [Optional(), Length(max=REASON_MAX)])


class ReturnForm(PortalForm):
    note = TextAreaField(
        _l("What to correct on the whole statement (the partner reads it)"),
        [Optional(), Length(max=REASON_MAX)],
    )
    lines = FieldList(FormField(ReasonRow), max_entries=MAX_LINES)


class ReviewDecisionForm(PortalForm):
    """A month of the hiring grant flagged after an early end: kept or recovered, and why."""

    decision = RadioField(
        _l("Decision"),
        [InputRequired(_l("Choose whether the month is kept or recovered."))],
        choices=[
            SelectChoice("keep", _l("Keep it: the month stays paid")),
            SelectChoice("recover", _l("Recover it from the employer")),
        ],
    )
    note = TextAreaField(_l("Reason"), [REQUIRED, Length(max=2000)])


class CorrectLineForm(PortalForm):
    """What the paying body may have refused a line for: the worker's CNSS number and name in
    Latin letters, as the payroll file writes them. One form per rejected line."""

    cnss_number = EnrolForm.cnss_number
    last_name_fr = EnrolForm.last_name_fr
    first_name_fr = EnrolForm.first_name_fr

    def details(self) -> dict:
        return {
            "cnss_number": self.cnss_number.data or None,
            "last_name_fr": self.last_name_fr.data.strip(),
            "first_name_fr": self.first_name_fr.data.strip(),
        }

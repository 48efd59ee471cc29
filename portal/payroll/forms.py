from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.forms import REQUIRED, PortalForm


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

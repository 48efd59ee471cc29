"""The forms of committee sessions: opening one, deciding on its agenda, closing it."""

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.committees.models import Outcome
from portal.core.integers import db_int
from portal.forms import REQUIRED, ActionForm, PortalForm


class SessionForm(PortalForm):
    call_id = SelectField(_l("Call"), [REQUIRED])
    province_id = SelectField(_l("Province of the provincial committee"), [Optional()])
    held_on = DateField(_l("Date of the session"), [REQUIRED])
    members_present = TextAreaField(
        _l("Members present (one per line)"), [REQUIRED, Length(max=3000)]
    )


class BatchDecisionForm(PortalForm):
    """One decision for the applications ticked on the agenda, each with the jobs typed
    beside it (`jobs_<id>`); the reason is required to reject (the service says so)."""

    outcome = SelectField(choices=[o.value for o in Outcome], validators=[DataRequired()])
    application_id = SelectMultipleField(
        coerce=db_int, validate_choice=False, validators=[DataRequired()]
    )
    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=2000)])

    def jobs(self) -> dict[int, int | None]:
        return {i: request.form.get(f"jobs_{i}", type=db_int) for i in self.application_id.data}


class CloseSessionForm(ActionForm):
    """Closing cannot be undone: the box must be ticked, so a stray click closes nothing."""

    confirm = BooleanField(
        _l("I confirm that the decisions are final and that each applicant can be told."),
        [DataRequired(message=_l("Tick the box to confirm. The session is still open."))],
    )

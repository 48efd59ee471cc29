"""The forms of committee sessions: opening one, deciding on its agenda, closing it."""

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.committees.models import Attendance, Outcome
from portal.core.integers import db_int
from portal.forms import REQUIRED, ActionForm, PortalForm


class SessionForm(PortalForm):
    call_id = SelectField(_l("Call"), [REQUIRED])
    province_id = SelectField(_l("Province of the provincial committee"), [Optional()])
    held_on = DateField(_l("Date of the session"), [REQUIRED])
    place = StringField(_l("Place of the session"), [Optional(), Length(max=200)])
    members_present = TextAreaField(
        _l("Members present (one per line: name | capacity), the chair first"),
        [REQUIRED, Length(max=3000)],
    )
    members_excused = TextAreaField(
        _l("Members excused (one per line: name | capacity)"), [Optional(), Length(max=3000)]
    )
    members_absent = TextAreaField(
        _l("Members absent (one per line: name | capacity)"), [Optional(), Length(max=3000)]
    )
    secretary = StringField(
        _l("Secretary of the committee (name | capacity)"), [Optional(), Length(max=400)]
    )

    @staticmethod
    def lines(field) -> list[str]:
        return [line.strip() for line in (field.data or "").splitlines() if line.strip()]


class BatchDecisionForm(PortalForm):
    """One decision for the applications ticked on the agenda, each with the jobs typed
    beside it (`jobs_<id>`); the reason is required to reject (the service says so)."""

    outcome = SelectField(choices=[o.value for o in Outcome], validators=[DataRequired()])
    application_id = SelectMultipleField(
        coerce=db_int, validate_choice=False, validators=[DataRequired()]
    )
    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=2000)])
    votes_for = IntegerField(_l("Votes for"), [Optional(), NumberRange(min=0, max=999)])
    votes_against = IntegerField(_l("Votes against"), [Optional(), NumberRange(min=0, max=999)])
    votes_abstaining = IntegerField(_l("Abstentions"), [Optional(), NumberRange(min=0, max=999)])

    def jobs(self) -> dict[int, int | None]:
        return {i: request.form.get(f"jobs_{i}", type=db_int) for i in self.application_id.data}

    def vote_errors(self) -> bool:
        return any(f.errors for f in (self.votes_for, self.votes_against, self.votes_abstaining))

    def votes(self) -> tuple[int, int, int] | None:
        """The vote when one count at least is given (the others then count none)."""
        counts = (self.votes_for.data, self.votes_against.data, self.votes_abstaining.data)
        if all(count is None for count in counts):
            return None
        return tuple(count or 0 for count in counts)


class CloseSessionForm(ActionForm):
    """Closing cannot be undone: the box must be ticked, so a stray click closes nothing."""

    confirm = BooleanField(
        _l("I confirm that the decisions are final and that each applicant can be told."),
        [DataRequired(message=_l("Tick the box to confirm. The session is still open."))],
    )

    @staticmethod
    def attendance(member_ids) -> dict[int, str]:
        """Each member's attendance as ticked at the close (`attendance_<id>`)."""
        chosen = {i: request.form.get(f"attendance_{i}") for i in member_ids}
        return {i: value for i, value in chosen.items() if value in set(Attendance)}

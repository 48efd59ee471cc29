from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from portal.applications.forms import label
from portal.forms import PLACEHOLDER, REQUIRED, PortalForm
from portal.review.models import Recommendation


class AssignForm(PortalForm):
    reviewer = SelectField(_l("Technical-committee member"), [REQUIRED])


def review_form(grid: list[dict]):
    """The call's scoring grid: a score and a justification per criterion."""

    class ReviewForm(PortalForm):
        no_conflict = BooleanField(
            _l(
                "I declare that I have no conflict of interest with this organisation or its "
                "members."
            )
        )
        note = TextAreaField(_l("Note for the committee"), [Optional(), Length(max=3000)])
        recommendation = RadioField(
            _l("Recommendation"),
            [Optional()],
            choices=[
                SelectChoice(Recommendation.RECOMMEND.value, _l("Recommend")),
                SelectChoice(Recommendation.DO_NOT_RECOMMEND.value, _l("Do not recommend")),
            ],
        )

    for criterion in grid:
        setattr(
            ReviewForm,
            f"score_{criterion['code']}",
            IntegerField(
                _l(
                    "%(criterion)s (out of %(max)s)",
                    criterion=label(criterion),
                    max=criterion["max"],
                ),
                [Optional(), NumberRange(0, criterion["max"])],
            ),
        )
        setattr(
            ReviewForm,
            f"why_{criterion['code']}",
            TextAreaField(_l("Justification"), [Optional(), Length(max=2000)]),
        )
    ReviewForm.grid = grid
    return ReviewForm


class CommentForm(PortalForm):
    body = TextAreaField(
        _l("Internal comment (never shown to the applicant)"), [REQUIRED, Length(max=3000)]
    )


class OverrideForm(PortalForm):
    rule = SelectField(_l("Rule"), [REQUIRED])
    outcome = SelectField(
        _l("New result"),
        [REQUIRED],
        choices=[
            PLACEHOLDER,
            SelectChoice("pass", _l("Met")),
            SelectChoice("needs_review", _l("To be reviewed")),
            SelectChoice("fail", _l("Not met")),
        ],
    )
    reason = TextAreaField(_l("Reason"), [REQUIRED, Length(max=2000)])


class FlagForm(PortalForm):
    reason = TextAreaField(
        _l("Why flag this application (leave empty to remove the flag)"),
        [Optional(), Length(max=500)],
    )

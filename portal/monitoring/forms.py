"""The visits' forms: plan (day and inspector), record (what was seen), more photos."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileRequired, MultipleFileField
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import PLACEHOLDER, REQUIRED, PortalForm, chosen_id
from portal.monitoring.services import HEADCOUNT_MAX, TEXT_MAX


class PlanForm(PortalForm):
    planned_on = DateField(_l("Day of the visit"), [REQUIRED])
    inspector = SelectField(_l("Inspector"), [REQUIRED], coerce=chosen_id)

    def set_inspectors(self, users) -> None:
        self.inspector.choices = [PLACEHOLDER] + [SelectChoice(u.id, u.full_name) for u in users]


def headcount(label):
    return IntegerField(
        label,
        [
            InputRequired(_l("Type a number, 0 if nobody.")),
            NumberRange(0, HEADCOUNT_MAX, _l("Between 0 and %(max)s.", max=HEADCOUNT_MAX)),
        ],
    )


class PhotosField(MultipleFileField):
    """Photos taken on the phone: the camera opens, several may be chosen."""

    def __call__(self, **kwargs):
        kwargs.setdefault("accept", "image/*")
        kwargs.setdefault("capture", "environment")
        return super().__call__(**kwargs)


class RecordForm(PortalForm):
    done_on = DateField(_l("Day of the visit"), [REQUIRED])
    checked = SelectMultipleField(_l("Checklist"), choices=[], validate_choice=True)
    declared = headcount(_l("Workers declared"))
    present = headcount(_l("Workers present"))
    photos = PhotosField(_l("Photos"))
    findings = TextAreaField(_l("Findings"), [Optional(), Length(max=TEXT_MAX)])
    follow_up = TextAreaField(_l("Follow-up to do"), [Optional(), Length(max=TEXT_MAX)])
    follow_up_due = DateField(_l("Follow-up due by"), [Optional()])

    def set_checklist(self, items, language: str) -> None:
        self.checked.choices = [
            SelectChoice(item["code"], item["ar"] if language == "ar" else item["fr"])
            for item in items
        ]


class PhotosForm(PortalForm):
    photos = PhotosField(_l("More photos"), [FileRequired(_l("Choose at least one photo."))])

"""Enums that carry their labels: `Status.DRAFT.label` is what people read, in their language."""

from enum import StrEnum
from typing import ClassVar


class LabelledEnum(StrEnum):
    """A StrEnum whose members have a label, declared beside them in `__labels__` (value →
    lazy string, through Flask-Babel) and read in the language of the moment."""

    __labels__: ClassVar[dict] = {}

    @property
    def label(self) -> str:
        return str(self.lazy_label)

    @property
    def lazy_label(self):
        """The label still to be translated: for what is built once, such as a form's choices."""
        return self.__labels__.get(self.value, self.value)

    @classmethod
    def label_of(cls, value) -> str:
        """The label of a stored value; the value itself if it is not (or no longer) a member."""
        try:
            return cls(value).label
        except ValueError:
            return str(value)

"""What the areas above add to an application's pages.

The applications area shows an application; the review, the agreements and what follows them
add their sections without this area knowing them: each registers a function that gives its
part of the page's template context (the templates include each area's partial).
"""

from collections.abc import Callable

from portal.applications.models import Application

Part = Callable[[Application], dict]


class Page:
    def __init__(self) -> None:
        self._parts: list[Part] = []

    def part(self, function: Part) -> Part:
        """Decorator: `function(application)` adds its dict to the page's context."""
        self._parts.append(function)
        return function

    def context(self, application: Application) -> dict:
        values: dict = {}
        for part in self._parts:
            values |= part(application)
        return values


APPLICANT = Page()  # the applicant's page of an application
STAFF = Page()  # the staff's page of an application

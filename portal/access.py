"""Every view declares who may open it; a request to a view without a rule is refused.

Rules are small objects attached to view functions by decorators (`@public`, and the
account and role rules added with accounts). `check_request` runs before every request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, abort, current_app, request


@dataclass(frozen=True)
class Rule:
    name: str
    allows: Callable[[], bool]


PUBLIC = Rule("public", lambda: True)


def requires(rule: Rule):
    """Decorator: attach `rule` to a view."""

    def decorate(view):
        view.access_rule = rule
        return view

    return decorate


public = requires(PUBLIC)


def rule_for(endpoint: str) -> Rule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def check_request():
    if request.endpoint is None:  # no route matched: Flask answers 404 or 405
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("view %s declares no access rule", request.endpoint)
        abort(403)
    if not rule.allows():
        abort(403)
    return None


def init_app(app: Flask) -> None:
    send_static = app.view_functions["static"]

    @public
    @wraps(send_static)
    def static(filename):
        return send_static(filename=filename)

    app.view_functions["static"] = static
    app.before_request(check_request)

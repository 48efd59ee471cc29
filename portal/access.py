"""Every view declares who may open it; a request to a view without a rule is refused.

Rules are small objects attached to view functions by decorators (`@public`, and the
account and role rules added with accounts). `check_request` runs before every request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import ClassVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.core.labels import LabelledEnum


class Role(LabelledEnum):
    SECRETARIAT = "secretariat"
    TECHNICAL_COMMITTEE = "technical_committee"
    COMMITTEE_MEMBER = "committee_member"
    ADMIN = "admin"

    __labels__: ClassVar[dict] = {
        "secretariat": _l("Secretariat (ANAPEC)"),
        "technical_committee": _l("Technical committee"),
        "committee_member": _l("Deciding committee"),
        "admin": _l("Administrator"),
    }


@dataclass(frozen=True)
class Rule:
    name: str
    allows: Callable[[], bool]
    needs_login: bool = True  # refused visitors who are not signed in go to the login page


PUBLIC = Rule("public", lambda: True, needs_login=False)
LOGGED_IN = Rule("logged_in", lambda: current_user.is_authenticated)
# The development mailbox: only where no SMTP server is configured and the setting allows it.
DEV_MAILBOX = Rule("dev_mailbox", lambda: current_app.config["DEV_MAILBOX"], needs_login=False)


def _staff_allows(roles: tuple[str, ...]) -> bool:
    user = current_user
    return bool(
        user.is_authenticated
        and user.is_staff
        and session.get("second_factor")
        and (not roles or user.has_role(*roles))
    )


def staff_rule(*roles: str) -> Rule:
    """Staff who passed the second factor, holding one of `roles` (any role when none given)."""
    return Rule(f"staff:{'|'.join(roles) or 'any'}", lambda: _staff_allows(roles))


def requires(rule: Rule):
    """Decorator: attach `rule` to a view."""

    def decorate(view):
        view.access_rule = rule
        return view

    return decorate


public = requires(PUBLIC)
login_required = requires(LOGGED_IN)
dev_only = requires(DEV_MAILBOX)


def staff_required(*roles: str):
    return requires(staff_rule(*roles))


# Object rules: one function per model, registered by its area, asked through `can`.
_POLICIES: dict[tuple[type, str | None], Callable] = {}


def policy(model: type, *, actions: tuple[str, ...] = ()):
    """Register `check(user, action, obj) -> bool` as the rule for objects of `model`: for
    every action, or for `actions` only (an area above the model's own adds the actions it
    owns, so the model's area need not know it)."""

    def register(check):
        for action in actions or (None,):
            _POLICIES[(model, action)] = check
        return check

    return register


def can(user, action: str, obj) -> bool:
    """The one permission function: may `user` do `action` on `obj`? Denies by default."""
    if obj is None or user is None or not user.is_authenticated:
        return False
    check = _POLICIES.get((type(obj), action)) or _POLICIES.get((type(obj), None))
    return bool(check and check(user, action, obj))


def authorize(action: str, obj):
    """404 when the user may not even see `obj` (its existence stays private), 403 when they
    see it but may not do `action`; otherwise `obj`."""
    if not can(current_user, "view", obj):
        abort(404)
    if action != "view" and not can(current_user, action, obj):
        abort(403)
    return obj


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path of this site, else `default`: never an open redirect.

    Browsers drop tabs and newlines from a URL, read a backslash as a slash and normalise
    look-alike characters, so only printable ASCII is accepted (what the portal's own links
    hold: `request.full_path` is percent-encoded); what remains must parse as a bare path.
    """
    if not target or "\\" in target or not all("!" <= c <= "~" for c in target):
        return default
    url = urlsplit(target)
    if url.scheme or url.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


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
    if rule.allows():
        return None
    if rule.needs_login and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


def init_app(app: Flask) -> None:
    send_static = app.view_functions["static"]

    @public
    @wraps(send_static)
    def static(filename):
        return send_static(filename=filename)

    app.view_functions["static"] = static
    app.before_request(check_request)

"""Error pages in the visitor's language, and the requests refused before any view."""

from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has moved.")),
    405: (_l("Action not allowed"), _l("This page cannot be used this way.")),
    413: (
        _l("File too large"),
        _l("What you sent is larger than the portal accepts. Send a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You tried too many times in a short while. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An error happened on our side. Nothing you saved is lost; try again in a moment."),
    ),
}


FOREIGN_ORIGIN = (
    _l("Sent from another site"),
    _l(
        "This form was sent from another site, so it was refused. Open the page on the portal "
        "itself and send the form again."
    ),
)
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def render_error(code: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html",
        code=code,
        title=title or default_title,
        message=message or default_message,
    ), code


def from_this_site(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower()) == (request.scheme, request.host.lower())


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No text field ever holds a NUL byte (PostgreSQL cannot store one): say so early."""
        if request.method == "POST" and any("\x00" in v for v in request.form.values()):
            return render_error(400)
        return None

    @app.before_request
    def refuse_other_sites():
        """A change sent from another site is refused, over plain HTTP too (Flask-WTF checks
        the Referer only over HTTPS). The Origin decides, else the Referer; a request with
        neither (curl, old browsers) goes on to the CSRF token alone."""
        if request.method not in STATE_CHANGING:
            return None
        source = request.headers.get("Origin", request.headers.get("Referer"))
        if source is None or from_this_site(source):
            return None
        return render_error(400, *FOREIGN_ORIGIN)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        title = _l("Form expired")
        message = _l("The form could not be checked. Reload the page, then send it again.")
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()  # the page itself may read the database
        return render_error(500)

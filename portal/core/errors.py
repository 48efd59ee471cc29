"""Error pages in the visitor's language."""

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


def render_error(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No text field ever holds a NUL byte (PostgreSQL cannot store one): say so early."""
        if request.method == "POST" and any("\x00" in v for v in request.form.values()):
            return render_error(400)
        return None

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

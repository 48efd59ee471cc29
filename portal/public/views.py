from flask import current_app, jsonify, redirect, render_template, request
from flask_login import current_user

from portal.access import public, safe_next
from portal.auth.services import set_locale
from portal.core.services import health
from portal.geo.services import provinces_with_commune_counts
from portal.i18n import LANGUAGE_COOKIE
from portal.public import bp


@bp.get("/")
@public
def home():
    return render_template("core/home.html", provinces=provinces_with_commune_counts())


@bp.get("/privacy")
@public
def privacy():
    return render_template("core/privacy.html")


@bp.get("/language/<code>")
@public
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        return redirect("/")
    if current_user.is_authenticated:
        set_locale(current_user, code)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.get("/healthz")
@public
def healthz():
    report = health()
    status = 200 if all(value == "ok" for value in report.values()) else 503
    return jsonify(report), status

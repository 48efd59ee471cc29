"""The Awrach portal: `create_app()` reads like a table of contents."""

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import access, cli, config, i18n, logs
from portal.celery_app import celery_init_app
from portal.core import integers, uow
from portal.core.errors import init_app as init_errors
from portal.extensions import (
    babel,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
    sqlite_pragmas,
)

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(overrides: dict | None = None) -> Flask:
    settings = config.load(overrides)
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        instance_path=str(config.INSTANCE),
    )
    app.config.update(settings)
    app.jinja_env.add_extension("jinja2.ext.do")
    config.INSTANCE.mkdir(exist_ok=True)

    logs.init_app(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    register_extensions(app)
    uow.init_app(app)
    celery_init_app(app)
    integers.init_app(app)
    register_blueprints(app)
    access.init_app(app)
    init_errors(app)
    cli.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    Talisman().init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=True,
    )
    sqlite_pragmas(app)


def register_blueprints(app: Flask) -> None:
    from portal import (
        agreements,
        applications,
        auth,
        backoffice,
        beneficiaries,
        calls,
        closeout,
        committees,
        documents,
        monitoring,
        notifications,
        opendata,
        organisations,
        outcomes,
        payroll,
        public,
        reports,
        retention,
        review,
    )
    from portal.applications.presenters import init_app as init_presenters
    from portal.auth.services import load_session_user
    from portal.auth.views import init_app as init_consent
    from portal.backoffice import audit_views

    init_presenters(app)
    login_manager.user_loader(load_session_user)
    init_consent(app)
    for blueprint in (
        public.bp,
        auth.bp,
        auth.staff_bp,
        notifications.bp,
        notifications.staff_bp,
        backoffice.bp,
        organisations.bp,
        documents.bp,
        calls.bp,
        calls.staff_bp,
        applications.bp,
        applications.staff_bp,
        review.staff_bp,
        committees.staff_bp,
        audit_views.staff_bp,
        reports.staff_bp,
        agreements.bp,
        agreements.staff_bp,
        beneficiaries.bp,
        beneficiaries.staff_bp,
        payroll.bp,
        payroll.staff_bp,
        monitoring.staff_bp,
        closeout.bp,
        closeout.staff_bp,
        outcomes.staff_bp,
        opendata.bp,
        retention.staff_bp,
    ):
        app.register_blueprint(blueprint)

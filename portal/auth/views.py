from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.access import Role, login_required, public, safe_next
from portal.auth import bp, services
from portal.auth.forms import (
    ChangePasswordForm,
    CloseAccountForm,
    CodeForm,
    ConsentForm,
    EmailForm,
    LoginForm,
    NewPasswordForm,
    RegistrationForm,
    normalise_phone,
)
from portal.extensions import limiter
from portal.i18n import LANGUAGE_COOKIE, current_language


def _account_key() -> str:
    """Limits per account *and* address: an attacker elsewhere never locks the owner out."""
    return f"{services.normalise_email(request.form.get('email', ''))}|{get_remote_address()}"


def _adopt_chosen_language(user) -> None:
    """A language picked before signing in is the person's choice: keep it on the account."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in current_app.config["LANGUAGES"] and chosen != user.locale:
        services.set_locale(user, chosen)


def _landing(user) -> str:
    return url_for("backoffice.index") if user.is_staff else url_for("auth.account")


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        services.register(
            email=form.email.data,
            full_name=form.full_name.data,
            phone=normalise_phone(form.phone.data),
            password=form.password.data,
            locale=current_language(),
        )
        return redirect(url_for("auth.check_email"))
    return render_template("auth/register.html", form=form)


@bp.get("/check-email")
@public
def check_email():
    return render_template("auth/check_email.html")


@bp.get("/verify/<token>")
@public
def verify_email(token: str):
    try:
        services.verify_email(token)
    except services.TokenError as error:
        return render_template("auth/link_invalid.html", expired=error.expired), 400
    flash(_("Your email address is confirmed. You can now sign in."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("5 per minute", key_func=_account_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The email address or the password is wrong."))
        elif user.email_verified_at is None:
            services.resend_verification(user)
            return render_template("auth/check_email.html", unverified=True)
        elif user.is_staff:
            services.begin_second_factor(user)
            return redirect(url_for("auth.two_factor"))
        else:
            _adopt_chosen_language(user)
            services.start_session(user)
            return redirect(safe_next(request.args.get("next"), _landing(user)))
    return render_template("auth/login.html", form=form)


def _pending_sign_in() -> str:
    return session.get("pending_sign_in") or "none"


def _pending_account() -> str:
    return (session.get("pending_user") or "").partition(".")[0] or "none"


def _code_refused(_response) -> bool:
    return g.get("second_factor_refused", False)


def _end_pending_sign_in(_limit) -> None:
    session.clear()
    flash(_("Too many wrong codes for this sign-in. Sign in again with your password."), "error")


# Only wrong codes count. Per address, loosely: staff behind one address share it. Per pending
# sign-in: after five it is over, from whatever address they came, and the password is asked
# again (itself limited). Per account: nobody reaches this page without the password, so a
# stranger cannot use it to lock the owner out.
@bp.route("/two-factor", methods=["GET", "POST"])
@public
@limiter.limit("30 per 5 minutes", methods=["POST"], deduct_when=_code_refused)
@limiter.limit(
    "5 per hour",
    key_func=_pending_sign_in,
    methods=["POST"],
    deduct_when=_code_refused,
    on_breach=_end_pending_sign_in,
)
@limiter.limit(
    "10 per hour", key_func=_pending_account, methods=["POST"], deduct_when=_code_refused
)
def two_factor():
    user = services.pending_staff()
    if user is None:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if user.totp_confirmed_at is None:
        uri = services.begin_totp_setup(user)
        if form.validate_on_submit():
            codes = services.confirm_totp(user, form.code.data)
            if codes:
                services.start_session(user, second_factor=True)
                return render_template("auth/recovery_codes.html", codes=codes)
            g.second_factor_refused = True
            form.code.errors.append(_("This code is not right. Check the time on your phone."))
        return render_template(
            "auth/two_factor_setup.html",
            form=form,
            qr=services.qr_data_uri(uri),
            secret=user.totp_secret,
        )
    if form.validate_on_submit():
        if services.check_second_factor(user, form.code.data):
            _adopt_chosen_language(user)
            services.start_session(user, second_factor=True)
            return redirect(url_for("backoffice.index"))
        g.second_factor_refused = True
        form.code.errors.append(_("This code is not right. Check the time on your phone."))
    return render_template("auth/two_factor.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.sign_out(current_user._get_current_object())
    flash(_("You are signed out."), "success")
    return redirect(url_for("core.home"))


@bp.route("/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_account_key, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/check_email.html", reset=True)
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset(token)
    except services.TokenError as error:
        return render_template("auth/link_invalid.html", expired=error.expired), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        services.forget_session()
        flash(_("Your password is changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.get("/")
@login_required
def account():
    return render_template("auth/account.html", user=current_user)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            second_factor = session.get("second_factor", False)
            services.set_password(user, form.password.data)
            services.start_session(user, second_factor=second_factor)
            flash(_("Your password is changed. Your other sessions are closed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/consent", methods=["GET", "POST"])
@login_required
def consent():
    form = ConsentForm()
    if form.validate_on_submit():
        services.accept_consent(current_user)
        return redirect(_landing(current_user))
    return render_template("auth/consent.html", form=form)


@bp.get("/keepalive")
@login_required
def keepalive():
    return "", 204


@bp.get("/data")
@login_required
def download_data():
    response = jsonify(services.personal_data(current_user))
    response.headers["Content-Disposition"] = "attachment; filename=awrach-my-data.json"
    return response


@bp.route("/close", methods=["GET", "POST"])
@login_required
def close_account():
    form = CloseAccountForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.password.data):
            form.password.errors.append(_("This is not your current password."))
        else:
            services.close_account(current_user._get_current_object())
            services.forget_session()
            flash(_("Your account is closed and its data erased."), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/close.html", form=form)


def init_app(app) -> None:
    """Role names for templates; consent asked again when the notice has a new version;
    signed-in pages kept out of caches."""
    app.add_template_global(lambda role: Role(role).label, "role_label")

    @app.after_request
    def keep_signed_in_pages_out_of_caches(response):
        """What a signed-in person sees (or one half-way to the second factor, whose setup
        page shows the authenticator's key) is kept by no cache, nor by the browser's history
        for the next person at a shared computer."""
        if request.endpoint != "static" and (
            current_user.is_authenticated or "pending_user" in session
        ):
            response.cache_control.no_store = True
        return response

    @app.before_request
    def require_current_consent():
        exempt = {"auth.consent", "auth.logout", "static", "core.set_language", "core.privacy"}
        if (
            current_user.is_authenticated
            and current_user.consent_version != current_app.config["CONSENT_VERSION"]
            and request.endpoint not in exempt
        ):
            return redirect(url_for("auth.consent"))
        return None

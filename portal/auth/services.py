"""Accounts: every write about users, their sessions and second factor."""

import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, session
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from portal.access import Role
from portal.audit.services import record
from portal.auth.models import StaffProvince, User, UserRole, new_session_token
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import external_url, notify
from portal.timeutil import utcnow

hasher = PasswordHasher()  # Argon2id with the library's current parameters
_DUMMY_HASH = hasher.hash(secrets.token_hex(16))
VERIFY_MAX_AGE = timedelta(days=3)
RESET_MAX_AGE = timedelta(hours=2)
# Between the password and the second factor; the limits on wrong codes outlast it.
PENDING_MAX_AGE = timedelta(minutes=10)


class TokenError(Exception):
    """A link that is invalid or expired; `expired` tells which."""

    def __init__(self, expired: bool):
        self.expired = expired


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).filter_by(email=normalise_email(email)))


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"awrach-{purpose}")


def _load_token(purpose: str, token: str, max_age: timedelta) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise TokenError(expired=True) from error
    except BadSignature as error:
        raise TokenError(expired=False) from error


def _verification_notice(user: User) -> Notification:
    token = _serializer("verify").dumps({"id": user.id, "email": user.email})
    return notify(
        user,
        "verify_email",
        f"verify_email:{user.id}:{secrets.token_hex(4)}",
        link=external_url("auth.verify_email", token=token),
    )


def register(*, email: str, full_name: str, phone: str, password: str, locale: str) -> None:
    """Create an applicant account and send the verification email.

    An address that already has an account gets a note instead, so the page never
    reveals which addresses are registered; the password is hashed either way, so neither
    does the time the answer takes.
    """
    password_hash = hasher.hash(password)
    existing = find_user(email)
    if existing is not None:
        notify(
            existing,
            "account_exists",
            f"account_exists:{existing.id}:{secrets.token_hex(4)}",
            login_link=external_url("auth.login"),
            reset_link=external_url("auth.forgot_password"),
        )
        return
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        phone=phone,
        password_hash=password_hash,
        locale=locale,
        consent_version=current_app.config["CONSENT_VERSION"],
        consent_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    _verification_notice(user)
    record(
        "account.registered",
        actor=user,
        obj=user,
        after={"email": user.email, "phone": user.phone, "consent": user.consent_version},
    )


def resend_verification(user: User) -> None:
    _verification_notice(user)


def verify_email(token: str) -> User:
    data = _load_token("verify", token, VERIFY_MAX_AGE)
    user = db.session.get(User, data["id"])
    if user is None or user.email != data["email"] or not user.is_active:
        raise TokenError(expired=False)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record("account.verified", actor=user, obj=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The account if the password is right; the same work is done when there is no account."""
    user = find_user(email)
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def start_session(user: User, *, second_factor: bool = False) -> None:
    """Sign in with a new session (nothing carried over from before the login)."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["second_factor"] = second_factor
    user.last_login_at = utcnow()


def end_sessions(user: User) -> None:
    """End every session of the account on the server: each cookie carries the old token.

    The caller commits; signing in again afterwards starts a session with the new token.
    """
    user.session_token = new_session_token()


def sign_out(user: User) -> None:
    """Sign out for good: a copy of the cookie taken before opens nothing afterwards."""
    end_sessions(user)
    forget_session()


def forget_session() -> None:
    """Drop this browser's session (the account's other sessions are not touched)."""
    logout_user()
    session.clear()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def accept_consent(user: User) -> None:
    user.consent_version = current_app.config["CONSENT_VERSION"]
    user.consent_at = utcnow()
    record(
        "account.consent_accepted", actor=user, obj=user, after={"version": user.consent_version}
    )


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    token = _serializer("reset").dumps({"id": user.id, "p": _password_fingerprint(user)})
    notify(
        user,
        "password_reset",
        f"password_reset:{user.id}:{secrets.token_hex(4)}",
        link=external_url("auth.reset_password", token=token),
    )


def user_for_reset(token: str) -> User:
    data = _load_token("reset", token, RESET_MAX_AGE)
    user = db.session.get(User, data["id"])
    # The link works until the password changes (once, then).
    if (
        user is None
        or not user.is_active
        or not hmac.compare_digest(_password_fingerprint(user), str(data.get("p", "")))
    ):
        raise TokenError(expired=False)
    return user


def _password_fingerprint(user: User) -> str:
    """Changes with the password and tells nothing of its hash (the token is signed, not
    encrypted: anyone holding the link can read what it carries)."""
    key = f"awrach-reset:{current_app.config['SECRET_KEY']}".encode()
    return hmac.new(key, user.password_hash.encode(), "sha256").hexdigest()[:32]


def set_password(user: User, password: str) -> None:
    """Change the password, end every other session, and tell the owner."""
    user.password_hash = hasher.hash(password)
    end_sessions(user)
    if user.email_verified_at is None:  # the reset link proved the address
        user.email_verified_at = utcnow()
    notify(
        user,
        "password_changed",
        f"password_changed:{user.id}:{secrets.token_hex(4)}",
        reset_link=external_url("auth.forgot_password"),
    )


def check_password(user: User, password: str) -> bool:
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Staff and the second factor


def create_staff(
    *,
    email: str,
    full_name: str,
    roles: list[str],
    province_ids: list[int],
    password: str | None = None,
    totp_secret: str | None = None,
) -> User:
    """Create or update a staff account (never self-registered)."""
    user = find_user(email)
    if user is None:
        user = User(
            email=normalise_email(email),
            full_name=full_name,
            password_hash=hasher.hash(password or secrets.token_urlsafe(32)),
        )
        db.session.add(user)
    user.is_staff = True
    user.full_name = full_name or user.full_name
    user.email_verified_at = user.email_verified_at or utcnow()
    user.consent_version = user.consent_version or current_app.config["CONSENT_VERSION"]
    if password:
        user.password_hash = hasher.hash(password)
    if totp_secret:
        user.totp_secret, user.totp_confirmed_at = totp_secret, utcnow()
    user.roles = [UserRole(role=Role(role).value) for role in sorted(set(roles))]
    user.provinces = [StaffProvince(province_id=pid) for pid in sorted(set(province_ids))]
    db.session.flush()
    record(
        "staff.saved",
        obj=user,
        after={
            "email": user.email,
            "roles": ",".join(sorted(roles)),
            "provinces": ",".join(map(str, sorted(province_ids))),
        },
    )
    return user


def set_staff_active(user: User, active: bool, *, by: User | None = None) -> None:
    """Deactivate (ending every session of the account) or reactivate a staff account."""
    user.active = active
    end_sessions(user)
    record("staff.reactivated" if active else "staff.deactivated", actor=by, obj=user)


def begin_totp_setup(user: User) -> str:
    if user.totp_confirmed_at is None and not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="Awrach")


def _accept_totp(user: User, code: str) -> bool:
    """True once for a code of the current time step or its neighbours: the step is stored
    with a conditional update, so a code seen (or replayed) a second time is refused."""
    totp = pyotp.TOTP(user.totp_secret)
    now = datetime.now(UTC)
    for offset in (-1, 0, 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            return bool(
                db.session.execute(
                    update(User)
                    .where(
                        User.id == user.id,
                        (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
                    )
                    .values(totp_last_step=step)
                    .execution_options(synchronize_session=False)
                ).rowcount
            )
    return False


def confirm_totp(user: User, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; the recovery codes, shown once."""
    if not _accept_totp(user, code.strip()):
        return None
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(10)]
    user.recovery_codes = [hasher.hash(c) for c in codes]
    user.totp_confirmed_at = utcnow()
    record("account.second_factor_set", actor=user, obj=user)
    return codes


def check_second_factor(user: User, code: str) -> bool:
    code = code.strip().lower()
    if user.totp_secret and _accept_totp(user, code):
        return True
    for stored in user.recovery_codes or []:
        try:
            hasher.verify(stored, code)
        except (VerificationError, InvalidHashError):
            continue
        user.recovery_codes = [c for c in user.recovery_codes if c != stored]  # used once
        return True
    return False


# The user's own data


def personal_data(user: User) -> dict:
    """Everything the portal holds about the user, for download (law 09-08, right of access)."""
    notifications = db.session.scalars(select(Notification).filter_by(user_id=user.id)).all()
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "language": user.locale,
            "created_at": user.created_at.isoformat(),
            "email_verified_at": user.email_verified_at and user.email_verified_at.isoformat(),
            "consent_version": user.consent_version,
            "consent_at": user.consent_at and user.consent_at.isoformat(),
            "last_login_at": user.last_login_at and user.last_login_at.isoformat(),
            "roles": sorted(user.role_names),
        },
        "notifications": [
            {
                "subject": n.subject,
                "body": n.body_text,
                "created_at": n.created_at.isoformat(),
                "email_status": n.status,
            }
            for n in notifications
        ],
    }


def close_account(user: User) -> None:
    """Close the account: personal data erased, sign-in impossible, sessions ended."""
    user.closed_at = utcnow()
    erase_account(user)
    record("account.closed", actor=user, obj=user)


def erase_account(user: User) -> None:
    """Erase the account's personal data (name, address, phone, its notifications), make
    signing in impossible and end its sessions; the row stays for what refers to it."""
    db.session.execute(delete(Notification).filter_by(user_id=user.id))
    user.email = f"closed-{user.id}@invalid"
    user.full_name = ""
    user.phone = ""
    user.password_hash = hasher.hash(secrets.token_urlsafe(32))
    end_sessions(user)
    user.totp_secret = None
    user.recovery_codes = []


def begin_second_factor(user: User) -> None:
    """The password was right: this browser may now give the second factor, for a while.

    The pending sign-in has an id of its own, so that wrong codes are counted against it
    whatever address they come from (see the limits of the two-factor page).
    """
    session.clear()
    session["pending_user"] = user.get_id()
    session["pending_sign_in"] = secrets.token_urlsafe(16)
    session["pending_since"] = int(time.time())


def pending_staff() -> User | None:
    """The staff account that gave its password and still owes the second factor."""
    since = session.get("pending_since", 0)
    if time.time() - since > PENDING_MAX_AGE.total_seconds():
        return None
    return load_session_user(session.get("pending_user"), staff_only=True)


def load_session_user(session_id: str | None, *, staff_only: bool = False) -> User | None:
    """The user of a session id (`<id>.<session token>`), if the session is still valid."""
    user_id, _, token = (session_id or "").partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(
        User, int(user_id), options=[joinedload(User.roles), joinedload(User.provinces)]
    )
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    if staff_only and not user.is_staff:
        return None
    return user


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)

"""Factories and sign-in helpers for tests."""

import re
import time
import uuid
from datetime import UTC, datetime

import pyotp

from portal.auth import services
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
LINK = re.compile(r"https?://\S+/account/(?:verify|reset)/\S+")


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.ma"


def create_user(app, **overrides) -> User:
    """A verified applicant account, committed."""
    with app.app_context():
        user = User(
            email=overrides.pop("email", unique_email()),
            full_name=overrides.pop("full_name", "فاطمة الزهراء"),
            phone=overrides.pop("phone", "+212612345678"),
            password_hash=services.hasher.hash(overrides.pop("password", PASSWORD)),
            locale=overrides.pop("locale", "ar"),
            consent_version=app.config["CONSENT_VERSION"],
            consent_at=utcnow(),
            email_verified_at=utcnow(),
            **overrides,
        )
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def create_staff(
    app, *roles: str, provinces: tuple[str, ...] = ("Guelmim",), locale: str = "ar"
) -> User:
    """A staff account with a confirmed authenticator; `user.totp_secret` gives its codes."""
    from portal.geo.models import Province

    with app.app_context():
        ids = [db.session.query(Province).filter_by(name_fr=p).one().id for p in provinces]
        user = services.create_staff(
            email=unique_email("staff"),
            full_name="Staff",
            roles=list(roles),
            province_ids=ids,
            password=PASSWORD,
            totp_secret=pyotp.random_base32(),
        )
        user.locale = locale
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def csrf_token(client, path: str = "/account/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


_USED_STEPS: dict[str, set[int]] = {}
# The app whose database the portal reads the accounts from (set by tests/conftest.py).
APP = None


def totp_code(secret: str) -> str:
    """A one-time code the portal has not seen yet. It accepts each time step once, and the
    step before and after the current one: a third sign-in within 30 s would wait for the next
    step, so the account's last accepted step is forgotten in the database instead (the
    refusal of a code seen once is tests/auth/test_staff.py::test_a_one_time_code_signs_in_once).
    """
    totp = pyotp.TOTP(secret)
    used = _USED_STEPS.setdefault(secret, set())
    while True:
        now = time.time()
        for at in (now, now + totp.interval):
            step = totp.timecode(datetime.fromtimestamp(at, UTC))
            if step not in used:
                used.add(step)
                return totp.at(at)
        if APP is not None:
            _forget_last_step(secret)
            used.clear()
            continue
        time.sleep(totp.interval - now % totp.interval + 0.1)


def _forget_last_step(secret: str) -> None:
    from sqlalchemy import update

    with APP.app_context():
        db.session.execute(
            update(User).where(User.totp_secret == secret).values(totp_last_step=None)
        )
        db.session.commit()


def wrong_totp_code(secret: str) -> str:
    """A six-digit code the portal refuses: none of the time steps it accepts now."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    accepted = {totp.at(now + offset * totp.interval) for offset in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in accepted)


def login(client, user: User, password: str = PASSWORD):
    """Sign in through the forms, the second factor included for staff."""
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_token(client)},
    )
    if user.is_staff:
        assert response.headers["Location"].endswith("/account/two-factor")
        code = totp_code(user.totp_secret)
        response = client.post(
            "/account/two-factor",
            data={"code": code, "csrf_token": csrf_token(client, "/account/two-factor")},
        )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def copy_of_session(app, client):
    """A new browser holding a copy of `client`'s session cookie, as a thief would replay it."""
    thief = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "no session cookie to copy"
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def post(client, path: str, data: dict | None = None, token_from: str | None = None):
    """POST a form with a CSRF token taken from `token_from` (default: the same path)."""
    return client.post(
        path, data={**(data or {}), "csrf_token": csrf_token(client, token_from or path)}
    )


def create_organisation(app, owner: User, **overrides):
    """An association of Sidi Ifni owned by `owner`, through the service (audited)."""
    from datetime import date

    from portal.geo.models import Province
    from portal.organisations.services import create_organisation as create

    with app.app_context():
        province = (
            db.session.query(Province)
            .filter_by(name_fr=overrides.pop("province", "Sidi Ifni"))
            .one()
        )
        data = {
            "legal_form": "association",
            "name_ar": "جمعية الأمل للتنمية",
            "name_fr": "Association Al Amal pour le développement",
            "created_on": date(2015, 3, 2),
            "province_id": province.id,
            "commune_id": province.communes[0].id,
            "address": "حي السلام",
            "legal_representative": "Hassan Ouali",
            "association_receipt_no": f"RD-{uuid.uuid4().hex[:8]}",
        } | overrides
        organisation = create(data, by=db.session.get(User, owner.id))
        db.session.commit()
        db.session.refresh(organisation)
        db.session.expunge(organisation)
        return organisation


def create_company(app, owner: User, **overrides):
    """A company (the legal form of component 2) with a valid ICE, RC and CNSS number."""
    company = {
        "legal_form": "company",
        "association_receipt_no": None,
        "ice": new_ice(),
        "rc": "4521",
        "cnss_affiliation": new_cnss(),
    }
    return create_organisation(app, owner, **(company | overrides))


def add_member(app, organisation, user: User, role: str = "editor") -> None:
    """Make `user` a member of `organisation` (an editor unless told otherwise)."""
    from portal.organisations.models import Membership

    with app.app_context():
        db.session.add(Membership(organisation_id=organisation.id, user_id=user.id, role=role))
        db.session.commit()


def add_documents(app, organisation, owner: User, codes=None, valid_until=None):
    """Upload a plain PDF for each kind (default: every kind the legal form needs)."""
    from datetime import date, timedelta

    from portal.documents.models import DocumentKind
    from portal.documents.services import add_document
    from portal.organisations.models import Organisation
    from tests.support.files import plain_pdf

    with app.app_context():
        org = db.session.get(Organisation, organisation.id)
        kinds = db.session.query(DocumentKind).filter_by(scope="organisation").all()
        for kind in kinds:
            if org.legal_form not in kind.legal_forms or (codes and kind.code not in codes):
                continue
            until = valid_until or (date.today() + timedelta(days=90)) if kind.expires else None
            add_document(
                org,
                kind,
                plain_pdf(),
                filename=f"{kind.code}.pdf",
                valid_until=until,
                by=db.session.get(User, owner.id),
            )
        db.session.commit()


def demo_call(app, component: int):
    from portal.calls.models import Call

    with app.app_context():
        call = db.session.query(Call).filter_by(component=component).order_by(Call.id).first()
        db.session.expunge(call)
        return call


def new_ice(valid_key: bool = True) -> str:
    """A 15-digit ICE unique for this run, with a right (or deliberately wrong) check key."""
    import random

    base = f"{random.randrange(10**13):013d}"
    key = (-int(base) * 100) % 97  # the whole number divisible by 97, as python-stdnum checks
    return base + f"{key if valid_key else (key + 1) % 97:02d}"


def new_cnss() -> str:
    import random

    return f"{random.randrange(10**6, 10**7)}"

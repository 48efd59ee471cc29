"""Security headers, HSTS behind an HTTPS proxy, request ids, the secret key, access rules."""

from urllib.parse import urlencode, urlsplit

import pytest

from portal import config
from tests.support.accounts import PASSWORD, create_user, post


def test_security_headers_on_every_response(client):
    for path in ("/", "/no-such-page", "/static/css/portal.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP


def test_hsts_when_served_over_https_behind_a_proxy(make_app):
    client = make_app(PROXY_COUNT=1, FORCE_HTTPS=True).test_client()
    secure = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert "max-age=" in secure.headers["Strict-Transport-Security"]
    plain = client.get("/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")


def test_request_id_is_echoed_or_made(client):
    assert len(client.get("/").headers["X-Request-ID"]) == 32
    given = client.get("/", headers={"X-Request-ID": "proxy-id-12345"})
    assert given.headers["X-Request-ID"] == "proxy-id-12345"
    forged = client.get("/", headers={"X-Request-ID": "<script>"})
    assert len(forged.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("key", [config.DEFAULT_SECRET_KEY, "short"])
def test_outside_development_a_default_or_weak_secret_key_is_refused(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.load({"ENV_NAME": "production", "SECRET_KEY": key})


def test_production_refuses_to_start_without_its_public_address():
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        config.load({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "PUBLIC_BASE_URL": ""})


def test_the_public_address_follows_the_port_of_make_run(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("WEB_PORT", "5055")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    assert config.load()["PUBLIC_BASE_URL"] == "http://127.0.0.1:5055"
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        config.load()


def test_development_may_use_the_default_secret_key():
    assert config.load({"ENV_NAME": "development"})["SECRET_KEY"] == config.DEFAULT_SECRET_KEY


def test_every_endpoint_declares_an_access_rule(app):
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "access_rule", None) is None
    ]
    assert missing == []


def test_the_public_endpoints_are_the_ones_we_meant(app):
    public = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if app.view_functions[rule.endpoint].access_rule.name == "public"
    )
    assert public == [
        "agreements.verify",
        "agreements.verify_form",
        "auth.check_email",
        "auth.forgot_password",
        "auth.login",
        "auth.register",
        "auth.reset_password",
        "auth.two_factor",
        "auth.verify_email",
        "beneficiaries.verify_certificate",
        "calls.list_calls",
        "calls.show",
        "core.healthz",
        "core.home",
        "core.privacy",
        "core.set_language",
        "opendata.commune",
        "opendata.overview",
        "opendata.province",
        "opendata.schema_page",
        "opendata.sector",
        "opendata.worksites_csv",
        "opendata.worksites_json",
        "static",
    ]


# Targets an attacker puts in `next=`, as typed in a link (percent-encoded where a browser would
# send them so): each must lead to a page of this site, never elsewhere, and never to an error.
OPEN_REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%09/evil.example",
    "%09//evil.example",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "%20//evil.example",
    "/%00/evil.example",
    "/%5Cevil.example",
    "/%5C/evil.example",
    "%5C%5Cevil.example",
    "%5C/evil.example",
    "/%EF%BC%8Fevil.example",  # a fullwidth solidus, a slash once normalised
    "%EF%BC%8F%EF%BC%8Fevil.example",
    "/%E2%80%8B/evil.example",  # a zero-width space
    "/%E2%80%AE/evil.example",  # a right-to-left override
    "https://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "HTTPS://evil.example",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
]


def stays_on_site(location: str) -> bool:
    url = urlsplit(location)
    return (
        url.scheme in ("", "http")
        and url.netloc in ("", "localhost")
        and url.path.startswith("/")
        and not url.path.startswith("//")
        and all("!" <= c <= "~" for c in location)
    )


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_the_language_switch_never_sends_elsewhere(client, target):
    response = client.get(f"/language/fr?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_signing_in_never_sends_elsewhere(app, applicant, target):
    client = app.test_client()
    response = post(
        client,
        f"/account/login?next={target}",
        {"email": applicant.email, "password": PASSWORD},
        token_from="/account/login",
    )
    assert response.status_code == 302
    assert stays_on_site(response.headers["Location"]), target
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    ["/calls/", "/applications/12/steps/worksite", "/backoffice/applications/?page=2&q=%D8%A7"],
)
def test_a_path_of_the_site_is_where_the_language_switch_and_signing_in_lead(
    app, client, applicant, target
):
    assert client.get("/language/fr", query_string={"next": target}).headers["Location"] == target
    signed_in = post(
        app.test_client(),
        "/account/login?" + urlencode({"next": target}),
        {"email": applicant.email, "password": PASSWORD},
        token_from="/account/login",
    )
    assert signed_in.headers["Location"] == target


@pytest.fixture(scope="module")
def applicant(app):
    return create_user(app)


def test_signed_in_pages_are_never_stored_and_static_files_are(app, make_app):
    from tests.support.accounts import PASSWORD, create_staff, create_user, login, post

    served = make_app()  # plain HTTP (Talisman is one object, set by the last app made)
    client = served.test_client()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(client, create_user(app))
    for path in ("/account/", "/organisations/", "/", "/no-such-page", "/account/data"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    assert "no-store" not in client.get("/static/css/portal.css").headers.get("Cache-Control", "")
    halfway = served.test_client()  # the second factor's page shows the authenticator's key
    post(halfway, "/account/login", {"email": create_staff(app).email, "password": PASSWORD})
    assert "no-store" in halfway.get("/account/two-factor").headers["Cache-Control"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://localhost"},  # another scheme is another site
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://evil.example", "Referer": "http://localhost/account/login"},
    ],
)
def test_a_change_sent_from_another_site_is_refused_over_plain_http(make_app, headers):
    from tests.support.accounts import PASSWORD, create_user, csrf_token

    served = make_app()
    user = create_user(served)
    client = served.test_client()
    client.set_cookie("lang", "fr")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    refused = client.post("/account/login", data=data, headers=headers)
    assert refused.status_code == 400
    assert "envoyé depuis un autre site" in refused.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://localhost"}, {"Referer": "http://localhost/account/login"}],
)
def test_a_change_from_this_site_or_without_either_header_goes_on(make_app, headers):
    from tests.support.accounts import PASSWORD, create_user, csrf_token

    served = make_app()
    user = create_user(served)
    client = served.test_client()
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/account/login", data=data, headers=headers).status_code == 302

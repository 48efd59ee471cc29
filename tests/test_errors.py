"""Error pages 400, 403, 404, 413, 429 and 500 in Arabic and French."""

import pytest
from flask import Blueprint, abort, request
from flask_wtf.csrf import generate_csrf

from portal.access import public

routes = Blueprint("error_routes", __name__)


@routes.post("/echo")
@public
def echo():
    return str(len(request.form.get("text", "")))


@routes.get("/token")
@public
def token():
    return generate_csrf()


@routes.get("/too-many")
@public
def too_many():
    abort(429)


@routes.get("/boom")
@public
def boom():
    raise RuntimeError("boom")


@routes.get("/no-rule")
def no_rule():
    return "should never be served"


@pytest.fixture
def error_client(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    app.register_blueprint(routes)
    return app.test_client()


@pytest.mark.parametrize(
    ("lang", "path", "code", "text"),
    [
        ("ar", "/no-such-page", 404, "الصفحة غير موجودة"),
        ("fr", "/no-such-page", 404, "Page introuvable"),
        ("ar", "/no-rule", 403, "الولوج مرفوض"),
        ("fr", "/no-rule", 403, "Accès refusé"),
        ("ar", "/too-many", 429, "محاولات كثيرة جدا"),
        ("fr", "/too-many", 429, "Trop de tentatives"),
        ("ar", "/boom", 500, "حدث خطأ ما"),
        ("fr", "/boom", 500, "Une erreur est survenue"),
    ],
)
def test_error_pages_speak_the_visitors_language(error_client, lang, path, code, text):
    error_client.set_cookie("lang", lang)
    response = error_client.get(path)
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert text in page and f'lang="{lang}"' in page


def test_a_view_without_access_rule_is_refused(error_client):
    assert error_client.get("/no-rule").status_code == 403


def test_a_post_without_csrf_token_is_refused_in_the_visitors_language(error_client):
    error_client.set_cookie("lang", "fr")
    response = error_client.post("/echo", data={"text": "x"})
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)


def test_a_post_with_the_csrf_token_is_accepted(error_client):
    token = error_client.get("/token").get_data(as_text=True)
    response = error_client.post("/echo", data={"text": "abc", "csrf_token": token})
    assert response.status_code == 200 and response.get_data(as_text=True) == "3"


def test_a_body_over_the_limit_gets_413_in_the_visitors_language(error_client):
    error_client.set_cookie("lang", "ar")
    response = error_client.post("/echo", data={"text": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "الملف كبير جدا" in response.get_data(as_text=True)

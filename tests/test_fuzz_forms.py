"""Random input to every form never makes a server error (Hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.accounts import create_organisation, create_user, csrf_token, login
from tests.support.applications import start

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u200f\u202eمرحبا",
        "\u202a1\u202c",
        "-1",
        "-99999999999",
        "99999999999999999999999999",
        "1e309",
        "NaN",
        "0.5",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "١٢٣",
        "2026-02-30",
        "ك" * 10_000,
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=300), st.integers(-(10**30), 10**30).map(str))

FORMS = {
    "/account/register": ["full_name", "email", "phone", "password", "password_confirm", "consent"],
    "/account/login": ["email", "password"],
    "/account/forgot": ["email"],
    "/organisations/new": [
        "legal_form",
        "name_ar",
        "name_fr",
        "created_on",
        "province_id",
        "commune_id",
        "address",
        "legal_representative",
        "association_receipt_no",
        "cooperative_register_no",
        "ice",
        "rc",
        "cnss_affiliation",
        "rib",
    ],
    "steps/worksite": [
        "title",
        "sector",
        "commune_id",
        "location",
        "workers_planned",
        "supervisors",
        "duration_months",
        "planned_start",
    ],
    "steps/description": ["expected_results", "description"],
    "steps/declaration": ["declaration"],
    "withdraw": ["reason"],
}


@pytest.fixture(scope="module")
def fuzz(app):
    owner = create_user(app)
    organisation = create_organisation(app, owner)
    client = app.test_client()
    login(client, owner)
    application_id, _ = start(app, client, organisation, 1)
    _, company = (
        None,
        create_organisation(
            app, owner, legal_form="company", association_receipt_no=None, ice=None, rc="1"
        ),
    )
    posts_id, _ = start(app, client, company, 2)
    return client, application_id, posts_id


def post_random(client, path: str, fields: list[str], values: list[str]):
    data = dict(zip(fields, values, strict=True)) | {"csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_random_input_never_breaks_a_form(fuzz, form):
    client, application_id, _ = fuzz
    if form.startswith("/account"):
        client = client.application.test_client()  # signed out: these forms are for visitors
    fields = FORMS[form]
    path = form if form.startswith("/") else f"/applications/{application_id}/{form}"
    if form == "withdraw":
        path = f"/applications/{application_id}/steps/worksite"  # a draft cannot be withdrawn

    @given(st.lists(VALUE, min_size=len(fields), max_size=len(fields)))
    def check(values):
        response = post_random(client, path, fields, values)
        assert response.status_code < 500, (path, values)

    check()


def test_random_posts_never_break_the_posts_step(fuzz):
    client, _, posts_id = fuzz
    path = f"/applications/{posts_id}/steps/posts"
    keys = [
        f"posts-{i}-{k}"
        for i in range(3)
        for k in ("title", "count", "contract_months", "monthly_wage", "cat_covid_job_loss")
    ]

    @given(st.lists(VALUE, min_size=len(keys), max_size=len(keys)))
    def check(values):
        response = post_random(client, path, keys, values)
        assert response.status_code < 500, values
        assert client.get(f"/applications/{posts_id}/preview").status_code < 500

    check()

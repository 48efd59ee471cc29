"""The public pages and the open data files, from a release computed on agreements whose
workers were enrolled and declared: the threshold applied, no person anywhere, no formula in a
spreadsheet, the schema as documented, HTTP caching, a few statements whatever the size."""

import csv
import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm.attributes import flag_modified

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.extensions import db
from portal.opendata import schema, services
from portal.opendata.models import OpenDataRelease, PublicWorksite
from tests.support.beneficiaries import signed_agreement
from tests.support.opendata import PLANTED, in_forests, workers
from tests.support.payroll import shared_when_rolled_back
from tests.support.queries import page_statements

FORMULA_AR, FORMULA_FR = "+SUM(1;2)", '=HYPERLINK("http://evil.example","x")'
# The v1 contract: a change here is a new version of the schema, not an edit.
V1 = [
    "identifier",
    "title",
    "component",
    "edition_ar",
    "edition_fr",
    "partner_name_ar",
    "partner_name_fr",
    "partner_legal_form",
    "province_ar",
    "province_fr",
    "commune_ar",
    "commune_fr",
    "sector_code",
    "sector_ar",
    "sector_fr",
    "currency",
    "amount_awarded",
    "award_date",
    "start_date",
    "end_date",
    "jobs_approved",
    "jobs_approved_below_threshold",
    "jobs_created",
    "jobs_created_below_threshold",
    "jobs_completed",
    "jobs_completed_below_threshold",
    "progress_percent",
    "progress_basis",
    "last_modified",
]


@pytest.fixture(scope=shared_when_rolled_back)
def published(app):
    """Two worksites of Sidi Ifni: one of 6 jobs, 4 created (hidden), none completed, the
    planted worker among them, its partner named with formulas; one of 5 jobs, 5 created,
    1 completed (hidden)."""
    first = signed_agreement(app, jobs=6)
    second = signed_agreement(app, jobs=5)
    first.cins = workers(app, first, 6, worked=4, planted=True)
    second.cins = workers(app, second, 5, worked=5, completed=1)
    in_forests(app, first, second)
    with app.app_context():
        agreement = db.session.get(Agreement, first.agreement_id)
        agreement.content["partner"] |= {"name_ar": FORMULA_AR, "name_fr": FORMULA_FR}
        flag_modified(agreement, "content")
        first.representative = agreement.content["partner"]["representative"]
        db.session.commit()
    return first, second


@pytest.fixture
def release(app, published):
    with app.app_context():
        release = services.refresh(today=date(2027, 4, 1))
        db.session.commit()
        return release.id


def rows_by_number(app, release_id):
    with app.app_context():
        return {
            w.identifier: w
            for w in db.session.scalars(select(PublicWorksite).filter_by(release_id=release_id))
        }


def test_counts_below_the_threshold_are_hidden_and_left_out_of_the_totals(app, published, release):
    first, second = published
    rows = rows_by_number(app, release)
    one, two = rows[first.number], rows[second.number]
    assert (one.jobs_approved, one.jobs_created, one.jobs_completed) == (6, None, 0)
    assert (two.jobs_approved, two.jobs_created, two.jobs_completed) == (5, 5, None)
    assert one.progress_basis == "time_elapsed" and one.progress_percent == 16
    assert one.start_date == date(2027, 3, 1) and one.sector_code
    with app.app_context():
        totals = db.session.get(OpenDataRelease, release).totals
        shown = list(rows_by_number(app, release).values())
    for measure in ("jobs_approved", "jobs_created", "jobs_completed"):
        values = [getattr(w, measure) for w in shown]
        assert totals["region"][measure] == {
            "value": sum(v for v in values if v is not None),
            "hidden": values.count(None),
        }
    province = next(p for p in totals["provinces"] if p["id"] == first.province_id)
    assert province["jobs_created"]["hidden"] >= 1


def public_paths(first, sector: str) -> list[str]:
    return [
        "/",
        "/results/",
        f"/results/province/{first.province_id}",
        f"/results/sector/{sector}",
        "/open-data/",
        "/open-data/v1/worksites.csv",
        "/open-data/v1/worksites.json",
    ]


def test_no_page_or_file_names_a_person(app, published, release):
    first, second = published
    sector = rows_by_number(app, release)[first.number].sector_code
    secrets = [
        PLANTED["first_name_fr"],
        PLANTED["last_name_fr"],
        PLANTED["first_name_ar"],
        PLANTED["last_name_ar"],
        "1991-07-23",
        "23/07/1991",
        first.representative,  # the partner's legal representative is a person too
        first.owner.full_name,
        first.owner.email,
        *first.cins,
        *second.cins,
    ]
    seen = 0
    for lang in ("ar", "fr"):
        client = app.test_client()
        client.set_cookie("lang", lang)
        for path in public_paths(first, sector):
            response = client.get(path)
            assert response.status_code == 200, path
            text = response.get_data(as_text=True)
            found = [s for s in secrets if s and s in text]
            assert found == [], (path, lang, found)
            assert not re.search(r"\b[A-Z]{1,2}\d{5,6}\b", text), path  # nothing like a CIN
            seen += 1
    assert seen == 14


def test_a_formula_in_a_partner_name_stays_text(app, published, release):
    first, _second = published
    body = app.test_client().get("/open-data/v1/worksites.csv").get_data()
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    row = next(r for r in table if r["identifier"] == first.number)
    assert row["partner_name_fr"] == "'" + FORMULA_FR
    assert row["partner_name_ar"] == "'" + FORMULA_AR
    assert all(not value.startswith(("=", "+", "-", "@")) for r in table for value in r.values())
    data = json.loads(app.test_client().get("/open-data/v1/worksites.json").get_data())
    record = next(w for w in data["worksites"] if w["identifier"] == first.number)
    assert record["partner_name_fr"] == FORMULA_FR  # JSON is no spreadsheet: the name as it is
    client = app.test_client()
    client.set_cookie("lang", "fr")
    page = client.get(f"/results/province/{first.province_id}").get_data(as_text=True)
    assert "<bdi>=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)</bdi>" in page


def test_the_files_follow_the_documented_schema(app, published, release):
    client = app.test_client()
    assert list(schema.NAMES) == V1
    body = client.get("/open-data/v1/worksites.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header == V1
    page = client.get("/open-data/").get_data(as_text=True)
    documented = re.findall(r'<dt><code dir="ltr">([a-z_]+)</code>', page)
    assert documented == V1
    assert "CC BY 4.0" in page and 'rel="license"' in page
    data = json.loads(client.get("/open-data/v1/worksites.json").get_data())
    assert data["version"] == "v1" and data["threshold"] == 5
    assert data["licence"]["url"] == app.config["OPEN_DATA_LICENCE_URL"]
    assert all(list(w) == V1 for w in data["worksites"])
    first, _second = published
    record = next(w for w in data["worksites"] if w["identifier"] == first.number)
    assert record["jobs_created"] is None and record["jobs_created_below_threshold"] is True
    assert record["jobs_approved"] == 6 and record["currency"] == "MAD"
    assert record["last_modified"] == data["computed_at"]


def test_the_files_carry_their_type_their_date_and_answer_304(app, release):
    client = app.test_client()
    for path, mimetype in (
        ("/open-data/v1/worksites.csv", "text/csv; charset=utf-8"),
        ("/open-data/v1/worksites.json", "application/json"),
    ):
        response = client.get(path)
        assert response.headers["Content-Type"] == mimetype
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "public" in response.headers["Cache-Control"]
        assert response.headers["Last-Modified"] and response.headers["ETag"]
        assert "license" in response.headers["Link"]
        again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        since = client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]})
        assert since.status_code == 304
    csv_response = client.get("/open-data/v1/worksites.csv")
    assert csv_response.headers["Content-Disposition"].startswith("attachment;")


def test_before_any_release_the_pages_say_so_and_the_files_wait(app):
    with app.app_context():
        db.session.execute(PublicWorksite.__table__.delete())
        db.session.execute(OpenDataRelease.__table__.delete())
        db.session.commit()
    client = app.test_client()
    client.set_cookie("lang", "fr")
    assert "pas encore été calculés" in client.get("/results/").get_data(as_text=True)
    assert client.get("/open-data/").status_code == 200
    assert client.get("/open-data/v1/worksites.csv").status_code == 404
    assert client.get("/results/province/1").status_code == 404


def test_an_unknown_province_or_sector_is_not_found(app, release):
    client = app.test_client()
    assert client.get("/results/province/999999").status_code == 404
    assert client.get("/results/sector/nothing").status_code == 404
    assert client.get("/results/province/99999999999999").status_code == 404
    assert client.get("/results/commune/999999").status_code == 404


def test_a_commune_has_its_page_linked_from_its_province(app, published):
    """T-PUBLIC: a page per commune too, its worksites and totals, reached from its province."""
    from portal.geo.models import Commune

    first, second = published
    with app.app_context():
        commune = db.session.get(Commune, first.commune_id)
        for side in (first, second):
            agreement = db.session.get(Agreement, side.agreement_id)
            agreement.application.details = {
                **agreement.application.details,
                "commune_id": str(commune.id),
            }
            agreement.content["worksite"] |= {
                "commune_ar": commune.name_ar,
                "commune_fr": commune.name_fr,
            }
            flag_modified(agreement, "content")
            side.number = agreement.number
        release = services.refresh(today=date(2027, 4, 1))
        db.session.commit()
        group = services.group_of(release, "communes", commune.id)
        assert group["worksites"] >= 2 and group["province_id"] == first.province_id
        name_ar = commune.name_ar
    client = app.test_client()
    province = client.get(f"/results/province/{first.province_id}").get_data(as_text=True)
    assert f'href="/results/commune/{commune.id}"' in province
    page = client.get(f"/results/commune/{commune.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert name_ar in text and first.number in text and second.number in text
    assert f'href="/results/province/{first.province_id}"' in text
    assert not any(cin in text for cin in first.cins + second.cins)


def test_a_province_pages_on_by_keyset(app, published, release, monkeypatch):
    first, _second = published
    monkeypatch.setattr(services, "PAGE_SIZE", 1)
    client = app.test_client()
    page = client.get(f"/results/province/{first.province_id}").get_data(as_text=True)
    following = re.search(r'href="(/results/province/\d+\?after=(\d+))"', page)
    assert following, "a link to the next worksites"
    second_page = client.get(following[1]).get_data(as_text=True)
    assert second_page != page and "?after=" in following[1]


def bulk_agreements(app, template_id: int, start: int, end: int) -> None:
    """Copies of an agreement (and its application) numbered start…end-1, in bulk."""
    with app.app_context():
        agreement = db.session.get(Agreement, template_id)
        application = db.session.get(Application, agreement.application_id)
        columns = Application.__table__.columns.keys()
        base = {c: getattr(application, c) for c in columns if c not in ("id", "number")}
        ids = db.session.scalars(
            insert(Application).returning(Application.id),
            [{**base, "number": f"BULK-OD-{n}"} for n in range(start, end)],
        ).all()
        db.session.execute(
            insert(Agreement),
            [
                {
                    "application_id": application_id,
                    "number": f"BULK-OD-{n}",
                    "version": 1,
                    "status": agreement.status,
                    "verification_code": f"BULKOD{n:08d}",
                    "content": {**agreement.content, "number": f"BULK-OD-{n}"},
                    "created_by_id": agreement.created_by_id,
                }
                for n, application_id in zip(range(start, end), ids, strict=True)
            ],
        )
        services.refresh()
        db.session.commit()


def test_pages_and_files_run_the_same_statements_with_10_and_1000_agreements(app, published):
    first, _second = published
    client = app.test_client()
    with app.app_context():
        sector = db.session.get(Application, first.application_id).details["sector"]
    paths = {
        "overview": ("/results/", 1),
        "province": (f"/results/province/{first.province_id}", 2),
        "sector": (f"/results/sector/{sector}", 2),
        "schema": ("/open-data/", 1),
        "csv": ("/open-data/v1/worksites.csv", 2),
        "json": ("/open-data/v1/worksites.json", 2),
    }
    counts = {}
    for total, (start, end) in ((10, (0, 8)), (1000, (8, 998))):
        bulk_agreements(app, first.agreement_id, start, end)
        counts[total] = {label: page_statements(app, client, p) for label, (p, _) in paths.items()}
    assert counts[10] == counts[1000]
    for label, (_path, most) in paths.items():
        assert counts[10][label] <= most, (label, counts[10][label])


def test_the_beat_task_writes_a_release_and_keeps_the_previous_one_only(app, published):
    from tasks.opendata import refresh_open_data

    ids = [refresh_open_data.apply().get() for _ in range(3)]
    with app.app_context():
        kept = db.session.scalars(select(OpenDataRelease.id).order_by(OpenDataRelease.id)).all()
        rows = db.session.scalars(select(PublicWorksite.release_id).distinct()).all()
    assert kept == ids[1:] and set(rows) <= set(ids[1:])

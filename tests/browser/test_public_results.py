"""A visitor reads the public results in Arabic and in French, from the home page to a
province, and downloads the open data's CSV; axe and Nu on every page, at 1280 and 360 px."""

import csv
import io

import pytest

from portal.extensions import db
from portal.opendata import schema, services
from tests.support.beneficiaries import signed_agreement
from tests.support.opendata import in_forests, workers

pytestmark = pytest.mark.browser

LINK = {"ar": "نتائج البرنامج", "fr": "Résultats du programme"}
CSV_LINK = {"ar": "تنزيل الأوراش (CSV)", "fr": "Télécharger les chantiers (CSV)"}


@pytest.fixture(scope="module")
def results(app):
    """A signed worksite of 6 jobs in Sidi Ifni, 5 of them worked in March, 1 completed (so
    hidden), and the release computed from it."""
    side = signed_agreement(app, jobs=6)
    workers(app, side, 6, worked=5, completed=1)
    in_forests(app, side)
    with app.app_context():
        services.refresh()
        db.session.commit()
    return side


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_visitor_reads_the_results_and_downloads_the_csv(
    browser, live_server, check_page, results, lang, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/language/{lang}")
    page.locator("main").get_by_role("link", name=LINK[lang]).click()
    page.wait_for_url(f"{live_server}/results/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert check_page(page, f"public-results-{lang}") == []
    page.locator(f'a[href="/results/province/{results.province_id}"]').click()
    page.wait_for_url(f"{live_server}/results/province/{results.province_id}")
    card = page.locator(".public-worksites li", has_text=results.number)
    assert card.count() == 1
    text = card.inner_text()
    assert ("أقل من 5" if lang == "ar" else "moins de 5") in text  # 1 completed: hidden
    assert check_page(page, f"public-results-province-{lang}") == []
    with page.expect_download() as download:
        page.get_by_role("link", name=CSV_LINK[lang]).first.click()
    path = tmp_path / "worksites.csv"
    download.value.save_as(path)
    body = path.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == list(schema.NAMES)
    row = dict(zip(table[0], next(r for r in table if r[0] == results.number), strict=True))
    assert (row["jobs_approved"], row["jobs_created"], row["jobs_completed"]) == ("6", "5", "")
    assert row["jobs_completed_below_threshold"] == "true"
    page.goto(f"{live_server}/open-data/")
    assert check_page(page, f"open-data-schema-{lang}") == []
    context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_results_fit_a_phone(browser, live_server, check_page, results, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/language/{lang}")
    for path, name in (
        ("/results/", "public-results"),
        (f"/results/province/{results.province_id}", "public-results-province"),
        ("/open-data/", "open-data-schema"),
    ):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert check_page(page, f"{name}-{lang}-360") == []
    context.close()

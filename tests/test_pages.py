"""Home, privacy and language switch: Arabic by default (RTL), French after switching. The
pages rendered here go to the session's HTML check (tests/support/html.py)."""


def test_home_is_arabic_right_to_left_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "بوابة أوراش" in page
    assert "الأوراش العامة المؤقتة" in page and "منحة دعم الإدماج المستدام" in page
    assert "سيدي إفني" in page  # provinces come from the reference data
    assert "D-GC-000/2026" in page  # the CNDP declaration number, a setting


def test_switching_to_french_is_remembered_by_cookie(client, html_pages):
    response = client.get("/language/fr?next=/privacy")
    assert response.status_code == 302 and response.headers["Location"] == "/privacy"
    assert "lang=fr" in response.headers["Set-Cookie"]
    page = client.get("/").get_data(as_text=True)
    html_pages.save("pages-home-fr", page)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Chantiers publics temporaires" in page and "Sidi Ifni" in page
    assert "4 communes" not in page and "19 communes" in page  # plural forms
    client.get("/language/ar")
    assert '<html lang="ar" dir="rtl">' in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/language/fr", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    response = client.get("/language/xx")
    assert response.status_code == 302 and "Set-Cookie" not in response.headers


def test_every_page_offers_the_other_language_and_the_privacy_notice(client, html_pages):
    for path in ("/", "/privacy", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert 'hreflang="fr"' in page and "/privacy" in page
        html_pages.save(f"pages-{path.strip('/') or 'home'}-ar", page)


def test_privacy_notice_in_both_languages(client, html_pages):
    assert "09-08" in client.get("/privacy").get_data(as_text=True)
    client.set_cookie("lang", "fr")
    page = client.get("/privacy").get_data(as_text=True)
    assert "Vos droits" in page
    html_pages.save("pages-privacy-fr", page)

"""Documents of record (agreements, minutes, dossiers) rendered to PDF by one function.

WeasyPrint with installed fonts named through fontconfig (never fetched, never WOFF2), a URL
fetcher that reads nothing but inline data, and one template rendered once per language:
Arabic first (right to left), then French (left to right). The fonts and the stylesheet are
loaded once per process and thread, not per render. The PDF is tagged (PDF/UA-1), described
(title in both languages, author, subject, keywords) and each part's structure carries its
language.
"""

import os
import threading
from collections.abc import Callable
from pathlib import Path

import segno
from flask import current_app, render_template
from flask_babel import force_locale, gettext

LANGUAGES = ("ar", "fr")
PDF_VARIANT = "pdf/ua-1"  # tagged: structure, reading order, alt texts, languages
STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "css" / "pdf.css"
_renderer = threading.local()


def _fetcher():
    from weasyprint.urls import URLFetcher

    class InlineOnly(URLFetcher):
        """Reads `data:` URLs (the QR code) and refuses every other address."""

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise ValueError(f"documents of record fetch nothing: {url[:80]}")
            return super().fetch(url, headers)

    return InlineOnly(allowed_protocols=("data",))


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data URI (error correction M: survives a creased print)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def in_both_languages(text: Callable[[str], str]) -> str:
    """`text(language)` in Arabic, then in French, each in its own locale: "اتفاقية شراكة … —
    Convention de partenariat …"."""
    parts = []
    for language in LANGUAGES:
        with force_locale(language):
            parts.append(str(text(language)))
    return " — ".join(parts)


def render_html(
    template: str, context: dict, *, title: str, subject: str = "", keywords: tuple = ()
) -> str:
    """The document as HTML: the template once in each language, in one page flow."""
    sections = []
    for language in LANGUAGES:
        with force_locale(language):
            sections.append((language, render_template(template, **context)))
    return render_template(
        "pdf/document.html",
        sections=sections,
        title=title,
        author=in_both_languages(lambda _language: gettext("Awrach programme")),
        subject=subject,
        keywords=", ".join(("Awrach", "أوراش", *keywords)),
    )


def _fonts_and_stylesheet():
    """This process's (and thread's) font configuration and the stylesheet parsed with it, made
    by its first render and kept for the next ones: fontconfig's font list and Pango's font map
    with the faces it loaded are made once instead of per render (one per render grew the
    process's memory with every render), and the rules are parsed once. Made again in a process
    forked from the one that made them, and when the stylesheet's file changes."""
    key = os.getpid(), STYLESHEET.stat().st_mtime_ns
    if getattr(_renderer, "key", None) != key:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        stylesheet = CSS(
            string=STYLESHEET.read_text(encoding="utf-8"),
            url_fetcher=_fetcher(),
            font_config=font_config,
        )
        _renderer.key, _renderer.objects = key, (font_config, stylesheet)
    return _renderer.objects


def _languages_of(document) -> list[str]:
    """The language of each page: each part's first page holds its anchor (`part-ar`)."""
    languages, language = [], LANGUAGES[0]
    for page in document.pages:
        language = next(
            (name[len("part-") :] for name in page.anchors if name.startswith("part-")), language
        )
        languages.append(language)
    return languages


def _mark_languages(languages: list[str]):
    """A finisher giving each part's structure elements its language (/Lang): WeasyPrint
    marks only the document's, from the root element."""
    import pydyf

    def finish(document, pdf):
        pages = {reference: number for number, reference in enumerate(pdf.page_references)}
        for tree in pdf.objects:
            if isinstance(tree, dict) and tree.get("S") == "/Document":
                for reference in tree["K"]:
                    element = pdf.objects[int(reference.split()[0])]
                    element["Lang"] = pydyf.String(languages[pages[element["Pg"]]])

    return finish


def render_pdf(
    template: str, context: dict, *, title: str, subject: str = "", keywords: tuple = ()
) -> bytes:
    """The PDF/UA-1 of `template` rendered with `context` in Arabic then French."""
    from weasyprint import HTML

    html = render_html(template, context, title=title, subject=subject, keywords=keywords)
    font_config, stylesheet = _fonts_and_stylesheet()
    document = HTML(string=html, base_url=current_app.root_path, url_fetcher=_fetcher()).render(
        stylesheets=[stylesheet], font_config=font_config, pdf_variant=PDF_VARIANT
    )
    return document.write_pdf(
        pdf_variant=PDF_VARIANT, finisher=_mark_languages(_languages_of(document))
    )

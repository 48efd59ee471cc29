"""Documents of record (agreements, minutes, dossiers) rendered to PDF by one function.

WeasyPrint with installed fonts named through fontconfig (never fetched, never WOFF2), a URL
fetcher that reads nothing but inline data, and one template rendered once per language:
Arabic first (right to left), then French (left to right). The fonts and the stylesheet are
loaded once per process and thread, not per render.
"""

import os
import threading
import unicodedata
from pathlib import Path

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

LANGUAGES = ("ar", "fr")
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


def direction_of(text: str) -> str:
    """The direction of `text`: rtl when its first strong character is Arabic, else ltr."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def directed(value) -> Markup:
    """`value` in an element of its own direction: WeasyPrint ignores `<bdi>` and `dir="auto"`,
    so a value typed by someone ("الطريق الجهوية 104", "Route (RN1)") keeps its order and its
    brackets in the other language's half only with an explicit `dir`; Arabic is marked as such."""
    if value is None or value == "":
        return Markup("")
    text = str(value)
    if direction_of(text) == "rtl":
        return Markup('<span dir="rtl" lang="ar">{}</span>').format(text)
    return Markup('<span dir="ltr">{}</span>').format(text)


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data URI (error correction M: survives a creased print)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def render_html(template: str, context: dict, *, title: str) -> str:
    """The document as HTML: the template once in each language, in one page flow."""
    sections = []
    for language in LANGUAGES:
        with force_locale(language):
            sections.append((language, render_template(template, **context)))
    return render_template("pdf/document.html", sections=sections, title=title)


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


def render_pdf(template: str, context: dict, *, title: str) -> bytes:
    """The PDF of `template` rendered with `context` in Arabic then French."""
    from weasyprint import HTML

    html = render_html(template, context, title=title)
    font_config, stylesheet = _fonts_and_stylesheet()
    document = HTML(string=html, base_url=current_app.root_path, url_fetcher=_fetcher())
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)

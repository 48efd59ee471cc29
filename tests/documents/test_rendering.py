"""The renderer's machinery: fonts and stylesheet made once per process, each page laid out once,
and the running header on every page in its part's language."""

import pytest
from sqlalchemy import select
from weasyprint import CSS
from weasyprint.layout import page as page_layout
from weasyprint.text.fonts import FontConfiguration

from portal.agreements.models import Agreement
from portal.agreements.services import agreement_pdf
from portal.documents import rendering
from portal.extensions import db
from tests.support.agreements import approve_in_session, pdf_pages, submitted


@pytest.fixture(scope="module")
def agreement_id(app):
    application_id, _, _ = submitted(app, 1)
    approve_in_session(app, [application_id])
    with app.app_context():
        return db.session.scalar(select(Agreement.id).filter_by(application_id=application_id))


def counting(monkeypatch, owner, name):
    """Calls of `owner.name` from now on, in a list that grows with each call."""
    calls, original = [], getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_fonts_and_stylesheet_are_made_once_per_process(app, agreement_id, monkeypatch):
    fonts = counting(monkeypatch, FontConfiguration, "__init__")
    stylesheets = counting(monkeypatch, CSS, "__init__")
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        first = agreement_pdf(agreement)
        made = len(fonts), len(stylesheets)
        assert made in ((0, 0), (1, 1))  # none if an earlier test rendered in this process
        second = agreement_pdf(agreement)
        assert (len(fonts), len(stylesheets)) == made
        # Made in another process (the worker's parent, before it forked): made again here.
        monkeypatch.setattr(rendering._renderer, "key", (-1, 0))
        agreement_pdf(agreement)
        assert (len(fonts), len(stylesheets)) == (made[0] + 1, made[1] + 1)
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")


def page_texts(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(data)
    return pdf_pages(path)


def test_each_page_is_laid_out_once_under_its_parts_header(
    app, agreement_id, monkeypatch, tmp_path
):
    laid_out = counting(monkeypatch, page_layout, "make_page")
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        data = agreement_pdf(agreement)
    texts = page_texts(data, tmp_path)
    assert len(texts) >= 2 and len(laid_out) == len(texts)  # no page laid out a second time
    headers = [text.split("\n", 1)[0].strip() for text in texts]
    arabic, french = f"الاتفاقية {agreement.number}", f"Convention {agreement.number}"
    assert headers[0] == arabic and headers[-1] == french
    # Each page is headed in its part's language: the Arabic pages, then the French ones.
    assert headers == sorted(headers, key=lambda header: header != arabic)
    assert set(headers) == {arabic, french}
    for text, header in zip(texts, headers, strict=True):
        assert text.count(header) == 1  # in the margin only, not in the page's body as well
        if "اتفاقية شراكة" in text:  # the first page of each part
            assert header == arabic
        if "Convention de partenariat" in text:
            assert header == french


def test_pool_processes_are_replaced_past_a_memory_ceiling(app):
    """A worker's pool process is replaced after the task that took it past the ceiling (KiB),
    whatever grows in it; the figure comes from make bench-pdf."""
    ceiling = app.extensions["celery"].conf.worker_max_memory_per_child
    assert isinstance(ceiling, int) and ceiling > 0

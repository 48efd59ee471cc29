"""The renderer's machinery: fonts and stylesheet made once per process."""

import pytest
from sqlalchemy import select
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from portal.agreements.models import Agreement
from portal.agreements.services import agreement_pdf
from portal.documents import rendering
from portal.extensions import db
from tests.support.agreements import approve_in_session, submitted


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

"""The close-out's tests share one workforce per module where each test is rolled back."""

import pytest

from tests.support.closeout import DURING, declared_workforce, on_day
from tests.support.payroll import shared_when_rolled_back


@pytest.fixture(scope=shared_when_rolled_back)
def base(app):
    return declared_workforce(app)


@pytest.fixture
def side(base, monkeypatch):
    """The workforce, seen on 2 December 2026 (its third phase has begun)."""
    on_day(monkeypatch, DURING)
    return base

"""The close-out's pure rules."""

from datetime import date as D

from portal.closeout.rules import undeclared_months


def test_the_months_held_without_a_statement():
    spans = [(D(2026, 9, 16), D(2026, 11, 30)), (D(2026, 10, 1), D(2027, 1, 2))]
    declared = {D(2026, 9, 1), D(2026, 11, 1)}
    assert undeclared_months(spans, declared) == [D(2026, 10, 1), D(2026, 12, 1), D(2027, 1, 1)]
    assert undeclared_months([(D(2026, 2, 28), D(2026, 3, 1))], {D(2026, 2, 1)}) == [D(2026, 3, 1)]
    assert undeclared_months([], set()) == []

"""The publication rules on plain data: the threshold, totals that give back no hidden count,
and the progress shown without a report."""

from datetime import date

import pytest

from portal.opendata import rules


@pytest.mark.parametrize(
    ("count", "k_min", "published"),
    [
        (0, 5, 0),  # nobody: says nothing of anyone
        (1, 5, None),
        (4, 5, None),  # the largest hidden
        (5, 5, 5),  # the smallest shown
        (6, 5, 6),
        (120, 5, 120),
        (2, 3, None),
        (3, 3, 3),
        (9, 10, None),
    ],
)
def test_a_count_below_the_threshold_is_hidden(count, k_min, published):
    assert rules.shown(count, k_min) == published


def row(approved, created, completed):
    return {"jobs_approved": approved, "jobs_created": created, "jobs_completed": completed}


@pytest.mark.parametrize(
    ("counts", "value", "hidden"),
    [
        ([12, 5, 0], 17, 0),
        ([12, 4, 0], 12, 1),  # one hidden: the total leaves it out, so total − shown = 0
        ([1, 2, 3, 4], 0, 4),
        ([], 0, 0),
    ],
)
def test_a_total_adds_only_the_counts_shown(counts, value, hidden):
    published = [rules.shown(c, 5) for c in counts]
    assert rules.total(published) == {"value": value, "hidden": hidden}
    shown_sum = sum(c for c in published if c is not None)
    assert rules.total(published)["value"] - shown_sum == 0  # nothing left to recover


def test_no_total_of_a_province_sector_or_the_region_gives_back_a_hidden_count():
    """Complementary suppression: a province of one hidden worksite and one shown, the same
    worksites in two sectors, the region over both — every difference of published figures is
    a sum of shown counts, never the hidden 3."""
    shown = [rules.shown(n, 5) for n in (3, 9)]
    rows = [row(10, shown[0], 0), row(10, shown[1], 0)]
    province = rules.totals(rows)
    sector_a, sector_b = rules.totals(rows[:1]), rules.totals(rows[1:])
    region = rules.totals(rows)
    assert province["jobs_created"] == {"value": 9, "hidden": 1}
    assert sector_a["jobs_created"] == {"value": 0, "hidden": 1}
    assert sector_b["jobs_created"] == {"value": 9, "hidden": 0}
    figures = [
        province["jobs_created"]["value"],
        sector_a["jobs_created"]["value"],
        sector_b["jobs_created"]["value"],
        region["jobs_created"]["value"],
        9,
    ]
    assert all(abs(a - b) != 3 for a in figures for b in figures)
    assert province["worksites"] == 2


@pytest.mark.parametrize(
    ("today", "percent"),
    [
        (date(2027, 2, 1), 0),
        (date(2027, 3, 1), 0),
        (date(2027, 4, 1), 16),  # 31 of 183 days
        (date(2027, 8, 31), 100),
        (date(2028, 1, 1), 100),
    ],
)
def test_progress_without_a_report_is_the_time_elapsed(today, percent):
    assert rules.time_elapsed(date(2027, 3, 1), date(2027, 8, 31), today) == percent


def test_no_progress_without_both_dates():
    assert rules.time_elapsed(None, date(2027, 8, 31), date(2027, 5, 1)) is None
    assert rules.time_elapsed(date(2027, 3, 1), None, date(2027, 5, 1)) is None


def test_beat_computes_the_release_on_its_schedule(app):
    entry = app.config["CELERY"]["beat_schedule"]["open_data"]
    assert entry == {"task": "refresh_open_data", "schedule": 3600.0}
    assert "refresh_open_data" in app.extensions["celery"].tasks

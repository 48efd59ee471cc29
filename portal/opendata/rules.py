"""The publication rules (T-PUBLIC), pure: which counts are shown, what a total adds up, and the
progress a worksite shows when no report states it.

The threshold: a count of 1 to k_min − 1 (people, or jobs a few people hold) is never shown; it
is published as hidden ("fewer than k_min"), null in the files. 0 and k_min or more are shown.

The totals (complementary suppression): a hidden count never enters a total. A total is the sum
of the counts shown, with the number of counts it leaves out, and reads "at least …" when it
leaves some out; so no total minus the counts shown gives back a hidden one, in a province, a
sector or the region, nor between two of them. The same rows feed the pages and the files.
"""

from datetime import date

MEASURES = ("jobs_approved", "jobs_created", "jobs_completed")


def shown(count: int, k_min: int) -> int | None:
    """`count` when it may be published, None when the threshold hides it."""
    return None if 0 < count < k_min else count


def total(values) -> dict:
    """The published total of published counts (None = hidden): their sum and how many it
    leaves out."""
    values = list(values)
    return {
        "value": sum(v for v in values if v is not None),
        "hidden": sum(1 for v in values if v is None),
    }


def totals(rows: list[dict]) -> dict:
    """Every measure's published total over `rows`, and the number of rows."""
    result = {measure: total(row[measure] for row in rows) for measure in MEASURES}
    result["worksites"] = len(rows)
    return result


def time_elapsed(start: date | None, end: date | None, today: date) -> int | None:
    """The share of the days from `start` to `end` gone by `today`, in percent (0 before the
    start, 100 after the end); None without both dates."""
    if start is None or end is None or end < start:
        return None
    if today <= start:
        return 0
    if today >= end:
        return 100
    return int(100 * (today - start).days / (end - start).days)

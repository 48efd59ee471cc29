"""Where a worksite's progress comes from.

`reported_progress` is the place for the accepted progress reports (M-PROGRESS), which the
close-out area (portal/closeout) keeps: until it answers, every worksite shows the time elapsed
between its start and its end, labelled so (`progress_basis` = "time_elapsed")."""

REPORTS = "reports"
TIME_ELAPSED = "time_elapsed"


def reported_progress(application_ids: list[int]) -> dict[int, int]:
    """{application id: progress in percent} from each worksite's latest accepted progress
    report. Nothing yet: fill this from portal.closeout's accepted reports when it lands (one
    query for all the ids; the refresh calls it once)."""
    return {}

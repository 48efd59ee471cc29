"""Where a worksite's progress comes from: its latest accepted report (M-PROGRESS, T-FINAL) of
the close-out, else the time elapsed between its start and its end, labelled so
(`progress_basis` = "time_elapsed")."""

from sqlalchemy import select

from portal.closeout.models import FINAL, ReportStatus, WorkReport
from portal.extensions import db

REPORTS = "reports"
TIME_ELAPSED = "time_elapsed"


def reported_progress(application_ids: list[int]) -> dict[int, int]:
    """{application id: progress in percent} from each worksite's latest accepted report: the
    final report once accepted, else the progress report of the latest phase. One query for
    all the ids (the refresh calls it once)."""
    if not application_ids:
        return {}
    latest: dict[int, tuple] = {}
    for application_id, phase, period_end, progress in db.session.execute(
        select(
            WorkReport.application_id, WorkReport.phase, WorkReport.period_end, WorkReport.progress
        ).where(
            WorkReport.application_id.in_(application_ids),
            WorkReport.status == ReportStatus.ACCEPTED,
        )
    ):
        key = (phase == FINAL, period_end, phase)
        if application_id not in latest or key > latest[application_id][0]:
            latest[application_id] = (key, progress)
    return {application_id: progress for application_id, (_key, progress) in latest.items()}

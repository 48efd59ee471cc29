"""The printable application dossier: the submitted snapshot and its eligibility report, in
Arabic then French, for the committee's members and the applicant."""

from flask import Response, abort, make_response

from portal.applications.models import Application
from portal.applications.presenters import present_report
from portal.applications.services import grant_for, latest_submission
from portal.documents.rendering import render_pdf


def dossier_pdf(application: Application) -> bytes | None:
    """The PDF of the latest submission, or None before the first one."""
    submission = latest_submission(application)
    if submission is None:
        return None
    report = submission.reports[-1] if submission.reports else None
    return render_pdf(
        "pdf/dossier.html",
        {
            "application": application,
            "submission": submission,
            "data": submission.data,
            "grant": grant_for(submission.data),
            "raw_report": report
            and {"outcome": report.outcome, "results": report.effective_results()},
            "present_report": present_report,
        },
        title=application.number,
    )


def dossier_response(application: Application) -> Response:
    """The dossier as a download (404 before the first submission); the caller checked access."""
    pdf = dossier_pdf(application)
    if pdf is None:
        abort(404)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{application.number}-dossier.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Back office: committee sessions, their agenda, decisions and closing."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from portal.access import authorize, staff_required
from portal.agreements import services as agreement_services
from portal.applications.models import Application
from portal.applications.services import jobs_requested
from portal.calls.models import Call
from portal.committees import services, staff_bp
from portal.committees.forms import BatchDecisionForm, CloseSessionForm, SessionForm
from portal.committees.models import Attendance, CommitteeSession
from portal.core.scope import sees_province
from portal.extensions import db
from portal.forms import PLACEHOLDER, ActionForm
from portal.geo.models import Province
from portal.i18n import isolate, localized, show_date
from portal.review.services import active_reviews
from portal.storage import send

DECIDERS = services.DECIDERS


def _session(session_id: int, action: str = "view") -> CommitteeSession:
    return authorize(action, db.session.get(CommitteeSession, session_id))


def _session_form() -> SessionForm:
    """The calls the user may open a session of and, for a provincial committee, the
    provinces the user holds."""
    form = SessionForm()
    calls = services.openable_calls(
        current_user, db.session.scalars(select(Call).order_by(Call.id))
    )
    form.call_id.choices = [PLACEHOLDER] + [
        SelectChoice(str(c.id), localized(c, "title")) for c in calls
    ]
    provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
    form.province_id.choices = [
        SelectChoice(str(p.id), localized(p))
        for p in provinces
        if sees_province(current_user, p.id)
    ]
    return form


@staff_bp.route("/", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def list_sessions():
    form = _session_form()
    if form.validate_on_submit():
        try:
            session = services.open_session(
                db.session.get(Call, int(form.call_id.data)),
                form.held_on.data,
                form.lines(form.members_present),
                by=current_user,
                province_id=int(form.province_id.data) if form.province_id.data else None,
                place=form.place.data or "",
                excused=form.lines(form.members_excused),
                absent=form.lines(form.members_absent),
                secretary=form.secretary.data,
            )
        except services.ProvinceNotCovered:
            form.province_id.errors.append(_("The call does not cover this province."))
        except services.NotEveryProvince:
            form.call_id.errors.append(
                _(
                    "The regional committee decides for every province of the call: only staff "
                    "of all of them open its sessions."
                )
            )
        else:
            return redirect(url_for("committees.show", session_id=session.id))
    return render_template(
        "committees/list.html", sessions=services.sessions(current_user), form=form
    )


@staff_bp.get("/<int:session_id>")
@staff_required(*DECIDERS)
def show(session_id: int):
    return _show(_session(session_id), CloseSessionForm())


def _show(
    session: CommitteeSession,
    close_form: CloseSessionForm,
    decision_form: BatchDecisionForm | None = None,
):
    applications = services.agenda(session)
    decisions = {d.application_id: d for d in session.decisions}
    return render_template(
        "committees/show.html",
        session=session,
        applications=applications,
        decisions=decisions,
        reviews=active_reviews(applications),
        requested={a.id: jobs_requested(a.component, a.details or {}) for a in applications},
        ledger=services.ledger_rows(session),
        quorum=services.quorum(session),
        attendances=list(Attendance),
        agreements=agreement_services.session_progress(session.id),
        action_form=ActionForm(),
        decision_form=decision_form or BatchDecisionForm(formdata=None),
        close_form=close_form,
    )


@staff_bp.post("/<int:session_id>/decide")
@staff_required(*DECIDERS)
def decide(session_id: int):
    session = _session(session_id, "decide")
    form = BatchDecisionForm()
    if not form.validate_on_submit():
        if form.vote_errors():  # the page again, the counts as typed and what is wrong
            return _show(session, CloseSessionForm(formdata=None), form), 400
        flash(_("Choose the applications and the decision."), "error")
        return redirect(url_for("committees.show", session_id=session.id))
    try:
        refused = services.decide_many(
            session,
            [db.session.get(Application, i) for i in form.application_id.data],
            form.outcome.data,
            jobs=form.jobs(),
            reason=form.reason.data or None,
            votes=form.votes(),
            by=current_user,
        )
    except services.OutsideSession:
        abort(404)  # off the agenda (another call, province or status): nothing is recorded
    except services.ReasonRequired:
        flash(_("Give the reason of the rejection or of the deferral."), "error")
        return redirect(url_for("committees.show", session_id=session.id))
    except services.TooManyVotes as refusal:
        flash(
            _(
                "The vote counts %(votes)s voices but only %(present)s voting members are "
                "present. Nothing was recorded.",
                votes=refusal.votes,
                present=refusal.present,
            ),
            "error",
        )
        return redirect(url_for("committees.show", session_id=session.id))
    except services.SessionClosed:
        flash(_("The session is closed: its decisions cannot change."), "error")
        return redirect(url_for("committees.show", session_id=session.id))
    for application, refusal in refused:
        flash(
            ngettext(
                "%(number)s: %(num)s job asked but only %(remaining)s left in the "
                "province. Nothing was recorded for it.",
                "%(number)s: %(num)s jobs asked but only %(remaining)s left in the "
                "province. Nothing was recorded for it.",
                refusal.asked,
                number=isolate(application.number),
                remaining=refusal.remaining,
            ),
            "error",
        )
    return redirect(url_for("committees.show", session_id=session.id))


@staff_bp.post("/<int:session_id>/close")
@staff_required(*DECIDERS)
def close(session_id: int):
    session = _session(session_id, "close")
    form = CloseSessionForm()
    if not form.validate_on_submit():
        return _show(session, form), 400
    try:
        services.close(
            session,
            by=current_user,
            attendance=form.attendance(member.id for member in session.members),
        )
    except services.QuorumNotReached as refusal:
        flash(
            _(
                "The quorum is not reached: %(present)s voting members present, %(required)s "
                "needed. The session is still open.",
                present=refusal.quorum.present,
                required=refusal.quorum.required,
            ),
            "error",
        )
    except services.TooManyVotes as refusal:
        flash(
            _(
                "A vote counts %(votes)s voices but only %(present)s voting members are "
                "present. Correct the vote or the attendance. The session is still open.",
                votes=refusal.votes,
                present=refusal.present,
            ),
            "error",
        )
    except services.NotYetHeld:
        flash(
            _(
                "The session is held on %(date)s: it can be closed from that day on.",
                date=isolate(show_date(session.held_on)),
            ),
            "error",
        )
    else:
        flash(_("The session is closed and the applicants are told."), "success")
    return redirect(url_for("committees.show", session_id=session.id))


@staff_bp.get("/<int:session_id>/minutes.pdf")
@staff_required(*DECIDERS)
def minutes(session_id: int):
    session = _session(session_id)
    if session.minutes_sha256 is None:
        flash(_("The minutes are being prepared. Come back in a minute."), "info")
        return redirect(url_for("committees.show", session_id=session.id))
    name = f"minutes-{session.held_on.isoformat()}-{session.number}-{session.id}.pdf"
    return send(session.minutes_sha256, name=name, mimetype="application/pdf")

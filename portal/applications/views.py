from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal.access import authorize, can, login_required
from portal.applications import bp, pages, services, steps
from portal.applications.dossier import dossier_response
from portal.applications.forms import WithdrawForm
from portal.applications.lifecycle import TransitionRefused
from portal.applications.models import Application, Submission
from portal.applications.presenters import present_report
from portal.calls.forms import StartForm
from portal.calls.models import Call
from portal.core.integers import db_int
from portal.documents import services as documents
from portal.documents.inspection import UploadRefused
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.forms import PLACEHOLDER, ActionForm
from portal.i18n import isolate, localized
from portal.organisations.forms import DocumentForm
from portal.organisations.models import Organisation
from portal.organisations.services import organisations_of
from portal.organisations.views import UPLOAD_ERRORS
from portal.timeutil import utcnow


def _application(application_id: int, action: str = "view") -> Application:
    """The application with what its pages and their permission checks read, in one statement
    (its submissions and reports in two more); the call's provinces only if asked for."""
    application = db.session.get(
        Application,
        application_id,
        options=[
            joinedload(Application.organisation).joinedload(Organisation.memberships),
            joinedload(Application.call).lazyload(Call.provinces),
            joinedload(Application.province),
            selectinload(Application.submissions).selectinload(Submission.reports),
        ],
    )
    return authorize(action, application)


def _now(application: Application, action: str) -> bool:
    """Whether `action` may be done on the application now. Someone who may never do it (a
    stranger, staff, a member who only reads) is refused (403); for the organisation's editors
    it is the status that stands in the way, and the caller sends them back to its page."""
    if can(current_user, action, application):
        return True
    if not can(current_user, "edit", application.organisation):
        abort(403)
    return False


@bp.get("/")
@login_required
def list_applications():
    return render_template(
        "applications/list.html", applications=services.applications_of(current_user)
    )


@bp.post("/start")
@login_required
def start():
    call_id = request.form.get("call_id", type=db_int)
    call = db.session.get(Call, call_id) if call_id is not None else None
    if call is None:
        abort(404)
    form = StartForm()
    organisations = [o for o in _my_organisations() if can(current_user, "edit", o)]
    form.organisation_id.choices = [PLACEHOLDER] + [
        SelectChoice(str(o.id), localized(o)) for o in organisations
    ]
    form.province_id.choices = [PLACEHOLDER] + [
        SelectChoice(str(p.province_id), localized(p.province)) for p in call.provinces
    ]
    if not call.is_open(utcnow()):
        flash(_("This call is not open."), "error")
        return redirect(url_for("calls.show", call_id=call.id))
    if not form.validate_on_submit():
        flash(_("Choose the organisation and the province."), "error")
        return redirect(url_for("calls.show", call_id=call.id))
    organisation = authorize("edit", db.session.get(Organisation, int(form.organisation_id.data)))
    application = services.start_application(
        organisation, call, int(form.province_id.data), by=current_user
    )
    first = steps.steps_for(application)[0]
    return redirect(url_for("applications.edit_step", application_id=application.id, step=first))


def _my_organisations() -> list[Organisation]:
    return [organisation for organisation, _role in organisations_of(current_user)]


@bp.route("/<int:application_id>/steps/<step>", methods=["GET", "POST"])
@login_required
def edit_step(application_id: int, step: str):
    application = _application(application_id)
    if not _now(application, "edit"):  # submitted meanwhile
        return redirect(url_for("applications.show", application_id=application.id))
    names = steps.steps_for(application)
    if step not in names:
        abort(404)
    if step == "documents":
        return _documents_step(application, names, DocumentForm())
    cls = steps.form_class(application, step)
    form = cls() if request.method == "POST" else cls(formdata=steps.saved_input(application, step))
    form.fill(application.call.edition.parameters, application.province)
    if request.method == "POST":
        if step == "declaration":
            if form.validate():
                services.accept_declaration(application)
        else:
            services.save_answers(application, steps.answers(form, step))
        if form.validate():
            if "save_and_leave" in request.form:
                flash(_("Your draft is saved. You can come back to it at any time."), "success")
                return redirect(url_for("applications.list_applications"))
            return redirect(_next(application, names, step))
    return render_template(
        "applications/step.html",
        application=application,
        form=form,
        step=step,
        steps=names,
        titles=steps.TITLES,
    )


def _next(application: Application, names: list[str], step: str) -> str:
    position = names.index(step)
    if position + 1 < len(names):
        return url_for(
            "applications.edit_step", application_id=application.id, step=names[position + 1]
        )
    return url_for("applications.preview", application_id=application.id)


def _documents_step(
    application: Application, names: list[str], form: DocumentForm, status: int = 200
):
    kinds = _application_kinds(application)
    form.kind.choices = [PLACEHOLDER] + [SelectChoice(k.code, localized(k)) for k in kinds]
    if form.kind.data is None and len(kinds) == 1:
        form.kind.data = kinds[0].code
    return render_template(
        "applications/documents_step.html",
        application=application,
        form=form,
        step="documents",
        steps=names,
        titles=steps.TITLES,
        kinds=kinds,
        documents=services.application_documents(application),
        next_url=_next(application, names, "documents"),
    ), status


def _application_kinds(application: Application) -> list[DocumentKind]:
    return [
        k
        for k in documents.kinds_for(application.organisation.legal_form, "application")
        if str(application.component) in k.components
    ]


@bp.post("/<int:application_id>/documents")
@login_required
def upload_document(application_id: int):
    application = _application(application_id, "edit")
    names = steps.steps_for(application)
    form = DocumentForm()
    kinds = {k.code: k for k in _application_kinds(application)}
    form.kind.choices = [PLACEHOLDER] + [
        SelectChoice(code, localized(k)) for code, k in kinds.items()
    ]
    if form.validate_on_submit():
        try:
            documents.add_document(
                application.organisation,
                kinds[form.kind.data],
                form.file.data.read(),
                filename=form.file.data.filename,
                valid_until=form.valid_until.data,
                by=current_user,
                application=application,
            )
        except UploadRefused as refusal:
            form.file.errors.append(UPLOAD_ERRORS[refusal.reason]())
        else:
            flash(_("The document is added."), "success")
            return redirect(
                url_for("applications.edit_step", application_id=application.id, step="documents")
            )
    return _documents_step(application, names, form, status=400)


@bp.get("/<int:application_id>/preview")
@login_required
def preview(application_id: int):
    application = _application(application_id)
    if not _now(application, "edit"):  # submitted meanwhile
        return redirect(url_for("applications.show", application_id=application.id))
    data = services.snapshot(application, by=current_user, at=utcnow())
    report = services.precheck(application, by=current_user)
    return render_template(
        "applications/preview.html",
        application=application,
        data=data,
        missing=services.missing_for_submission(application, data),
        failing=services.blocking_failures(report),
        report=present_report(report.as_dict(), data),
        steps=steps.steps_for(application),
        titles=steps.TITLES,
        grant=services.grant_for(data),
        form=ActionForm(),
    )


@bp.post("/<int:application_id>/submit")
@login_required
def submit(application_id: int):
    application = _application(application_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not _now(application, "submit"):  # submitted already
        flash(_("This application cannot be submitted in its current status."), "error")
        return redirect(url_for("applications.show", application_id=application.id))
    try:
        services.submit(application, by=current_user)
    except services.SubmissionRefused as refusal:
        if refusal.missing:
            flash(_("Some answers are missing: see the list below."), "error")
        else:
            flash(
                ngettext(
                    "%(num)d rule is not met: the pre-check below says why. Correct your "
                    "answers, then submit.",
                    "%(num)d rules are not met: the pre-check below says why. Correct your "
                    "answers, then submit.",
                    len(refusal.failing),
                ),
                "error",
            )
        return redirect(url_for("applications.preview", application_id=application.id))
    except TransitionRefused:
        flash(_("This application cannot be submitted in its current status."), "error")
    else:
        flash(
            _(
                "Your application is submitted under number %(number)s. We are checking it now.",
                number=isolate(application.number),
            ),
            "success",
        )
    return redirect(url_for("applications.show", application_id=application.id))


@bp.get("/<int:application_id>")
@login_required
def show(application_id: int):
    application = _application(application_id)
    submission = services.latest_submission(application)
    report = submission.reports[-1] if submission and submission.reports else None
    return render_template(
        "applications/show.html",
        application=application,
        submission=submission,
        report=present_report(
            {"outcome": report.outcome, "results": report.effective_results()}, submission.data
        )
        if report
        else None,
        timeline=services.timeline(application),
        can_edit=can(current_user, "edit", application),
        can_withdraw=can(current_user, "withdraw", application),
        grant=services.grant_for(submission.data) if submission else None,
        documents=services.application_documents(application),
        **pages.APPLICANT.context(application),
    )


@bp.get("/<int:application_id>/check")
@login_required
def check(application_id: int):
    """Whether the check of the latest submission is done, for the page's script while it waits:
    the application with its organisation's members in one statement, the report in another."""
    application = authorize(
        "view",
        db.session.get(
            Application,
            application_id,
            options=[joinedload(Application.organisation).joinedload(Organisation.memberships)],
        ),
    )
    response = jsonify(status=application.status, checked=services.checked(application))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:application_id>/dossier.pdf")
@login_required
def dossier(application_id: int):
    return dossier_response(_application(application_id))


@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(application_id: int):
    application = _application(application_id)
    if not _now(application, "withdraw"):  # withdrawn or decided meanwhile
        return redirect(url_for("applications.show", application_id=application.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(application, form.reason.data, by=current_user)
        except TransitionRefused:
            flash(_("This application cannot be withdrawn any more."), "error")
        else:
            flash(_("The application is withdrawn."), "success")
        return redirect(url_for("applications.show", application_id=application.id))
    return render_template("applications/withdraw.html", application=application, form=form)

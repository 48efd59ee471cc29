"""The partner's side: the agreement's workers, enrolment one by one, the end of a contract."""

from decimal import Decimal

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.access import authorize, can, login_required
from portal.agreements.models import Agreement, AgreementStatus
from portal.agreements.services import current_agreement
from portal.applications import pages
from portal.applications.models import Status
from portal.beneficiaries import bp, services
from portal.beneficiaries.forms import EndForm, EnrolForm, ReplaceForm
from portal.beneficiaries.models import (
    Contract,
    ContractKind,
    ContractStatus,
    EducationLevel,
    EndReason,
    Sex,
)
from portal.beneficiaries.presenters import present_worker_report
from portal.eligibility import FAIL
from portal.eligibility.workers import groups_of
from portal.extensions import db
from portal.forms import ActionForm
from portal.geo.models import Province
from portal.i18n import isolate, number, show_date
from portal.timeutil import local_date
from portal.wages import minimum_wage


@bp.app_template_global()
def contract_status_label(status: str) -> str:
    return ContractStatus.label_of(status)


@bp.app_template_global()
def end_reason_label(reason: str) -> str:
    return EndReason.label_of(reason)


@bp.app_template_global()
def contract_kind_label(kind: str) -> str:
    return ContractKind.label_of(kind)


@bp.app_template_global()
def sex_label(sex: str) -> str:
    return Sex.label_of(sex)


@bp.app_template_global()
def education_label(level: str) -> str:
    return EducationLevel.label_of(level)


@bp.app_template_filter("cin_masked")
def cin_masked(cin: str) -> str:
    return services.mask_cin(cin)


def refusal_message(refusal: services.EnrolmentRefused) -> str:
    """What the partner reads: never where, or with whom, the person works."""
    values = refusal.values
    if refusal.reason == "already_under_contract":
        return _(
            "This person is already under an Awrach contract elsewhere on some of these days. "
            "One person holds one contract at a time: choose dates after that contract ends, "
            "or enrol someone else."
        )
    if refusal.reason == "earlier_edition":
        return _(
            "This person already took part in another edition of Awrach, and this edition "
            "does not allow a second participation."
        )
    if refusal.reason == "no_jobs_left":
        return ngettext(
            "The agreement's %(num)s job is already held. End a contract to free it.",
            "The agreement's %(num)s jobs are all held. End a contract to free one.",
            values["jobs"],
        )
    if refusal.reason == "post_full":
        return _("Every hire of the post %(post)s is already enrolled.", post=values["post"])
    if refusal.reason == "ineligible":
        lines = present_worker_report(values["report"], values["edition"])["lines"]
        return " ".join(
            [_("This person cannot be enrolled on this contract:")]
            + [line["message"] for line in lines if line["outcome"] == FAIL]
        )
    if refusal.reason == "replacement_off":
        return _(
            "This edition of Awrach does not allow replacing a worker who left. Enrol a new "
            "worker on a free job instead."
        )
    if refusal.reason == "not_replaceable":
        return _("This contract cannot be replaced: only a contract ended early is, and only once.")
    if refusal.reason == "replacement_dates":
        return _(
            "A replacement covers the rest of the contract it replaces: from %(after)s to "
            "%(until)s at the latest.",
            after=isolate(show_date(values["after"])),
            until=isolate(show_date(values["until"])),
        )
    if refusal.reason == "wage_below_minimum":
        return _(
            "The wage is below the minimum wage in force at the start, %(amount)s MAD a month.",
            amount=isolate(number(values["minimum"], "#,##0.00")),
        )
    if refusal.reason == "closed":
        return _("The agreement is closed: no worker is enrolled on it any more.")
    return _("Workers are enrolled once the agreement is signed.")


def worker_reports(contracts, edition: dict) -> list[tuple]:
    """(contract, its eligibility report as read) for the contracts that have one."""
    shown = [(c, present_worker_report(c.eligibility, edition)) for c in contracts]
    return [(c, report) for c, report in shown if report]


def _agreement(agreement_id: int, action: str) -> Agreement:
    return authorize(action, db.session.get(Agreement, agreement_id))


def enrol_form(agreement: Agreement, form_class=EnrolForm, **kwargs) -> EnrolForm:
    form = form_class(**kwargs)
    form.set_choices(
        db.session.scalars(select(Province).order_by(Province.id)).all(),
        services.posts_of(agreement),
    )
    application = agreement.application
    form.set_target_groups(
        groups_of(application.call.edition.parameters, application.component),
        required=application.component == 2,
    )
    return form


@bp.get("/agreements/<int:agreement_id>/workers")
@login_required
def workers(agreement_id: int):
    agreement = _agreement(agreement_id, "workers")
    contracts = services.contracts_of(agreement.application_id)
    today = local_date()
    groups = {"enrolled": [], "active": [], "ended": []}
    for contract in contracts:
        if services.is_active(contract, today):
            groups["active"].append(contract)
        elif contract.status in (ContractStatus.ENDED, ContractStatus.REFUSED):
            groups["ended"].append(contract)
        else:
            groups["enrolled"].append(contract)
    return render_template(
        "beneficiaries/workers.html",
        reports=worker_reports(contracts, agreement.application.call.edition.parameters),
        agreement=agreement,
        application=agreement.application,
        groups=groups,
        jobs=agreement.content.get("jobs", 0),
        held=services.holding_count(agreement.application_id),
        may_enrol=can(current_user, "enrol", agreement),
        may_end={c.id for c in contracts if can(current_user, "end", c)},
        may_replace=replaceable(agreement, contracts),
        action_form=ActionForm(),
    )


def replaceable(agreement: Agreement, contracts: list[Contract]) -> set[int]:
    """The contracts the user may replace now: ended early, not replaced yet, when the
    edition allows replacements (B1-REPLACEMENT)."""
    if not services.replacement_allowed(agreement.application.call.edition):
        return set()
    replaced = {c.replaced_contract_id for c in contracts if c.status != ContractStatus.REFUSED}
    return {c.id for c in contracts if c.id not in replaced and can(current_user, "replace", c)}


def enrolment_page(agreement: Agreement, form: EnrolForm, enrolling, done: str, **page):
    """The enrolment form's page and its answer: on a valid form, `enrolling()` (refused: 409
    with the reason, the request rolls back), then back to the workers; else the errors (400).
    A `refusal` in `page` is said at once, and the form not taken."""
    refusal = page.pop("refusal", None)
    status = 409 if refusal and form.is_submitted() else 200
    if refusal is None and form.validate_on_submit():
        try:
            enrolment = enrolling()
        except services.EnrolmentRefused as error:
            status, refusal = 409, refusal_message(error)
        else:
            flash(done, "success")
            if "earlier_edition" in enrolment.warnings:
                flash(
                    _(
                        "This person already took part in another edition of Awrach: the "
                        "secretariat will see it when it validates the contract."
                    ),
                    "info",
                )
            return redirect(url_for("beneficiaries.workers", agreement_id=agreement.id))
    elif refusal is None and form.is_submitted():
        status = 400
    return render_template(
        "beneficiaries/enrol.html", agreement=agreement, form=form, refusal=refusal, **page
    ), status


@bp.route("/agreements/<int:agreement_id>/workers/new", methods=["GET", "POST"])
@login_required
def enrol(agreement_id: int):
    agreement = _agreement(agreement_id, "enrol")
    smig = Decimal(str(minimum_wage(local_date()).smig_monthly))
    form = enrol_form(agreement, data={"monthly_wage": smig})
    return enrolment_page(
        agreement,
        form,
        lambda: services.enrol(
            agreement,
            form.cin.data,
            form.person(),
            post_index=form.post_index.data,
            by=current_user,
            **form.contract(),
        ),
        _("The worker is enrolled. The secretariat will validate the contract."),
    )


@bp.route("/contracts/<int:contract_id>/replace", methods=["GET", "POST"])
@login_required
def replace(contract_id: int):
    """Enrol someone for the rest of a contract that ended early (B1-REPLACEMENT)."""
    leaver = authorize("replace", db.session.get(Contract, contract_id))
    after, until = services.replacement_window(leaver)
    form = enrol_form(
        leaver.agreement,
        ReplaceForm,
        data={
            "monthly_wage": leaver.monthly_wage,
            "kind": leaver.kind,
            "role": leaver.role,
            "post_index": leaver.post_index,
            "start_date": after,
            "planned_end": until,
        },
    )
    form.set_window(after, until, leaver.post_index)
    allowed = services.replacement_allowed(leaver.application.call.edition)
    return enrolment_page(
        leaver.agreement,
        form,
        lambda: services.replace(
            leaver, form.cin.data, form.person(), by=current_user, **form.contract()
        ),
        _(
            "The replacement is enrolled on the job of the worker who left. The secretariat "
            "will validate the contract."
        ),
        leaver=leaver,
        allowed=allowed,
        refusal=None if allowed else refusal_message(services.EnrolmentRefused("replacement_off")),
    )


@bp.route("/contracts/<int:contract_id>/end", methods=["GET", "POST"])
@login_required
def end_contract(contract_id: int):
    contract = authorize("end", db.session.get(Contract, contract_id))
    form = EndForm(contract)
    if form.validate_on_submit():
        services.end_contract(
            contract,
            form.actual_end.data,
            form.end_reason.data,
            (form.note.data or "").strip(),
            by=current_user,
        )
        flash(_("The contract is ended. Its job is free for another worker."), "success")
        return redirect(url_for("beneficiaries.workers", agreement_id=contract.agreement_id))
    return render_template("beneficiaries/end.html", contract=contract, form=form), (
        400 if form.is_submitted() else 200
    )


# The statuses an application has once an agreement was written for it.
WITH_AGREEMENT = {
    Status.APPROVED,
    Status.AGREEMENT_ISSUED,
    Status.AGREEMENT_SIGNED,
    Status.AGREEMENT_REVOKED,
    Status.CLOSED,
}


@pages.APPLICANT.part
@pages.STAFF.part
def workers_part(application) -> dict:
    """The link to the agreement's workers, once it is signed or holds contracts."""
    if application.status not in WITH_AGREEMENT:  # no query for the pages before a decision
        return {"workers": None}
    agreement = current_agreement(application)
    if agreement is None:
        return {"workers": None}
    held = services.holding_count(application.id)
    if agreement.status != AgreementStatus.SIGNED and not held:
        return {"workers": None}
    return {
        "workers": {
            "agreement_id": agreement.id,
            "held": held,
            "jobs": agreement.content.get("jobs", 0),
            "may_enrol": can(current_user, "enrol", agreement),
        }
    }

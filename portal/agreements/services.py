"""Agreements: written at a session's close, rendered once per version by the worker, then
signed, amended or revoked. Minutes of closed sessions are rendered the same way."""

import base64
import contextlib
import re
import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from portal.access import Role, can, policy
from portal.agreements.models import Agreement, AgreementStatus
from portal.applications.lifecycle import TransitionRefused, locked, recount, transition
from portal.applications.models import Application
from portal.applications.presenters import component_label
from portal.applications.services import latest_submission, notify_members
from portal.audit.services import record
from portal.auth.models import User
from portal.calls.services import DEFAULT_SIGNATORIES, QuotaExceeded, lock_ledger, take_jobs
from portal.core.counters import next_value
from portal.core.uow import after_commit
from portal.documents.inspection import content_type_of
from portal.documents.rendering import in_both_languages, qr_data_uri, render_pdf
from portal.eligibility import grant
from portal.extensions import db
from portal.geo.models import Commune, Province
from portal.notifications.services import external_url
from portal.storage import put
from portal.timeutil import local_date, months_after, utcnow
from portal.wages import minimum_wage

RENDER_TASK = "render_agreement"
CODE_RE = re.compile(r"^[A-Z2-7]{16}$")
MANAGERS = (Role.SECRETARIAT, Role.ADMIN)


@policy(Agreement)
def agreement_policy(user: User, action: str, agreement: Agreement) -> bool:
    """Members of the partner organisation and staff of the province see and download it; the
    members upload the signed copy; the secretariat and the admin confirm, amend or revoke."""
    application = agreement.application
    if not can(user, "view", application):
        return False
    if action == "view":
        return True
    if action == "upload_signed":
        return (
            not user.is_staff
            and can(user, "edit", application.organisation)  # its editors, whatever its status
            and agreement.status == AgreementStatus.ISSUED
        )
    if action in ("confirm_signed", "amend", "revoke"):
        return user.is_staff and user.has_role(*MANAGERS)
    return False


def new_code() -> str:
    """16 random base32 characters (80 bits), printed in clear beside the QR code."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def normalise_code(text: str) -> str | None:
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if CODE_RE.match(code) else None


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verify_url(code: str) -> str:
    return external_url("agreements.verify", code=code)


# Writing


def write_agreement(
    application: Application,
    jobs_granted: int,
    *,
    by: User,
    session_id: int | None = None,
    held_on: date | None = None,
    number: str | None = None,
    version: int = 1,
    post_counts: list[int] | None = None,
    amendment: dict | None = None,
) -> Agreement:
    """Add a version of the application's agreement, its facts frozen; the caller asks for
    its rendering (`render_after_commit`). The first version takes the next number of its series; the
    committee's session (`session_id`, held on `held_on`) is the decision it states.
    `post_counts` (component 2, an amendment) are the hires of each post, `jobs_granted` their
    sum. A later version is an amendment (avenant): `amendment` says what it replaces and why."""
    now = utcnow()
    if number is None:
        region = application.province.region.code
        key = f"CP-{region}-{now.year}-C{application.component}"
        number = f"{key}-{next_value(key):04d}"
    code = new_code()
    content = agreement_content(
        application, jobs_granted, number, version, code, now, held_on, post_counts=post_counts
    )
    if amendment is not None:
        content["amendment"] = amendment
    agreement = Agreement(
        application_id=application.id,
        session_id=session_id,
        number=number,
        version=version,
        status=AgreementStatus.ISSUED,
        verification_code=code,
        content=content,
        created_by_id=by.id,
        render_enqueued_at=now,
    )
    db.session.add(agreement)
    db.session.flush()
    record(
        "agreement.written",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"number": number, "version": version, "jobs": content["jobs"]},
    )
    return agreement


def agreement_content(
    application: Application,
    jobs: int,
    number: str,
    version: int,
    code: str,
    at: datetime,
    held_on: date | None,
    *,
    post_counts: list[int] | None = None,
) -> dict:
    """What the agreement states, read from the submitted snapshot and the call. Its figures
    are worked out here alone: component 1, the pay of `jobs` workers at the minimum wage for
    the worksite's months; component 2, the grant of the posts (with `post_counts` hires each
    when given, `jobs` then being their sum) and its schedule."""
    data = latest_submission(application).data
    details = data["application"]["details"]
    organisation = data["organisation"]
    edition = data["call"]["edition"]
    call = application.call
    province = db.session.get(Province, application.province_id)
    on = local_date(at)  # the day in Morocco: never before the session's
    in_force = minimum_wage(on)  # the national table, whatever the edition
    wage = in_force.smig_monthly
    component = application.component
    content = {
        "number": number,
        "version": version,
        "code": code,
        "verify_url": verify_url(code),
        "issued_on": on.isoformat(),
        "component": application.component,
        "application_number": application.number,
        "jobs": jobs,
        "edition_ar": call.edition.name_ar,
        "edition_fr": call.edition.name_fr,
        "call_ar": call.title_ar,
        "call_fr": call.title_fr,
        "committee_level": call.committee_level,
        "held_on": held_on.isoformat() if held_on else None,
        "signatories": call.signatories or DEFAULT_SIGNATORIES[call.committee_level],
        # The edition as it is when the agreement is written: its legal references are cited.
        "legal_basis": [
            {"ar": basis["ar"], "fr": basis["fr"]}
            for basis in call.edition.parameters.get("legal_basis", [])
            if component in basis.get("components", (1, 2))
        ],
        "province_ar": province.name_ar,
        "province_fr": province.name_fr,
        "partner": {
            "name_ar": organisation["name_ar"],
            "name_fr": organisation["name_fr"],
            "legal_form": organisation["legal_form"],
            "representative": organisation["legal_representative"],
            "address": organisation["address"],
            "ice": organisation.get("ice"),
        },
        "minimum_wage": wage,
        "minimum_wage_since": in_force.since["smig_monthly"].isoformat(),
    }
    if application.component == 1:
        commune = db.session.get(Commune, int(details.get("commune_id") or 0))
        sector = next(
            (s for s in edition["component1"]["sectors"] if s["code"] == details.get("sector")),
            {"ar": details.get("sector", ""), "fr": details.get("sector", "")},
        )
        content["worksite"] = {
            "title": details.get("title", ""),
            "sector_ar": sector["ar"],
            "sector_fr": sector["fr"],
            "commune_ar": commune.name_ar if commune else "",
            "commune_fr": commune.name_fr if commune else "",
            "location": details.get("location", ""),
            "supervisors": details.get("supervisors"),
            "duration_months": details.get("duration_months"),
            "planned_start": details.get("planned_start"),
        }
        months = _months(details.get("duration_months"))
        content["pay"] = {
            "monthly_mad": wage,
            "months": months,
            "total": round(wage * months * jobs, 2),
        }
    else:
        posts = [p for p in details.get("posts", []) if p.get("title")]
        if post_counts is not None:
            posts = [{**p, "count": n} for p, n in zip(posts, post_counts, strict=True)]
            content["jobs"] = jobs = sum(post_counts)
        schedule = grant(posts, edition)
        content["grant"] = {
            **schedule,
            "total": schedule["per_hire"] * jobs,
            "contract_min_months": edition["component2"]["contract_min_months"],
            "posts": [
                {**line, "contract_months": post.get("contract_months")}
                for line, post in zip(schedule["posts"], posts, strict=True)
            ],
        }
    return content


def _months(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def amount_of(content: dict) -> float | None:
    """What the agreement commits in all: component 1, the workers' pay; component 2, the
    grant (None for an agreement written before its pay was stated)."""
    figures = content.get("pay") if content["component"] == 1 else content.get("grant")
    return figures and figures["total"]


def render_after_commit(*agreements: Agreement) -> None:
    for agreement in agreements:
        after_commit(RENDER_TASK, agreement.id)


# Rendering (worker)


def dates_of(content: dict) -> dict:
    """ISO dates of the frozen content, as dates for the templates' filter; the worksite's
    planned end is its start plus its months, less a day."""

    def parse(value):
        try:
            return date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    worksite = content.get("worksite") or {}
    amendment = content.get("amendment") or {}
    start = parse(worksite.get("planned_start"))
    months = _months(worksite.get("duration_months"))
    return {
        "issued_on": parse(content["issued_on"]),
        "held_on": parse(content.get("held_on")),
        "planned_start": start,
        "planned_end": start and months and months_after(start, months) - timedelta(days=1),
        "minimum_wage_since": parse(content.get("minimum_wage_since")),
        "original_issued_on": parse(amendment.get("original_issued_on")),
        "replaces_issued_on": parse(amendment.get("replaces_issued_on")),
    }


def agreement_pdf(agreement: Agreement) -> bytes:
    content = agreement.content
    template = "pdf/amendment.html" if content.get("amendment") else "pdf/agreement.html"
    return render_pdf(
        template,
        {
            "c": content,
            "dates": dates_of(content),
            "qr": qr_data_uri(content["verify_url"]),
            "code": grouped(content["code"]),
            "amount": amount_of(content),
        },
        title=in_both_languages(lambda _language: _document_title(content)),
        subject=in_both_languages(
            lambda language: _(
                "%(component)s, province of %(province)s",
                component=component_label(content["component"]),
                province=content[f"province_{language}"],
            )
        ),
        keywords=(content["number"], content["province_fr"], content["province_ar"]),
    )


def _document_title(content: dict) -> str:
    """What the document is, in the current language: the agreement, or its amendment."""
    if content["version"] > 1:
        return _(
            "Amendment No. %(amendment)s to partnership agreement No. %(number)s",
            amendment=content["version"] - 1,
            number=content["number"],
        )
    return _("Partnership agreement No. %(number)s", number=content["number"])


def render_agreement(agreement_id: int) -> str | None:
    """Render the agreement's PDF once and store it; the application moves to
    agreement_issued and the partner's members are told. Safe to run twice."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or agreement.pdf_sha256:
        return agreement and agreement.pdf_sha256
    digest = put(agreement_pdf(agreement))
    stored = db.session.execute(
        update(Agreement)
        .where(Agreement.id == agreement.id, Agreement.pdf_sha256.is_(None))
        .values(pdf_sha256=digest, rendered_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not stored:  # another worker stored it first: keep theirs
        db.session.rollback()
        return db.session.get(Agreement, agreement_id).pdf_sha256
    application = agreement.application
    if agreement.version == 1:
        with contextlib.suppress(TransitionRefused):
            transition(application, "issue_agreement")
    notify_members(
        application,
        "agreement_issued",
        f"agreement_issued:{agreement.id}",
        agreement=agreement,
    )
    return digest


def sweep(older_than: timedelta | None = None) -> int:
    """Re-send the renders that a lost message or a killed worker left undone."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["RENDER_RETRY_SECONDS"])
    now = utcnow()
    cutoff = now - older_than
    agreements = db.session.scalars(
        select(Agreement.id).where(
            Agreement.pdf_sha256.is_(None), Agreement.render_enqueued_at < cutoff
        )
    ).all()
    if agreements:
        db.session.execute(
            update(Agreement).where(Agreement.id.in_(agreements)).values(render_enqueued_at=now)
        )
    for agreement_id in agreements:
        after_commit(RENDER_TASK, agreement_id)
    return len(agreements)


# After issue


def current_agreement(application: Application) -> Agreement | None:
    """The latest version of the application's agreement."""
    return db.session.scalar(
        select(Agreement)
        .where(Agreement.application_id == application.id)
        .order_by(Agreement.version.desc())
        .limit(1)
    )


def versions(application: Application) -> list[Agreement]:
    return db.session.scalars(
        select(Agreement)
        .where(Agreement.application_id == application.id)
        .order_by(Agreement.version.desc())
    ).all()


def upload_signed(agreement: Agreement, data: bytes, *, by: User) -> None:
    """The partner's signed copy, checked by its content (UploadRefused); staff confirm it."""
    agreement.signed_content_type = content_type_of(data)
    agreement.signed_sha256 = put(data)
    agreement.signed_uploaded_at = utcnow()
    record(
        "agreement.signed_uploaded",
        actor=by,
        obj=agreement.application,
        organisation_id=agreement.application.organisation_id,
        after={"number": agreement.number, "version": agreement.version},
    )


class NotReady(Exception):
    """The action needs what is not there yet (a signed copy, a rendered PDF)."""


def confirm_signed(agreement: Agreement, *, by: User) -> None:
    if agreement.signed_sha256 is None or agreement.status != AgreementStatus.ISSUED:
        raise NotReady(agreement.id)
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_confirmed_at = utcnow()
    agreement.signed_confirmed_by_id = by.id
    application = agreement.application
    with contextlib.suppress(TransitionRefused):
        transition(application, "sign_agreement")
    notify_members(
        application, "agreement_signed", f"agreement_signed:{agreement.id}", agreement=agreement
    )
    record(
        "agreement.signed",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={"number": agreement.number, "version": agreement.version},
    )


def amend(
    agreement: Agreement,
    reason: str,
    *,
    by: User,
    jobs: int | None = None,
    post_counts: list[int] | None = None,
) -> Agreement:
    """A decision like an approval: a new version with the same number replaces `agreement`
    (which shows as amended, with the reason and who decided), for `jobs` workers (component 1)
    or `post_counts` hires of each post (component 2, the jobs being their sum). The jobs go
    through the province's locked ledger: more than it has left is refused (QuotaExceeded),
    fewer give jobs back; the application's granted jobs, the version's facts and its amounts
    change in the same transaction. NotReady if the version was amended or revoked meanwhile."""
    application = agreement.application
    granted = sum(post_counts) if application.component == 2 else jobs
    if granted is None or granted < 1 or any(n < 0 for n in post_counts or ()):
        raise ValueError("an amendment grants at least one job")
    now = utcnow()
    # Only the current version is replaced, once: a second amendment of it waits here, then
    # finds it amended.
    replaced = db.session.execute(
        update(Agreement)
        .where(
            Agreement.id == agreement.id,
            Agreement.status.in_((AgreementStatus.ISSUED, AgreementStatus.SIGNED)),
        )
        .values(
            status=AgreementStatus.AMENDED,
            change_reason=reason,
            changed_at=now,
            changed_by_id=by.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not replaced:  # nothing written
        raise NotReady(agreement.id)
    lock_ledger(application.call_id, application.province_id)  # before reading what it holds
    held = db.session.scalar(
        select(Application.jobs_granted).where(Application.id == application.id)
    )
    held = agreement.content.get("jobs", 0) if held is None else held
    try:
        take_jobs(application.call_id, application.province_id, granted=granted, released=held)
    except QuotaExceeded:
        db.session.rollback()  # the version stays current: the refused amendment leaves nothing
        raise
    stored = locked(application)
    application.jobs_granted = granted
    db.session.flush()
    recount(stored, {"jobs_granted": granted})  # the dashboard's jobs granted
    earlier = agreement.content
    newer = write_agreement(
        application,
        granted,
        by=by,
        session_id=agreement.session_id,
        held_on=dates_of(earlier)["held_on"],
        number=agreement.number,
        version=agreement.version + 1,
        post_counts=post_counts if application.component == 2 else None,
        amendment={
            "number": agreement.version,  # avenant n° 1 is the agreement's version 2
            "reason": reason,
            "original_issued_on": earlier.get("amendment", {}).get("original_issued_on")
            or earlier["issued_on"],
            "replaces_version": agreement.version,
            "replaces_issued_on": earlier["issued_on"],
            "before": {
                "jobs": held,
                "amount": amount_of(earlier),
                "posts": [post["count"] for post in (earlier.get("grant") or {}).get("posts", [])],
            },
        },
    )
    record(
        "agreement.amended",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        before={
            "version": agreement.version,
            "jobs": held,
            "amount": amount_of(agreement.content),
        },
        after={
            "version": newer.version,
            "jobs": granted,
            "amount": amount_of(newer.content),
            "reason": reason,
        },
    )
    render_after_commit(newer)
    return newer


def revoke(agreement: Agreement, reason: str, *, by: User) -> None:
    """End the agreement for good, with a reason: the jobs it held go back to the province's
    quota, through the same locked ledger as every decision."""
    revoked = db.session.execute(
        update(Agreement)
        .where(
            Agreement.id == agreement.id,
            Agreement.status.in_((AgreementStatus.ISSUED, AgreementStatus.SIGNED)),
        )
        .values(
            status=AgreementStatus.REVOKED,
            change_reason=reason,
            changed_at=utcnow(),
            changed_by_id=by.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not revoked:  # amended or revoked meanwhile; nothing written
        raise NotReady(agreement.id)
    db.session.refresh(agreement)
    application = agreement.application
    lock_ledger(application.call_id, application.province_id)  # before reading what it holds
    held = db.session.scalar(
        select(Application.jobs_granted).where(Application.id == application.id)
    )
    take_jobs(application.call_id, application.province_id, granted=0, released=held or 0)
    transition(application, "revoke_agreement")
    notify_members(
        application,
        "agreement_revoked",
        f"agreement_revoked:{agreement.id}",
        agreement=agreement,
        reason=reason,
    )
    record(
        "agreement.revoked",
        actor=by,
        obj=application,
        organisation_id=application.organisation_id,
        after={
            "number": agreement.number,
            "version": agreement.version,
            "reason": reason,
            "jobs_released": held or 0,
        },
    )


def find_by_code(code: str) -> Agreement | None:
    return db.session.scalar(select(Agreement).filter_by(verification_code=code))


def session_progress(session_id: int) -> list[Agreement]:
    """The latest version of each agreement written by a committee session, with its
    application."""
    rows = db.session.scalars(
        select(Agreement)
        .where(Agreement.session_id == session_id)
        .join(Agreement.application)
        .options(contains_eager(Agreement.application).joinedload(Application.organisation))
        .order_by(Application.number, Agreement.version.desc())
    ).all()
    latest: dict[int, Agreement] = {}
    for row in rows:
        latest.setdefault(row.application_id, row)
    return list(latest.values())

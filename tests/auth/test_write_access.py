"""Who may change what: every write route, tried by every role its rule refuses.

For each rule of the URL map that takes POST, PUT, PATCH or DELETE (`WRITES`, which must list
them all), each role the rule leaves out sends what an allowed user would send: a valid CSRF
token and a full form. Two organisations in two provinces (Sidi Ifni and Tan-Tan) are the
target in turn, the other being the stranger; each has members, a draft ready to submit, a
submitted application, one under review, a committee session in progress (an approval
recorded, one still to decide), an approved application whose agreement is issued and its
signed copy sent, and a signed agreement with three workers enrolled, one who left early (with
a certificate) and a spreadsheet of workers checked (one row in error), a validated worker's monthly statements (one being filled, one
submitted, two certified), a month's accepted statement in a payroll file built and the next
month's accepted statement waiting for its file, a month of the hiring grant flagged for
review, two field visits (one planned, one recorded with a follow-up), the signed agreement's
progress reports (one being written with a photo, one submitted, two certified) and another
signed agreement whose final report is accepted, ready to close. Each attempt must be
refused the way the route refuses (302 to the sign-in page for anonymous visitors, 403 or 404
otherwise, or the form shown again where a form's choices are the rule) and must leave the database as it was: every table, counted and hashed
row by row, before and after (tests/support/fingerprint.py; a plain request writes nothing,
which is checked first, so no table is left out).

Then someone allowed sends each of those requests once (`CONTROLS`) and the database changes:
the forms the refused roles sent would have written.

    75 write routes × 11 roles, on each of 2 organisations in 2 provinces:
    1200 refused attempts, database unchanged.

(The GET side is tests/auth/test_access.py; requests without a CSRF token are refused there.)
"""

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import url_for
from flask_babel import force_locale
from sqlalchemy import select

from portal.agreements import services as agreement_services
from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries import imports
from portal.beneficiaries import services as beneficiaries
from portal.calls.services import DEFAULT_SIGNATORIES, format_signatories
from portal.closeout.models import FINAL, ReportStatus, WorkReport, WorkReportPhoto
from portal.committees import services as committees
from portal.extensions import db
from portal.geo.models import Province
from portal.monitoring import services as visits
from portal.notifications.models import DeliveryStatus, Notification
from portal.organisations.models import Invitation, JoinRequest
from portal.organisations.services import join_token
from portal.payroll import files as payroll_files
from portal.payroll import statements as payroll
from portal.payroll.models import GrantInstalment, InstalmentStatus
from portal.review import services as review
from portal.storage import put
from portal.timeutil import local_date
from tests.support.accounts import (
    PASSWORD,
    add_documents,
    add_member,
    create_organisation,
    create_staff,
    create_user,
    csrf_token,
    demo_call,
    login,
    unique_email,
)
from tests.support.agreements import approve_in_session, new_call, recommended_in
from tests.support.applications import complete_draft, submit, worksite
from tests.support.beneficiaries import enrol_form, new_cin, person_details, person_form
from tests.support.closeout import photo_bytes
from tests.support.files import plain_pdf
from tests.support.fingerprint import changes, fingerprint
from tests.support.payroll_files import accepted_statement
from tests.support.visits import phone_photo

# The roles, seen from the organisation and province a request aims at.
ROLES = {
    "anonymous": "not signed in",
    "other_organisation": "the owner of the other organisation, in the other province",
    "editor": "a member of the organisation who is not its owner",
    "owner": "the owner of the organisation, an applicant",
    "secretariat": "the secretariat of the province",
    "technical_committee": "a technical-committee member of the province, not the reviewer",
    "committee_member": "a deciding-committee member of the province",
    "admin": "an administrator (every province)",
    "secretariat_elsewhere": "the secretariat of the other province",
    "technical_committee_elsewhere": "a technical-committee member of the other province",
    "committee_member_elsewhere": "a deciding-committee member of the other province",
}
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
APPLICANTS = frozenset({"other_organisation", "editor", "owner"})
MEMBERS = frozenset({"editor", "owner"})
OWNER = frozenset({"owner"})
STAFF_HERE = frozenset({"secretariat", "technical_committee", "committee_member", "admin"})
STAFF = SIGNED_IN - APPLICANTS
DECIDERS_HERE = frozenset({"secretariat", "committee_member", "admin"})
MANAGERS_HERE = frozenset({"secretariat", "admin"})
ADMIN = frozenset({"admin"})
NOBODY = frozenset()  # only an account the roles do not hold (named in CONTROLS)


@dataclass(frozen=True)
class Refusal:
    what: str
    statuses: tuple[int, ...]
    location: str | None = None  # where a 302 leads

    def matches(self, response) -> bool:
        return response.status_code in self.statuses and (
            self.location is None or self.location in response.headers.get("Location", "")
        )


SIGN_IN = Refusal("302 to the sign-in page", (302,), "/account/login?next=")
FORBIDDEN = Refusal("403 or 404", (403, 404))
FORM = Refusal("200, the page again saying why", (200,))
FORM_AGAIN = Refusal("400, the form again saying why", (400,))
BACK_TO_CALL = Refusal("302 back to the call's page, with a message", (302,), "/calls/")


@dataclass(frozen=True)
class Write:
    """A write route: the roles its rule lets through, the URL's arguments and the form an
    allowed user sends (both from the targeted side), and how it refuses the others."""

    allowed: frozenset[str]
    args: Callable[[SimpleNamespace], dict] = lambda s: {}
    form: Callable[[SimpleNamespace], dict] = lambda s: {}
    refusal: Refusal = FORBIDDEN
    refusals: dict[str, Refusal] = field(default_factory=dict)  # by role, where it differs

    def refusal_for(self, role: str) -> Refusal:
        return SIGN_IN if role == "anonymous" else self.refusals.get(role, self.refusal)


def pdf(kind: str) -> dict:
    return {"kind": kind, "file": (io.BytesIO(plain_pdf()), f"{kind}.pdf")}


def province_commune(province: str) -> int:
    return db.session.get(Province, province_id(province)).communes[0].id


def workers_csv(agreement_id: int, commune_id: int, cins: list[str]) -> bytes:
    """A spreadsheet of workers as the template has it (Arabic headers), one row a CIN."""
    with force_locale("ar"):
        titles = imports.headers(db.session.get(Agreement, agreement_id))
    row = enrol_form(commune_id, "") | {"role": "عامل"}
    lines = [";".join(titles.values())]
    lines += [";".join(row.get(key, "") if key != "cin" else cin for key in titles) for cin in cins]
    return "\n".join(lines).encode("utf-8-sig")


def organisation_form(s) -> dict:
    return {
        "legal_form": "association",
        "name_ar": "جمعية الواحة للتنمية",
        "name_fr": "Association Al Waha",
        "created_on": "2016-04-12",
        "province_id": s.province_id,
        "commune_id": s.commune_id,
        "address": "حي النهضة",
        "legal_representative": "Aicha Bouzid",
        "association_receipt_no": f"RD-{uuid.uuid4().hex[:8]}",
    }


def call_form(s) -> dict:
    return {
        "edition_id": s.edition_id,
        "component": "1",
        "title_ar": "طلب مشاريع معدل",
        "title_fr": "Appel modifié",
        "opens_at": "2023-01-05T08:00",
        "closes_at": "2023-03-30T18:00",
        "committee_level": "provincial",
        "signatories": format_signatories(DEFAULT_SIGNATORIES["provincial"]),
    } | {f"quota_{pid}": "120" for pid in s.all_province_ids}


NEW_PASSWORD = "another long passphrase 2026"

# Every write route of the URL map, by endpoint (each of an endpoint's rules is tried).
WRITES: dict[str, Write] = {
    # Signing up, in and back: anyone may.
    "auth.register": Write(EVERYONE),
    "auth.login": Write(EVERYONE),
    "auth.two_factor": Write(EVERYONE),
    "auth.forgot_password": Write(EVERYONE),
    "auth.reset_password": Write(EVERYONE, args=lambda s: {"token": "x"}),
    # One's own account.
    "auth.logout": Write(SIGNED_IN),
    "auth.change_password": Write(
        SIGNED_IN,
        form=lambda s: {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    ),
    "auth.consent": Write(SIGNED_IN, form=lambda s: {"consent": "y"}),
    "auth.close_account": Write(SIGNED_IN, form=lambda s: {"password": PASSWORD, "confirm": "y"}),
    # The admin's pages.
    "staff.toggle_staff": Write(ADMIN, args=lambda s: {"user_id": s.staff_to_toggle}),
    "emails.resend": Write(ADMIN, args=lambda s: {"notification_id": s.failed_email}),
    "calls_admin.edit_call": Write(
        ADMIN, args=lambda s: {"call_id": s.call_to_edit}, form=call_form
    ),
    "retention.purge": Write(ADMIN, form=lambda s: {"confirm": "y"}),
    # Organisations.
    "organisations.create": Write(APPLICANTS, form=organisation_form),
    "organisations.edit": Write(
        MEMBERS, args=lambda s: {"organisation_id": s.organisation_id}, form=organisation_form
    ),
    "organisations.upload_document": Write(
        MEMBERS,
        args=lambda s: {"organisation_id": s.organisation_id},
        form=lambda s: pdf("statutes"),
    ),
    "organisations.invite": Write(
        OWNER,
        args=lambda s: {"organisation_id": s.organisation_id},
        form=lambda s: {"email": unique_email("invited")},
    ),
    "organisations.remove_member": Write(
        OWNER, args=lambda s: {"organisation_id": s.organisation_id, "user_id": s.editor_id}
    ),
    "organisations.transfer_ownership": Write(
        OWNER, args=lambda s: {"organisation_id": s.organisation_id, "user_id": s.editor_id}
    ),
    "organisations.decide_join_request": Write(
        OWNER,
        args=lambda s: {"organisation_id": s.organisation_id, "request_id": s.join_request},
        form=lambda s: {"decision": "approve"},
    ),
    # The link to ask to join is signed for the person who typed the organisation's number.
    "organisations.join": Write(
        NOBODY, args=lambda s: {"token": s.join_token}, form=lambda s: {"message": "مرحبا"}
    ),
    # Only the invited address accepts; anyone else sees the invitation is not for them.
    "organisations.accept_invitation": Write(
        NOBODY, args=lambda s: {"token": s.invitation_token}, refusal=FORM
    ),
    # Applications. Starting one checks the organisation among the user's own (the form's
    # choices): anyone else is sent back to the call with a message.
    "applications.start": Write(
        MEMBERS,
        form=lambda s: {
            "call_id": s.demo_call,
            "organisation_id": s.organisation_id,
            "province_id": s.guelmim,
        },
        refusal=BACK_TO_CALL,
    ),
    "applications.edit_step": Write(
        MEMBERS,
        args=lambda s: {"application_id": s.draft, "step": "worksite"},
        form=lambda s: s.worksite | {"title": "ورش معدل"},
    ),
    "applications.upload_document": Write(
        MEMBERS, args=lambda s: {"application_id": s.draft}, form=lambda s: pdf("worksite_sheet")
    ),
    "applications.submit": Write(MEMBERS, args=lambda s: {"application_id": s.draft}),
    "applications.withdraw": Write(
        MEMBERS,
        args=lambda s: {"application_id": s.submitted},
        form=lambda s: {"reason": "لم يعد المشروع ممكنا"},
    ),
    # The review. The technical-committee member of the province is not the reviewer.
    "applications_staff.request_changes": Write(
        frozenset({"secretariat"}),
        args=lambda s: {"application_id": s.eligible},
        form=lambda s: {
            "what": "أرفقوا بطاقة الورش موقعة",
            "deadline": (local_date() + timedelta(days=14)).isoformat(),
        },
    ),
    "review.assign": Write(
        MANAGERS_HERE,
        args=lambda s: {"application_id": s.eligible},
        form=lambda s: {"reviewer": s.reviewer_id},
    ),
    "review.review": Write(
        NOBODY, args=lambda s: {"application_id": s.under_review}, form=lambda s: s.review_form
    ),
    # The reviewer or the secretariat: an admin reaches the route, not the application.
    "review.override": Write(
        frozenset({"secretariat"}),
        args=lambda s: {"application_id": s.eligible},
        form=lambda s: {"rule": s.rule, "outcome": "needs_review", "reason": "وثيقة ورقية"},
    ),
    "review.flag": Write(
        STAFF_HERE,
        args=lambda s: {"application_id": s.eligible},
        form=lambda s: {"reason": "للتحقق من العنوان"},
    ),
    "review.add_comment": Write(
        STAFF_HERE,
        args=lambda s: {"application_id": s.eligible},
        form=lambda s: {"body": "ملاحظة داخلية"},
    ),
    # Committees: deciders of the session's province. Opening a session for a province is a
    # choice of the form (the provinces one holds): deciders of the other province get it back.
    "committees.list_sessions": Write(
        DECIDERS_HERE,
        form=lambda s: {
            "call_id": s.committee_call,
            "province_id": s.province_id,
            "held_on": local_date().isoformat(),
            "members_present": "عامل الإقليم\nANAPEC",
        },
        refusals={"secretariat_elsewhere": FORM, "committee_member_elsewhere": FORM},
    ),
    "committees.decide": Write(
        DECIDERS_HERE,
        args=lambda s: {"session_id": s.session},
        form=lambda s: {
            "application_id": str(s.to_decide),
            "outcome": "approve",
            f"jobs_{s.to_decide}": "5",
        },
    ),
    "committees.close": Write(
        DECIDERS_HERE, args=lambda s: {"session_id": s.session}, form=lambda s: {"confirm": "y"}
    ),
    "reports.request_export": Write(
        STAFF, form=lambda s: {"call_id": s.demo_call, "format": "xlsx"}
    ),
    # The figures are the region's, counted whole: any secretariat may ask for a count now.
    "outcomes.request_refresh": Write(MANAGERS_HERE | {"secretariat_elsewhere"}),
    # Agreements.
    "agreements.upload_signed": Write(
        MEMBERS, args=lambda s: {"agreement_id": s.agreement}, form=lambda s: pdf("signed")
    ),
    "agreements_staff.confirm_signed": Write(
        MANAGERS_HERE, args=lambda s: {"agreement_id": s.agreement}
    ),
    "agreements_staff.amend": Write(
        MANAGERS_HERE,
        args=lambda s: {"agreement_id": s.agreement},
        form=lambda s: {"jobs": "6", "reason": "تعديل عدد العمال"},
    ),
    "agreements_staff.revoke": Write(
        MANAGERS_HERE,
        args=lambda s: {"agreement_id": s.agreement},
        form=lambda s: {"reason": "لم يبدأ الورش"},
    ),
    # Beneficiaries: the partner's members enrol and end on a signed agreement; the province's
    # secretariat (and the admin) validate or refuse.
    "beneficiaries.enrol": Write(
        MEMBERS,
        args=lambda s: {"agreement_id": s.signed},
        form=lambda s: enrol_form(s.commune_id, new_cin()),
    ),
    "beneficiaries.end_contract": Write(
        MEMBERS,
        args=lambda s: {"contract_id": s.to_end},
        form=lambda s: {"actual_end": "2027-05-31", "end_reason": "resigned"},
    ),
    "beneficiaries.replace": Write(
        MEMBERS,
        args=lambda s: {"contract_id": s.to_replace},
        form=lambda s: enrol_form(s.commune_id, new_cin(), start_date="2027-05-01"),
    ),
    "beneficiaries.import_workers": Write(
        MEMBERS,
        args=lambda s: {"agreement_id": s.signed},
        form=lambda s: {"file": (io.BytesIO(s.bad_workers_csv), "w.csv")},
    ),
    "beneficiaries.keep_valid_rows": Write(MEMBERS, args=lambda s: {"import_id": s.checked_import}),
    # Who sees the agreement's workers asks for its certificates in one ZIP.
    "beneficiaries.request_archive": Write(
        MEMBERS | STAFF_HERE, args=lambda s: {"agreement_id": s.signed}
    ),
    "beneficiaries_staff.validate": Write(
        MANAGERS_HERE, args=lambda s: {"contract_id": s.to_validate}
    ),
    "beneficiaries_staff.refuse": Write(
        MANAGERS_HERE,
        args=lambda s: {"contract_id": s.to_refuse},
        form=lambda s: {"reason": "خارج الفئة المستهدفة"},
    ),
    # A person is the secretariat's wherever they work (the person's page): corrected on request.
    "beneficiaries_staff.correct": Write(
        MANAGERS_HERE | {"secretariat_elsewhere"},
        args=lambda s: {"person_id": s.person},
        form=lambda s: person_form(s.commune_id),
    ),
    # Payroll: the province's secretariat decides a month of the grant flagged for review.
    "payroll_staff.decide": Write(
        MANAGERS_HERE,
        args=lambda s: {"instalment_id": s.flagged},
        form=lambda s: {f"i{s.flagged}-decision": "recover", f"i{s.flagged}-note": "غادر مبكرا"},
    ),
    # Monthly statements: the members open and fill, an editor (not the owner) submits, the
    # owner (never the submitter) certifies; the province's secretariat accepts or returns.
    "payroll.open_statement": Write(
        MEMBERS, args=lambda s: {"agreement_id": s.signed}, form=lambda s: {"period": "2026-10"}
    ),
    "payroll.statement": Write(
        MEMBERS,
        args=lambda s: {"statement_id": s.draft_statement},
        form=lambda s: {"lines-0-days_worked": "20", "lines-0-situation": "IL"},
    ),
    "payroll.submit": Write(
        frozenset({"editor"}), args=lambda s: {"statement_id": s.draft_statement}
    ),
    "payroll.certify": Write(OWNER, args=lambda s: {"statement_id": s.submitted_statement}),
    # A line the paying body rejected: the organisation's members correct the worker's details.
    "payroll.correct_line": Write(
        MEMBERS,
        args=lambda s: {"statement_id": s.rejected_statement, "line_id": s.rejected_line},
        form=lambda s: {
            "cnss_number": "123456789",
            "last_name_fr": "Alaoui",
            "first_name_fr": "Said",
        },
    ),
    "payroll_staff.accept": Write(
        MANAGERS_HERE, args=lambda s: {"statement_id": s.certified_statements[0]}
    ),
    "payroll_staff.return_statement": Write(
        MANAGERS_HERE,
        args=lambda s: {"statement_id": s.certified_statements[1]},
        form=lambda s: {"lines-0-reason": "غاب ثلاثة أيام", "note": ""},
    ),
    # Progress and final reports: the members open and write them (with photos), an editor
    # submits, the owner certifies; the province's secretariat accepts, returns and closes.
    "closeout.open_report": Write(
        MEMBERS,
        args=lambda s: {"application_id": s.signed_application},
        form=lambda s: {"phase": "5"},
    ),
    "closeout.report": Write(
        MEMBERS,
        args=lambda s: {"report_id": s.draft_report},
        form=lambda s: {"progress": "60", "language": "ar", "narrative": "أنجز الحفر"},
    ),
    "closeout.add_photo": Write(
        MEMBERS,
        args=lambda s: {"report_id": s.draft_report},
        form=lambda s: {"photo": (io.BytesIO(photo_bytes()), "site.jpg"), "caption": "الحفر"},
    ),
    "closeout.remove_photo": Write(
        MEMBERS, args=lambda s: {"report_id": s.draft_report, "photo_id": s.report_photo}
    ),
    "closeout.submit": Write(frozenset({"editor"}), args=lambda s: {"report_id": s.draft_report}),
    "closeout.certify": Write(OWNER, args=lambda s: {"report_id": s.submitted_report}),
    "closeout_staff.accept": Write(
        MANAGERS_HERE, args=lambda s: {"report_id": s.certified_reports[0]}
    ),
    "closeout_staff.return_report": Write(
        MANAGERS_HERE,
        args=lambda s: {"report_id": s.certified_reports[1]},
        form=lambda s: {"reason": "أضيفوا صور السياج"},
    ),
    "closeout_staff.close": Write(MANAGERS_HERE, args=lambda s: {"application_id": s.closing}),
    # Payroll files: the province's secretariat (and the admin) ask for a month's file (the
    # form's provinces are theirs: the other province's secretariat gets it back) and import
    # the returns of a file built.
    "payroll_staff.request_file": Write(
        MANAGERS_HERE,
        form=lambda s: {"province_id": s.province_id, "period": "2027-04"},
        refusals={"secretariat_elsewhere": FORM_AGAIN},
    ),
    "payroll_staff.import_returns": Write(
        MANAGERS_HERE,
        args=lambda s: {"file_id": s.payroll_file},
        form=lambda s: {"file": (io.BytesIO(s.returns_csv), "returns.csv")},
    ),
    # Field visits: the province's secretariat (and the admin) plan them, record them (a
    # member of its technical committee only the ones they inspect: not these), add photos and
    # mark a follow-up done.
    "monitoring_staff.plan_visit": Write(
        MANAGERS_HERE,
        args=lambda s: {"agreement_id": s.signed},
        form=lambda s: {"planned_on": local_date().isoformat(), "inspector": s.decider_id},
    ),
    "monitoring_staff.visit": Write(
        MANAGERS_HERE,
        args=lambda s: {"visit_id": s.to_record},
        form=lambda s: {
            "done_on": local_date().isoformat(),
            "declared": "1",
            "present": "0",
            "findings": "الورش متوقف",
            "photos": (io.BytesIO(phone_photo()), "photo.jpg"),
        },
    ),
    "monitoring_staff.add_photos": Write(
        MANAGERS_HERE,
        args=lambda s: {"visit_id": s.visited},
        form=lambda s: {"photos": (io.BytesIO(phone_photo()), "photo.jpg")},
    ),
    "monitoring_staff.close_follow_up": Write(
        MANAGERS_HERE, args=lambda s: {"visit_id": s.visited}
    ),
}

# Someone allowed sends each refused request once, in this order (each leaves what the next
# needs), on the first side unless told: (endpoint, who, side). "newcomer" is a new applicant
# account; "reviewer", "requester" (who the join link is for) and "invitee" are the side's own.
CONTROLS = [
    ("auth.logout", "newcomer", 0),
    ("auth.change_password", "newcomer", 0),
    ("auth.consent", "newcomer", 0),
    ("auth.close_account", "newcomer", 0),
    ("staff.toggle_staff", "admin", 0),
    ("emails.resend", "admin", 0),
    ("calls_admin.edit_call", "admin", 0),
    ("retention.purge", "admin", 0),
    ("organisations.create", "other_organisation", 0),
    ("organisations.edit", "editor", 0),
    ("organisations.upload_document", "editor", 0),
    ("organisations.invite", "owner", 0),
    ("organisations.decide_join_request", "owner", 0),
    ("organisations.join", "requester", 0),
    ("organisations.accept_invitation", "invitee", 0),
    ("applications.start", "owner", 0),
    ("applications.edit_step", "editor", 0),
    ("applications.upload_document", "editor", 0),
    ("applications.submit", "owner", 0),
    ("applications.withdraw", "owner", 0),
    ("review.flag", "committee_member", 0),
    ("review.add_comment", "technical_committee", 0),
    ("review.assign", "secretariat", 0),
    ("review.override", "secretariat", 0),
    ("applications_staff.request_changes", "secretariat", 1),
    ("review.review", "reviewer", 0),
    ("committees.decide", "committee_member", 0),
    ("committees.close", "secretariat", 0),
    ("committees.list_sessions", "committee_member", 0),
    ("reports.request_export", "secretariat_elsewhere", 0),
    ("outcomes.request_refresh", "secretariat", 0),
    ("agreements.upload_signed", "owner", 0),
    ("agreements_staff.confirm_signed", "secretariat", 0),
    ("agreements_staff.amend", "admin", 0),
    ("agreements_staff.revoke", "secretariat", 1),
    ("beneficiaries.enrol", "editor", 0),
    ("beneficiaries.end_contract", "editor", 0),
    ("beneficiaries.replace", "editor", 0),
    ("beneficiaries.import_workers", "editor", 0),
    ("beneficiaries.keep_valid_rows", "editor", 0),
    ("beneficiaries.request_archive", "owner", 0),
    ("beneficiaries_staff.validate", "secretariat", 0),
    ("beneficiaries_staff.refuse", "secretariat", 0),
    ("beneficiaries_staff.correct", "secretariat", 0),
    ("payroll_staff.decide", "secretariat", 0),
    ("payroll.open_statement", "editor", 0),
    ("payroll.statement", "editor", 0),
    ("payroll.submit", "editor", 0),
    ("payroll.certify", "owner", 0),
    ("payroll.correct_line", "editor", 0),
    ("payroll_staff.accept", "secretariat", 0),
    ("payroll_staff.return_statement", "secretariat", 0),
    ("payroll_staff.request_file", "secretariat", 0),
    ("payroll_staff.import_returns", "admin", 1),
    ("monitoring_staff.plan_visit", "secretariat", 0),
    ("monitoring_staff.visit", "secretariat", 0),
    ("monitoring_staff.add_photos", "admin", 0),
    ("monitoring_staff.close_follow_up", "secretariat", 1),
    ("closeout.open_report", "editor", 0),
    ("closeout.report", "editor", 0),
    ("closeout.add_photo", "owner", 0),
    ("closeout.remove_photo", "editor", 0),
    ("closeout.submit", "editor", 0),
    ("closeout.certify", "owner", 0),
    ("closeout_staff.accept", "secretariat", 0),
    ("closeout_staff.return_report", "admin", 1),
    ("closeout_staff.close", "secretariat", 0),
    ("organisations.remove_member", "owner", 0),
    ("organisations.transfer_ownership", "owner", 1),
]
PROVINCES = ("Sidi Ifni", "Tan-Tan")


def write_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]


def test_every_write_route_is_in_the_table(app):
    assert {rule.endpoint for rule in write_rules(app)} == set(WRITES)


def test_every_refused_write_has_a_control_by_someone_allowed():
    refused = {endpoint for endpoint, write in WRITES.items() if EVERYONE - write.allowed}
    controlled = [endpoint for endpoint, _who, _side in CONTROLS]
    assert sorted(controlled) == sorted(refused)
    for endpoint, who, _side in CONTROLS:
        assert who not in ROLES or who in WRITES[endpoint].allowed, endpoint


# The two sides: what each organisation holds, and the accounts of its province.


def province_id(name: str) -> int:
    return db.session.scalar(select(Province.id).filter_by(name_fr=name))


def build_side(app, province: str, committee_call: int) -> SimpleNamespace:
    owner, editor, requester, invitee, joiner = (create_user(app) for _ in range(5))
    organisation = create_organisation(app, owner, province=province)
    add_documents(app, organisation, owner)
    add_member(app, organisation, editor)
    reviewer = create_staff(app, "technical_committee", provinces=(province,))
    decider = create_staff(app, "committee_member", "secretariat", provinces=(province,))
    client = app.test_client()
    login(client, owner)
    applications = []
    for _ in range(3):
        application_id = complete_draft(app, client, organisation, province)
        assert submit(client, application_id).status_code == 302
        applications.append(application_id)
    submitted, eligible, under_review = applications
    draft = complete_draft(app, client, organisation, province)
    (approved,), _ = recommended_in(
        app, committee_call, province, 1, jobs=5, owner=owner, organisation=organisation
    )
    approve_in_session(app, [approved], province)
    (hiring,), _ = recommended_in(
        app, committee_call, province, 1, jobs=6, owner=owner, organisation=organisation
    )
    approve_in_session(app, [hiring], province)
    (closing,), _ = recommended_in(
        app, committee_call, province, 1, jobs=5, owner=owner, organisation=organisation
    )
    approve_in_session(app, [closing], province)
    (decided, to_decide), _ = recommended_in(
        app, committee_call, province, 2, jobs=5, owner=owner, organisation=organisation
    )
    with app.app_context():
        assert {
            db.session.get(Application, i).status for i in (submitted, eligible, under_review)
        } == {"eligible"}
        by = db.session.get(User, decider.id)
        session = committees.open_session(
            db.session.get(Application, decided).call,
            local_date(),
            ["ANAPEC"],
            by=by,
            province_id=province_id(province),
        )
        committees.decide(session, db.session.get(Application, decided), "approve", by=by)
        review.assign(
            db.session.get(Application, under_review),
            db.session.get(User, reviewer.id),
            by=by,
        )
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=approved))
        assert agreement.pdf_sha256 is not None  # issued (the worker is eager here)
        agreement_services.upload_signed(agreement, plain_pdf(), by=db.session.get(User, owner.id))
        signed = db.session.scalar(select(Agreement).filter_by(application_id=hiring))
        agreement_services.upload_signed(signed, plain_pdf(), by=db.session.get(User, owner.id))
        agreement_services.confirm_signed(signed, by=by)
        closed_out = db.session.scalar(select(Agreement).filter_by(application_id=closing))
        agreement_services.upload_signed(closed_out, plain_pdf(), by=db.session.get(User, owner.id))
        agreement_services.confirm_signed(closed_out, by=by)

        def worker_of(start: date, end: date):
            return beneficiaries.enrol(
                signed,
                new_cin(),
                person_details(province_commune(province)),
                kind="cdd",
                role="عامل",
                start_date=start,
                planned_end=end,
                monthly_wage=Decimal("3266.10"),
                by=db.session.get(User, editor.id),
            ).contract

        to_validate, to_refuse, to_end = (
            worker_of(date(2027, 3, 1), date(2027, 8, 31)) for _ in range(3)
        )
        # A month of the hiring grant paid before an early end, flagged for review.
        flagged = GrantInstalment(
            contract_id=to_end.id,
            month_no=1,
            period=date(2027, 3, 1),
            amount=Decimal("1500.00"),
            status=InstalmentStatus.REVIEW,
        )
        # One who left early, to replace (the editions allow it), whose certificate the worker
        # renders (eager here).
        to_replace = worker_of(date(2027, 3, 1), date(2027, 8, 31))
        beneficiaries.end_contract(
            to_replace, date(2027, 4, 30), "resigned", by=db.session.get(User, editor.id)
        )
        # A spreadsheet of two rows, one with an error: checked, its valid row to keep.
        checked_import = imports.request_import(
            signed,
            workers_csv(signed.id, province_commune(province), [new_cin(), "12AB"]),
            "workers.csv",
            by=db.session.get(User, editor.id),
        )
        # A worker of June to November 2026, validated: a month's statement in each state.
        beneficiaries.validate(worker_of(date(2026, 6, 1), date(2026, 11, 30)), by=by)
        month_statements = {}
        for month, state in ((6, "draft"), (7, "submitted"), (8, "certified"), (9, "certified")):
            statement = payroll.open_statement(
                signed, date(2026, month, 1), by=db.session.get(User, editor.id)
            )
            if state != "draft":
                payroll.submit(statement, by=db.session.get(User, editor.id))
            if state == "certified":
                payroll.certify(statement, by=db.session.get(User, owner.id))
            month_statements.setdefault(state, []).append(statement.id)
        # Field visits of the signed agreement: one planned, to record; one done with a
        # follow-up, to add photos to and mark done.
        today = local_date()
        to_record = visits.plan_visit(signed, today, by, by=by)
        visited = visits.plan_visit(signed, today, by, by=by)
        visits.record_visit(
            visited,
            visits.VisitRecord(today, 1, 1, follow_up="عرض لائحة الحضور", follow_up_due=today),
            by=by,
        )
        # The signed agreement's reports: its schedule declared from June 2025 for 18 months (six
        # phases, all begun): one being written with a photo, one submitted by the editor, two
        # certified; the fifth phase's to open. The other agreement, with no worker, has its
        # final report accepted: nothing keeps it from closing.
        signed.application.details = signed.application.details | {
            "planned_start": "2025-06-01",
            "duration_months": "18",
        }
        reports = {}
        for phase, state in ((1, "draft"), (2, "submitted"), (3, "certified"), (4, "certified")):
            report = WorkReport(
                application_id=hiring,
                province_id=province_id(province),
                phase=phase,
                period_start=date(2025, 6, 1),
                period_end=date(2026, 11, 30),
                status=state,
                narrative="أنجزت الأشغال",
                submitted_by_id=editor.id if state != "draft" else None,
                certified_by_id=owner.id if state == "certified" else None,
            )
            db.session.add(report)
            reports.setdefault(state, []).append(report)
        photo = WorkReportPhoto(
            sha256=put(photo_bytes()),
            content_type="image/jpeg",
            width=40,
            height=30,
            created_by_id=editor.id,
        )
        reports["draft"][0].photos.append(photo)
        db.session.add(
            WorkReport(
                application_id=closing,
                province_id=province_id(province),
                phase=FINAL,
                period_start=date(2026, 1, 1),
                period_end=date(2026, 6, 30),
                status=ReportStatus.ACCEPTED,
                narrative="انتهى الورش",
            )
        )
        # March's statement in a payroll file (built after the commit), April's waiting.
        march, _april = (
            accepted_statement(signed, [to_validate, to_refuse], period)
            for period in (date(2027, 3, 1), date(2027, 4, 1))
        )
        # May's line, sent and rejected by the paying body: the partner corrects it.
        (rejected_line,) = accepted_statement(signed, [to_validate], date(2027, 5, 1)).lines
        db.session.commit()
        here = db.session.get(Province, province_id(province))
        payroll_file = payroll_files.request_file(here, march.period, by=by)
        payroll_files.request_file(here, date(2027, 5, 1), by=by)
        rejected_line.outcome, rejected_line.reject_code = "rejected", "R12"
        join_request = JoinRequest(organisation_id=organisation.id, user_id=joiner.id)
        invitation = Invitation(
            organisation_id=organisation.id,
            email=invitee.email,
            token=f"invitation-{organisation.id}",
            invited_by_id=owner.id,
        )
        db.session.add_all([join_request, invitation, flagged])
        db.session.commit()
        eligible_application = db.session.get(Application, eligible)
        grid = eligible_application.call.edition.parameters.get("scoring", [])
        rules = eligible_application.submissions[-1].reports[-1].results
        side = SimpleNamespace(
            province=province,
            province_id=province_id(province),
            commune_id=db.session.get(Province, province_id(province)).communes[0].id,
            organisation_id=organisation.id,
            editor_id=editor.id,
            submitted=submitted,
            eligible=eligible,
            under_review=under_review,
            draft=draft,
            session=session.id,
            to_decide=to_decide,
            approved=approved,
            agreement=agreement.id,
            signed=signed.id,
            to_validate=to_validate.id,
            to_refuse=to_refuse.id,
            to_end=to_end.id,
            to_replace=to_replace.id,
            checked_import=checked_import.id,
            flagged=flagged.id,
            payroll_file=payroll_file.id,
            rejected_line=rejected_line.id,
            rejected_statement=rejected_line.statement_id,
            returns_csv=(
                "line_reference,outcome,amount_paid,reject_code,reject_reason\n"
                + "".join(f"L{line.id},paid,{line.wage_due},,\n" for line in march.lines)
            ).encode(),
            bad_workers_csv=workers_csv(signed.id, province_commune(province), ["12AB"]),
            person=to_end.person_id,
            to_record=to_record.id,
            visited=visited.id,
            signed_application=hiring,
            closing=closing,
            draft_report=reports["draft"][0].id,
            report_photo=photo.id,
            submitted_report=reports["submitted"][0].id,
            certified_reports=[r.id for r in reports["certified"]],
            draft_statement=month_statements["draft"][0],
            submitted_statement=month_statements["submitted"][0],
            certified_statements=month_statements["certified"],
            reviewer_id=reviewer.id,
            decider_id=decider.id,
            rule=rules[0]["rule"],
            join_request=join_request.id,
            invitation_token=invitation.token,
            join_token=join_token(organisation, db.session.get(User, requester.id)),
            review_form={"no_conflict": "y", "note": "ملف متكامل"}
            | {"recommendation": "recommend", "submit_review": "1"}
            | {f"score_{c['code']}": str(c["max"]) for c in grid}
            | {f"why_{c['code']}": "مستوفى" for c in grid},
        )
    side.worksite = worksite(app, side.province_id)
    side.users = {
        "owner": owner,
        "editor": editor,
        "requester": requester,
        "invitee": invitee,
        "reviewer": reviewer,
    } | {
        role: create_staff(app, role, provinces=(province,))
        for role in ("secretariat", "technical_committee", "committee_member")
    }
    return side


@pytest.fixture(scope="module")
def world(app):
    committee_call = new_call(app, {p: 200 for p in PROVINCES}, committee="provincial")
    sides = [build_side(app, province, committee_call) for province in PROVINCES]
    staff_to_toggle = create_staff(app, "secretariat")
    call_to_edit = new_call(app, {"Guelmim": 10})
    with app.app_context():
        failed = Notification(
            event_key=f"test-failed-{call_to_edit}",
            event="test",
            email=unique_email(),
            locale="ar",
            subject="…",
            body_text="…",
            body_html="…",
            status=DeliveryStatus.FAILED,
            last_error="550 no such mailbox",
        )
        db.session.add(failed)
        db.session.commit()
        shared = {
            "committee_call": committee_call,
            "demo_call": demo_call(app, 1).id,
            "guelmim": province_id("Guelmim"),
            "all_province_ids": [p.id for p in db.session.scalars(select(Province))],
            "edition_id": demo_call(app, 1).edition_id,
            "staff_to_toggle": staff_to_toggle.id,
            "call_to_edit": call_to_edit,
            "failed_email": failed.id,
        }
    for side in sides:
        vars(side).update(shared)
    world = SimpleNamespace(sides=sides, clients={}, tokens={})
    world.anonymous = app.test_client()
    world.admin = signed_in(app, create_staff(app, "admin"))
    return world


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def client_of(app, world, side: int, who: str):
    """The client of `who` for a request aimed at side `side` (signed in once, then kept)."""
    if who == "anonymous":
        return world.anonymous
    if who == "admin":
        return world.admin
    if who == "other_organisation":
        side, who = 1 - side, "owner"
    elif who.endswith("_elsewhere"):
        side, who = 1 - side, who.removesuffix("_elsewhere")
    key = (side, who)
    if key not in world.clients:
        world.clients[key] = signed_in(app, world.sides[side].users[who])
    return world.clients[key]


def token_of(world, client) -> str:
    if client not in world.tokens:
        page = "/account/login" if client is world.anonymous else "/account/"
        world.tokens[client] = csrf_token(client, page)
    return world.tokens[client]


def send(app, world, client, rule, write: Write, side: int):
    """`write`'s request on `rule`, aimed at side `side`, with `client`'s CSRF token."""
    target = world.sides[side]
    arguments = write.args(target)
    with app.test_request_context():
        url = url_for(rule.endpoint, **{k: arguments[k] for k in rule.arguments})
    form = write.form(target) | {"csrf_token": token_of(world, client)}
    files = any(isinstance(v, tuple) for v in form.values())
    method = next(m for m in ("POST", "PUT", "PATCH", "DELETE") if m in rule.methods)
    return url, client.open(
        url,
        method=method,
        data=form,
        content_type="multipart/form-data" if files else None,
    )


def test_no_role_a_write_route_refuses_changes_anything(app, world, figures):
    rules = write_rules(app)
    everyone = [
        client_of(app, world, side, role) for side in (0, 1) for role in sorted(ROLES)
    ]  # all signed in before the first fingerprint
    for client in everyone:
        token_of(world, client)
    # A request by itself writes nothing (no session or rate-limit column to leave out).
    before = fingerprint(app)
    for client in everyone:
        assert client.get("/" if client is world.anonymous else "/account/").status_code == 200
    assert changes(before, fingerprint(app)) == {}

    attempts, wrong = 0, []
    for rule in rules:
        write = WRITES[rule.endpoint]
        for side in (0, 1):
            for role in sorted(EVERYONE - write.allowed):
                client = client_of(app, world, side, role)
                url, response = send(app, world, client, rule, write, side)
                after = fingerprint(app)
                attempts += 1
                refusal = write.refusal_for(role)
                changed = changes(before, after)
                if not refusal.matches(response) or changed:
                    wrong.append(
                        f"{rule.endpoint} {url}, aimed at {PROVINCES[side]}, by {role}: "
                        f"{response.status_code} {response.headers.get('Location', '')} "
                        f"(expected {refusal.what}); tables changed: {changed or 'none'}"
                    )
                before = after
    figure = (
        f"{len(rules)} write routes × {len(ROLES)} roles, on each of 2 organisations in 2 "
        f"provinces: {attempts} refused attempts, database unchanged"
    )
    assert wrong == [], "\n".join(wrong)
    figures.append(figure)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for text, where in ((__doc__ or "", "this module's docstring"), (readme, "the README")):
        assert figure in " ".join(text.replace("**", "").split()), f"{where} should say: {figure}"


def test_a_decider_decides_nothing_off_the_sessions_agenda(app, world):
    """The decision form lists the agenda; a request naming an application of the same call
    and province that is not waiting for a decision (here approved in an earlier session, its
    agreement issued) is refused whole, and its jobs are not taken from the quota twice."""
    side = world.sides[1]  # its session stays open (the controls close the first side's)
    client = client_of(app, world, 1, "committee_member")
    forged = Write(
        DECIDERS_HERE,
        args=WRITES["committees.decide"].args,
        form=lambda s: (
            {"application_id": [str(s.to_decide), str(s.approved)]}
            | {"outcome": "approve", f"jobs_{s.approved}": "5"}
        ),
    )
    (rule,) = [r for r in write_rules(app) if r.endpoint == "committees.decide"]
    before = fingerprint(app)
    _url, response = send(app, world, client, rule, forged, 1)
    assert response.status_code == 404
    assert changes(before, fingerprint(app)) == {}
    with app.app_context():
        assert db.session.get(Application, side.approved).status == "agreement_issued"


def test_someone_allowed_sending_the_same_requests_changes_the_database(app, world):
    rules = {endpoint: [] for endpoint in WRITES}
    for rule in write_rules(app):
        rules[rule.endpoint].append(rule)
    unchanged = []
    for endpoint, who, side in CONTROLS:
        for rule in rules[endpoint]:
            if who == "newcomer":
                client = signed_in(app, create_user(app))
            else:
                client = client_of(app, world, side, who)
            token_of(world, client)
            before = fingerprint(app)
            url, response = send(app, world, client, rule, WRITES[endpoint], side)
            changed = changes(before, fingerprint(app))
            if response.status_code >= 400 or not changed:
                unchanged.append(f"{endpoint} {url} by {who}: {response.status_code}")
    assert unchanged == [], "\n".join(unchanged)

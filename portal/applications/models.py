from datetime import date, datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.calls.models import Call
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.geo.models import Province
from portal.organisations.models import Organisation
from portal.timeutil import utcnow


class Status(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    RECOMMENDED = "recommended"
    NOT_RECOMMENDED = "not_recommended"
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"
    AGREEMENT_ISSUED = "agreement_issued"
    AGREEMENT_SIGNED = "agreement_signed"
    AGREEMENT_REVOKED = "agreement_revoked"
    # The final report accepted, every statement settled, the certificates issued.
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    __labels__: ClassVar[dict] = {
        "draft": _l("Draft"),
        "submitted": _l("Submitted, being checked"),
        "eligible": _l("Eligible, waiting for review"),
        "ineligible": _l("Not eligible"),
        "in_review": _l("Under technical review"),
        "changes_requested": _l("Changes requested"),
        "recommended": _l("Recommended to the committee"),
        "not_recommended": _l("Not recommended"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "deferred": _l("Deferred to a later session"),
        "agreement_issued": _l("Agreement issued"),
        "agreement_signed": _l("Agreement signed"),
        "agreement_revoked": _l("Agreement revoked"),
        "closed": _l("Agreement closed"),
        "withdrawn": _l("Withdrawn"),
    }


class Application(db.Model):
    # The staff queue's default order (latest change first) read from an index, not sorted.
    __table_args__ = (
        Index("ix_application_updated_at_id", "updated_at", "id"),
        # The dashboard's longest wait per province and status: one probe each.
        Index(
            "ix_application_call_province_status_updated",
            "call_id",
            "province_id",
            "status",
            "updated_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    component: Mapped[int]
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT, index=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # the steps' answers, as typed
    declaration_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_submitted_at: Mapped[datetime | None]
    # When the agreement was closed out: the retention periods of personal data start here.
    closed_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    change_request: Mapped[str | None] = mapped_column(Text)
    change_deadline: Mapped[date | None]
    jobs_granted: Mapped[int | None]
    jobs_requested: Mapped[int | None]  # as submitted, for the dashboard's sums
    flag: Mapped[str | None] = mapped_column(Text)  # a staff flag, with its reason
    # The latest report's outcome (pass, fail, needs_review), kept for the staff queue's filter.
    eligibility_outcome: Mapped[str | None] = mapped_column(String(16), index=True)

    organisation: Mapped[Organisation] = relationship()
    call: Mapped[Call] = relationship()
    province: Mapped[Province] = relationship()
    submissions: Mapped[list["Submission"]] = relationship(
        back_populates="application", order_by="Submission.sequence"
    )


class StatusCount(db.Model):
    """Submitted applications of a call and province in one status, with their jobs: the
    dashboard's figures, kept by every transition in its transaction (lifecycle.transition), so a
    page reads a few rows whatever the number of applications."""

    __tablename__ = "application_count"

    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    applications: Mapped[int] = mapped_column(default=0)
    jobs_requested: Mapped[int] = mapped_column(default=0)
    jobs_granted: Mapped[int] = mapped_column(default=0)


class Submission(db.Model):
    """What was submitted, frozen: reports, reviews and agreements read this, never live rows."""

    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    sequence: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    data: Mapped[dict] = mapped_column(JSON)
    check_enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the receipts were written for the members (by the worker, after the submit's commit).
    receipts_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="submissions")
    reports: Mapped[list["EligibilityReport"]] = relationship(
        back_populates="submission", order_by="EligibilityReport.id"
    )


class EligibilityReport(db.Model):
    """One run of the rules on one submission; one per rule-set version."""

    __table_args__ = (UniqueConstraint("submission_id", "rules_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    rules_version: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))
    results: Mapped[list] = mapped_column(JSON)
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    # Staff overrides per rule: {rule: {outcome, reason, by, at}}; `outcome` is recomputed.
    overrides: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the members were told the result (by the worker, after the check's commit); set at
    # once when the check moved nothing and there is nothing to tell.
    result_sent_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="reports")

    def effective_results(self) -> list[dict]:
        """The rules' results with staff overrides applied (each keeps what the rule said)."""
        results = []
        for result in self.results:
            override = (self.overrides or {}).get(result["rule"])
            if override:
                result = {
                    **result,
                    "outcome": override["outcome"],
                    "override": override,
                    "rule_outcome": result["outcome"],
                }
            results.append(result)
        return results

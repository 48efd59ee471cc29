from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.core.jobs import JobColumns
from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.geo.models import Commune
from portal.organisations.models import Organisation
from portal.timeutil import utcnow


class Sex(LabelledEnum):
    FEMALE = "female"
    MALE = "male"

    __labels__: ClassVar[dict] = {"female": _l("Woman"), "male": _l("Man")}


class EducationLevel(LabelledEnum):
    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    BACCALAUREATE = "baccalaureate"
    VOCATIONAL = "vocational"
    HIGHER = "higher"

    __labels__: ClassVar[dict] = {
        "none": _l("No schooling or diploma"),
        "primary": _l("Primary school"),
        "secondary": _l("Secondary school, without the baccalaureate"),
        "baccalaureate": _l("Baccalaureate"),
        "vocational": _l("Vocational training diploma"),
        "higher": _l("Higher education diploma"),
    }


class ContractKind(LabelledEnum):
    CDD = "cdd"
    CDI = "cdi"

    __labels__: ClassVar[dict] = {
        "cdd": _l("Fixed-term contract (CDD)"),
        "cdi": _l("Permanent contract (CDI)"),
    }


class ContractStatus(LabelledEnum):
    PROPOSED = "proposed"  # enrolled by the partner, waiting for the secretariat
    VALIDATED = "validated"
    ENDED = "ended"
    REFUSED = "refused"

    __labels__: ClassVar[dict] = {
        "proposed": _l("Enrolled, waiting for validation"),
        "validated": _l("Validated"),
        "ended": _l("Ended"),
        "refused": _l("Refused"),
    }


# A contract that holds a job of its agreement and a period of its person's time.
HOLDING = (ContractStatus.PROPOSED, ContractStatus.VALIDATED)


class EndReason(LabelledEnum):
    COMPLETED = "completed"
    RESIGNED = "resigned"
    DISMISSED = "dismissed"
    DIED = "died"
    WORKSITE_STOPPED = "worksite_stopped"
    OTHER = "other"

    __labels__: ClassVar[dict] = {
        "completed": _l("Contract completed"),
        "resigned": _l("The worker resigned"),
        "dismissed": _l("The worker was dismissed"),
        "died": _l("The worker died"),
        "worksite_stopped": _l("The worksite stopped"),
        "other": _l("Another reason"),
    }


class Person(db.Model):
    """A worker or hire, once, whatever the contracts: known by the CIN, normalised (upper
    case, no spaces). Rural or urban is the commune's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cin: Mapped[str] = mapped_column(String(10), unique=True)
    last_name_ar: Mapped[str] = mapped_column(String(80))
    first_name_ar: Mapped[str] = mapped_column(String(80))
    last_name_fr: Mapped[str] = mapped_column(String(80))
    first_name_fr: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(String(6))
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), index=True)
    education_level: Mapped[str] = mapped_column(String(16))
    disability_card_no: Mapped[str | None] = mapped_column(String(30))  # where declared
    anapec_registration_date: Mapped[date | None]
    cnss_number: Mapped[str | None] = mapped_column(String(9), unique=True)  # once known
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # When the retention job anonymised it (portal/retention): what aggregates need is kept.
    purged_at: Mapped[datetime | None]

    commune: Mapped[Commune] = relationship()
    contracts: Mapped[list["Contract"]] = relationship(
        back_populates="person", order_by="Contract.start_date"
    )

    @property
    def is_urban(self) -> bool:
        return self.commune.is_urban


class Contract(db.Model):
    """One person's work contract under one agreement: the partner enrols it, the secretariat
    validates or refuses it, the partner ends it (early, with a reason). On PostgreSQL the
    migration adds the exclusion constraint `contract_one_active_per_person`: no two contracts
    of a person, refused ones aside, share a day (B1-UNIQUE-ACTIVE)."""

    __table_args__ = (
        CheckConstraint("start_date <= planned_end", name="planned_end_after_start"),
        CheckConstraint(
            "actual_end IS NULL OR actual_end >= start_date", name="actual_end_after_start"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # The version of the agreement it was enrolled on; its jobs are the application's.
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    component: Mapped[int]
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"))
    kind: Mapped[str] = mapped_column(String(3), default=ContractKind.CDD)
    role: Mapped[str] = mapped_column(String(200))
    post_index: Mapped[int | None]  # component 2: the agreement's post it fills
    start_date: Mapped[date]
    planned_end: Mapped[date]
    actual_end: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str | None] = mapped_column(Text)
    monthly_wage: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    replaced_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    status: Mapped[str] = mapped_column(String(10), default=ContractStatus.PROPOSED, index=True)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Worker eligibility as declared at the enrolment, and the report of the edition's rules
    # on it ({outcome, rules_version, results}: portal.eligibility.workers).
    target_group: Mapped[str | None] = mapped_column(String(40))
    proof_date: Mapped[date | None]
    cnss_last_declared_on: Mapped[date | None]
    eligibility: Mapped[dict | None] = mapped_column(JSON)

    person: Mapped[Person] = relationship(back_populates="contracts")
    agreement: Mapped[Agreement] = relationship()
    application: Mapped[Application] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def end(self) -> date:
        """The last day it holds: the actual end once known, else the planned one."""
        return self.actual_end or self.planned_end


class ImportStatus(LabelledEnum):
    QUEUED = "queued"  # waiting for the worker (to check, or to enrol the rows kept)
    RUNNING = "running"
    CHECKED = "checked"  # rows with errors: nothing enrolled, the partner decides
    DONE = "done"
    FAILED = "failed"

    __labels__: ClassVar[dict] = {
        "queued": _l("Waiting"),
        "running": _l("Running"),
        "checked": _l("Checked: some rows have errors"),
        "done": _l("Done"),
        "failed": _l("Failed"),
    }


class EnrolmentImport(db.Model):
    """A spreadsheet of workers uploaded by a partner's editor for one agreement: the file is
    kept in the row (the worker reads it from here), the report of each row when checked and
    enrolled (portal/beneficiaries/imports.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(String(120))
    format: Mapped[str] = mapped_column(String(4))  # xlsx or csv, from the content
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default=ImportStatus.QUEUED)
    keep_valid: Mapped[bool] = mapped_column(default=False)  # enrol the valid rows despite errors
    progress: Mapped[int] = mapped_column(default=0)  # percent
    rows: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship()


class Certificate(db.Model):
    """The end-of-worksite certificate of an ended contract with enough days (T-CERT): written
    in the transaction that ends the contract, its facts frozen in `content`, rendered once by
    the worker into the PDF whose sha256 is kept here; the sweep re-sends a render left undone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    verification_code: Mapped[str] = mapped_column(String(24), unique=True)
    content: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    render_enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    rendered_at: Mapped[datetime | None]
    # The retention job removed its PDF and the worker's name (the digest stays in `content`).
    purged_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship()


class CertificateArchive(JobColumns, db.Model):
    """Every certificate of an agreement's application ready when asked, in one ZIP built by the
    worker (portal/core/jobs.py: claimed once, swept when stuck); the page shows the progress
    to whoever asked, then the download."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    certificates: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))
    filename: Mapped[str | None] = mapped_column(String(120))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    agreement: Mapped[Agreement] = relationship()


# What a person's export holds (data_protection): every column of theirs but the bookkeeping.
PERSON_EXPORT_FIELDS = (
    "cin",
    "last_name_ar",
    "first_name_ar",
    "last_name_fr",
    "first_name_fr",
    "birth_date",
    "sex",
    "education_level",
    "disability_card_no",
    "anapec_registration_date",
    "cnss_number",
    "phone",
    "created_at",
)

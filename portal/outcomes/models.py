from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.labels import LabelledEnum
from portal.extensions import db
from portal.timeutil import utcnow

MONEY = Numeric(14, 2)


class Cut(LabelledEnum):
    """How a province's figures are broken down: by what the application says (the worksite's
    commune, component, edition, sector, the partner's legal form), by who the beneficiaries
    are (sex, age band, diploma, disability, rural or urban commune), and early exits by
    reason."""

    PROVINCE = "province"
    COMMUNE = "commune"
    COMPONENT = "component"
    EDITION = "edition"
    SECTOR = "sector"
    LEGAL_FORM = "legal_form"
    SEX = "sex"
    AGE_BAND = "age_band"
    EDUCATION = "education"
    DISABILITY = "disability"
    AREA = "area"
    EXIT_REASON = "exit_reason"

    __labels__: ClassVar[dict] = {
        "province": _l("Province"),
        "commune": _l("Commune of the worksite"),
        "component": _l("Component"),
        "edition": _l("Edition"),
        "sector": _l("Sector"),
        "legal_form": _l("Partner's legal form"),
        "sex": _l("Sex"),
        "age_band": _l("Age band"),
        "education": _l("Diploma"),
        "disability": _l("Disability"),
        "area": _l("Rural or urban"),
        "exit_reason": _l("Reason of the early exit"),
    }


# The cuts of what the application says: the funnel and the money are counted per value.
APPLICATION_CUTS = (Cut.COMMUNE, Cut.COMPONENT, Cut.EDITION, Cut.SECTOR, Cut.LEGAL_FORM)
# The cuts of the beneficiaries: people counted once per value, shares computed on the page.
PERSON_CUTS = (Cut.SEX, Cut.AGE_BAND, Cut.EDUCATION, Cut.DISABILITY, Cut.AREA)


class OutcomeFigure(db.Model):
    """The figures of one province for one value of one cut (`cut` "province", value "": the
    province's own), as the last refresh computed them at `computed_at`. Rebuilt whole by each
    refresh (portal/outcomes/services.py); read, never computed, by the pages."""

    __table_args__ = (UniqueConstraint("province_id", "cut", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    cut: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[int | None]  # the calls' quotas: for the province, component and edition
    approved: Mapped[int] = mapped_column(default=0)
    signed: Mapped[int] = mapped_column(default=0)
    started: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    active: Mapped[int] = mapped_column(default=0)
    early_exits: Mapped[int] = mapped_column(default=0)
    person_days: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
    wage_due: Mapped[Decimal] = mapped_column(MONEY, default=0)
    wage_paid: Mapped[Decimal] = mapped_column(MONEY, default=0)
    grant_due: Mapped[Decimal] = mapped_column(MONEY, default=0)
    grant_paid: Mapped[Decimal] = mapped_column(MONEY, default=0)
    # Visits made and required (portal/outcomes/visits.py): empty until monitoring provides them.
    visits_made: Mapped[int | None]
    visits_required: Mapped[int | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutcomeRefresh(db.Model):
    """The last refresh: when, in how long, from how many contracts, and the mark of the data
    it read (the last audit event and ledger entry, and the day), so that the beat task
    recomputes only when something changed or a day passed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    watermark: Mapped[str] = mapped_column(String(80))
    contracts: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)

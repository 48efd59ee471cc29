from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow


class OpenDataRelease(db.Model):
    """One computation of the public figures (the beat task's): the totals of the region, its
    provinces and sectors (already suppressed, with the names the pages show), and the open
    data files built from the same rows, with their digests for the HTTP cache. Pages read the
    latest; the previous one stays for the requests that began on it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    k_min: Mapped[int]  # the threshold in force when computed
    worksites: Mapped[int] = mapped_column(default=0)
    totals: Mapped[dict] = mapped_column(JSON)
    csv_sha256: Mapped[str] = mapped_column(String(64))
    json_sha256: Mapped[str] = mapped_column(String(64))
    # The files, read only by their own URLs (deferred: a page never loads them).
    csv_data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    json_data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class PublicWorksite(db.Model):
    """A worksite (component 1) or a partner's posts (component 2) as published: only what the
    schema lists (portal/opendata/schema.py), each count already replaced by None when hidden
    by the threshold. `position` orders a release's rows (province, sector, partner), so a page
    follows another by keyset."""

    __table_args__ = (
        Index("ix_public_worksite_release_province", "release_id", "province_id", "position"),
        Index("ix_public_worksite_release_sector", "release_id", "sector_code", "position"),
        Index("ix_public_worksite_release_commune", "release_id", "commune_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("open_data_release.id", ondelete="CASCADE"))
    position: Mapped[int]
    identifier: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300), default="")
    component: Mapped[int]
    edition_ar: Mapped[str] = mapped_column(String(120))
    edition_fr: Mapped[str] = mapped_column(String(120))
    partner_name_ar: Mapped[str] = mapped_column(String(200))
    partner_name_fr: Mapped[str] = mapped_column(String(200))
    partner_legal_form: Mapped[str] = mapped_column(String(16))
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"))
    province_ar: Mapped[str] = mapped_column(String(120))
    province_fr: Mapped[str] = mapped_column(String(120))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))  # its page's key
    commune_ar: Mapped[str] = mapped_column(String(120), default="")
    commune_fr: Mapped[str] = mapped_column(String(120), default="")
    sector_code: Mapped[str] = mapped_column(String(30), default="")
    sector_ar: Mapped[str] = mapped_column(String(120), default="")
    sector_fr: Mapped[str] = mapped_column(String(120), default="")
    amount_awarded: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    award_date: Mapped[date | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    jobs_approved: Mapped[int | None]
    jobs_created: Mapped[int | None]
    jobs_completed: Mapped[int | None]
    progress_percent: Mapped[int | None]
    progress_basis: Mapped[str] = mapped_column(String(16), default="")

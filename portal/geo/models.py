from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Region(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_ar: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))

    provinces: Mapped[list["Province"]] = relationship(
        back_populates="region", order_by="Province.id"
    )


class Province(db.Model):
    __table_args__ = (UniqueConstraint("region_id", "name_fr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name_ar: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))

    region: Mapped[Region] = relationship(back_populates="provinces")
    communes: Mapped[list["Commune"]] = relationship(
        back_populates="province", order_by="Commune.id"
    )


class Commune(db.Model):
    __table_args__ = (UniqueConstraint("province_id", "name_fr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    name_ar: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    is_urban: Mapped[bool]
    population_2014: Mapped[int | None]

    province: Mapped[Province] = relationship(back_populates="communes")

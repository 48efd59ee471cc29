"""Loading the reference geography from the region's communes file."""

import csv
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.geo.models import Commune, Province, Region

REGIONS = {"GON": ("كلميم واد نون", "Guelmim-Oued Noun")}


def load_communes(path: str | Path, *, region_code: str) -> Region:
    """Create or update the region, its provinces and communes from the CSV; idempotent."""
    name_ar, name_fr = REGIONS[region_code]
    region = db.session.scalar(select(Region).filter_by(code=region_code))
    if region is None:
        region = Region(code=region_code, name_ar=name_ar, name_fr=name_fr)
        db.session.add(region)
    provinces = {p.name_fr: p for p in region.provinces}
    communes = {(c.province.name_fr, c.name_fr): c for p in region.provinces for c in p.communes}

    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            province = provinces.get(row["province_fr"])
            if province is None:
                province = provinces[row["province_fr"]] = Province(
                    region=region, name_fr=row["province_fr"], name_ar=row["province_ar"]
                )
                db.session.add(province)
            province.name_ar = row["province_ar"]
            key = (row["province_fr"], row["commune_fr"])
            commune = communes.get(key)
            if commune is None:
                commune = communes[key] = Commune(province=province, name_fr=row["commune_fr"])
                db.session.add(commune)
            commune.name_ar = row["commune_ar"]
            commune.is_urban = row["kind"] == "urban"
            commune.population_2014 = (
                int(row["population_2014"]) if row["population_2014"] else None
            )
    return region


def provinces_with_commune_counts() -> list[tuple[Province, int]]:
    """Every province with its number of communes, in one query."""
    rows = db.session.execute(
        select(Province, func.count(Commune.id))
        .outerjoin(Commune)
        .group_by(Province.id)
        .order_by(Province.id)
    )
    return [(province, count) for province, count in rows]

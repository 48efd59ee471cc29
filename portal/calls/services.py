"""Editions and calls: loading an edition's data file, opening calls, their parameters."""

import tomllib
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from portal.audit.services import record
from portal.calls.models import Call, CallProvince, CommitteeLevel, Edition
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.geo.models import Commune, Province
from portal.timeutil import local_to_utc, utcnow

EDITIONS_DIR = Path(__file__).resolve().parents[2] / "editions"
# The region's 2022 targets (source document) and an EXAMPLE split across the provinces.
DEMO_TARGETS = {1: 3800, 2: 1000}
DEMO_SPLIT = {"Guelmim": 0.40, "Sidi Ifni": 0.25, "Tan-Tan": 0.20, "Assa-Zag": 0.15}
# Who signs for the authorities, by deciding committee (an example: each call sets its own).
DEFAULT_SIGNATORIES = {
    CommitteeLevel.REGIONAL: [
        {"ar": "والي جهة كلميم واد نون", "fr": "Le Wali de la région de Guelmim-Oued Noun"},
        {
            "ar": "المدير الجهوي للوكالة الوطنية لإنعاش التشغيل والكفاءات",
            "fr": "Le directeur régional de l'ANAPEC",
        },
    ],
    CommitteeLevel.PROVINCIAL: [
        {"ar": "رئيس المجلس الإقليمي", "fr": "Le président du conseil provincial"},
        {
            "ar": "المدير الجهوي للوكالة الوطنية لإنعاش التشغيل والكفاءات",
            "fr": "Le directeur régional de l'ANAPEC",
        },
    ],
}


def parse_signatories(text: str) -> list[dict]:
    """One signatory per line: "capacity in Arabic | capacity in French", then, once known,
    "| the person's name"."""
    signatories = []
    for line in text.splitlines():
        if line.strip():
            ar, fr, name = ([*(part.strip() for part in line.split("|", 2)), "", ""])[:3]
            signatory = {"ar": ar, "fr": fr}
            if name:
                signatory["name"] = name
            signatories.append(signatory)
    return signatories


def format_signatories(signatories: list[dict]) -> str:
    return "\n".join(
        " | ".join((s["ar"], s["fr"], *([s["name"]] if s.get("name") else []))) for s in signatories
    )


def load_edition(path: str | Path) -> Edition:
    """Create or update an edition from its TOML data file; the file is the reference."""
    path = Path(path)
    if not path.suffix:
        path = EDITIONS_DIR / f"{path}.toml"
    with open(path, "rb") as handle:
        parameters = tomllib.load(handle)
    edition = db.session.scalar(select(Edition).filter_by(code=parameters["code"]))
    if edition is None:
        edition = Edition(code=parameters["code"])
        db.session.add(edition)
    edition.name_ar, edition.name_fr = parameters["name_ar"], parameters["name_fr"]
    edition.parameters = parameters
    return edition


class QuotaExceeded(Exception):
    """The province's quota has fewer jobs left than asked; nothing was written."""

    def __init__(self, remaining: int, asked: int):
        super().__init__(remaining, asked)
        self.remaining, self.asked = remaining, asked


def lock_ledger(call_id: int, province_id: int) -> CallProvince | None:
    """The (call, province) quota ledger row, locked (SELECT ... FOR UPDATE) until the commit:
    whoever reads what a decision held before changing it reads it after taking this."""
    return db.session.scalar(
        select(CallProvince)
        .options(lazyload(CallProvince.province))  # lock the ledger row alone, no join
        .filter_by(call_id=call_id, province_id=province_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as locked, not as first loaded
    )


def take_jobs(call_id: int, province_id: int, *, granted: int, released: int = 0) -> None:
    """Move the (call, province) ledger from `released` jobs to `granted` ones: every decision
    that grants jobs (an approval, an amendment) passes here, the ledger row locked until the
    commit. Past the quota nothing is changed and QuotaExceeded raised, however many decide at
    once; a caller that wrote before asking rolls back its unit of work."""
    ledger = lock_ledger(call_id, province_id)
    delta = granted - released
    # The row is locked above (PostgreSQL); the conditional update also holds on SQLite,
    # where two writers cannot both pass the check.
    changed = db.session.execute(
        update(CallProvince)
        .where(
            CallProvince.call_id == call_id,
            CallProvince.province_id == province_id,
            CallProvince.committed_jobs + delta <= CallProvince.quota_jobs,
        )
        .values(committed_jobs=CallProvince.committed_jobs + delta)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        remaining = ledger.remaining_jobs + released if ledger else 0
        raise QuotaExceeded(remaining, granted)


def visible_calls() -> list[Call]:
    """Calls open now or opening soon, for the public list."""
    now = utcnow()
    return db.session.scalars(
        select(Call).where(Call.closes_at >= now).order_by(Call.opens_at, Call.id)
    ).all()


def save_call(call: Call | None, data: dict, quotas: dict[int, int], *, by) -> Call:
    """Create or change a call: edition, component, titles, times (local), committee, quotas."""
    creating = call is None
    call = call or Call()
    call.edition_id = data["edition_id"]
    call.component = int(data["component"])
    call.title_ar, call.title_fr = data["title_ar"], data["title_fr"]
    call.opens_at = local_to_utc(data["opens_at"])
    call.closes_at = local_to_utc(data["closes_at"])
    call.committee_level = data["committee_level"]
    call.signatories = parse_signatories(data["signatories"])
    call.provinces = [
        CallProvince(province_id=pid, quota_jobs=quota) for pid, quota in quotas.items() if quota
    ]
    db.session.add(call)
    db.session.flush()
    record(
        "call.created" if creating else "call.updated",
        actor=by,
        obj=call,
        after={
            "component": call.component,
            "opens_at": call.opens_at,
            "closes_at": call.closes_at,
            "quotas": {str(k): v for k, v in quotas.items()},
        },
    )
    return call


def call_parameters(call: Call, kinds=None) -> dict:
    """Everything about the call that a submission freezes: dates, places, the edition."""
    province_ids = [p.province_id for p in call.provinces]
    communes: dict[int, list[int]] = {pid: [] for pid in province_ids}
    for commune_id, province_id in db.session.execute(
        select(Commune.id, Commune.province_id).where(Commune.province_id.in_(province_ids))
    ):
        communes[province_id].append(commune_id)
    if kinds is None:
        kinds = db.session.scalars(select(DocumentKind)).all()
    return {
        "id": call.id,
        "component": call.component,
        "opens_at": call.opens_at.isoformat(),
        "closes_at": call.closes_at.isoformat(),
        "committee_level": call.committee_level,
        "provinces": {
            str(p.province_id): {"quota": p.quota_jobs, "commune_ids": communes[p.province_id]}
            for p in call.provinces
        },
        "edition": call.edition.parameters,
        "document_kinds": {k.code: {"ar": k.name_ar, "fr": k.name_fr} for k in kinds},
    }


def seed_demo_calls() -> list[Call]:
    """Open demo calls for both components with the region's 2022 targets (split: example)."""
    edition = load_edition("awrach1_2022")
    load_edition("awrach2_2023")
    provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
    calls = []
    titles = {
        1: (
            "طلب مشاريع الأوراش العامة المؤقتة (تجريبي)",
            "Appel à projets : chantiers publics temporaires (démo)",
        ),
        2: (
            "طلب مشاريع دعم الإدماج المستدام (تجريبي)",
            "Appel à projets : insertion durable (démo)",
        ),
    }
    now = utcnow()
    for component, target in DEMO_TARGETS.items():
        call = db.session.scalar(
            select(Call).filter_by(component=component, title_fr=titles[component][1])
        )
        if call is None:
            call = Call(
                edition=edition,
                component=component,
                title_ar=titles[component][0],
                title_fr=titles[component][1],
            )
            db.session.add(call)
        call.opens_at = now - timedelta(days=1)
        call.closes_at = now + timedelta(days=60)
        call.committee_level = (
            CommitteeLevel.PROVINCIAL if component == 1 else CommitteeLevel.REGIONAL
        )
        call.signatories = DEFAULT_SIGNATORIES[call.committee_level]
        call.provinces = [
            CallProvince(province_id=p.id, quota_jobs=round(target * DEMO_SPLIT.get(p.name_fr, 0)))
            for p in provinces
        ]
        calls.append(call)
    return calls

"""The open data's schema, version 1: every field of the CSV and JSON files, in their order,
with its type and meaning (shown on /open-data/ in both languages). Fields follow the 360Giving
Data Standard where it has one (Identifier, Title, Recipient Org, Amount Awarded, Currency,
Award Date, Planned Dates, Beneficiary Location, Grant Programme, Last Modified) and its rule
for grants to individuals: no worker is ever named, and places go no finer than the commune.
A new field goes at the end; a field changed or removed is a new version (/open-data/v2/)."""

from flask_babel import lazy_gettext as _l

VERSION = "v1"
THRESHOLD_NOTE = _l("empty when the threshold hides it")
FIELDS = (
    ("identifier", "string", _l("The agreement's number: the grant's identifier, stable.")),
    (
        "title",
        "string",
        _l("The worksite's title as its agreement states it (component 1); empty for component 2."),
    ),
    ("component", "integer", _l("1: temporary public works; 2: sustainable integration grant.")),
    ("edition_ar", "string", _l("The programme's edition, in Arabic.")),
    ("edition_fr", "string", _l("The programme's edition, in French.")),
    (
        "partner_name_ar",
        "string",
        _l("The partner (an association, cooperative or company, a legal entity), in Arabic."),
    ),
    ("partner_name_fr", "string", _l("The partner, in French.")),
    ("partner_legal_form", "string", _l("association, cooperative or company.")),
    ("province_ar", "string", _l("The province, in Arabic.")),
    ("province_fr", "string", _l("The province, in French.")),
    (
        "commune_ar",
        "string",
        _l("The worksite's commune, in Arabic (component 1; empty for component 2)."),
    ),
    ("commune_fr", "string", _l("The worksite's commune, in French.")),
    (
        "sector_code",
        "string",
        _l("The worksite's sector, as a code of the edition (component 1; empty for component 2)."),
    ),
    ("sector_ar", "string", _l("The sector, in Arabic.")),
    ("sector_fr", "string", _l("The sector, in French.")),
    ("currency", "string", _l("The currency of the amount: MAD (ISO 4217).")),
    (
        "amount_awarded",
        "number",
        _l(
            "What the agreement commits: the workers' pay (component 1) or the hiring grant (component 2)."
        ),
    ),
    ("award_date", "date", _l("The day the committee decided (YYYY-MM-DD).")),
    (
        "start_date",
        "date",
        _l("The first contract's start, or the planned start before any contract."),
    ),
    ("end_date", "date", _l("The last contract's end, or the planned end before any contract.")),
    ("jobs_approved", "integer", _l("Jobs the committee approved; %(note)s.", note=THRESHOLD_NOTE)),
    ("jobs_approved_below_threshold", "boolean", _l("true when jobs_approved is hidden.")),
    (
        "jobs_created",
        "integer",
        _l(
            "Jobs created: distinct posts with at least one month declared with days worked in an accepted or paid statement; %(note)s.",
            note=THRESHOLD_NOTE,
        ),
    ),
    ("jobs_created_below_threshold", "boolean", _l("true when jobs_created is hidden.")),
    (
        "jobs_completed",
        "integer",
        _l("Contracts ended as completed; %(note)s.", note=THRESHOLD_NOTE),
    ),
    ("jobs_completed_below_threshold", "boolean", _l("true when jobs_completed is hidden.")),
    ("progress_percent", "integer", _l("Progress, 0 to 100.")),
    (
        "progress_basis",
        "string",
        _l(
            "reports: from the accepted progress reports; time_elapsed: the days gone between the start and the end."
        ),
    ),
    ("last_modified", "datetime", _l("When these figures were computed (UTC).")),
)
NAMES = tuple(name for name, _type, _meaning in FIELDS)

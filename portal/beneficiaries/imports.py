"""Enrolment from a spreadsheet: a partner's editor uploads an XLSX or CSV file of workers for a
signed agreement; the worker checks every row with the enrolment form's own validation, in
Arabic and in French, and enrols them through `services.enrol` only when no row has an error,
or when the editor chose to keep the valid rows.

The request keeps the file in a row (`EnrolmentImport`) and commits; the task reads it from
there. Safe to run twice: the row is claimed before the work, and a row whose person is already
enrolled on this agreement is reported as such, never enrolled again (a re-upload of the same
file included). A refusal because the person is under contract elsewhere never says where.
"""

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import islice

from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.access import can, policy
from portal.agreements.models import Agreement
from portal.audit.services import record
from portal.auth.models import User
from portal.beneficiaries import services
from portal.beneficiaries.forms import EnrolForm
from portal.beneficiaries.models import (
    Contract,
    ContractKind,
    ContractStatus,
    EducationLevel,
    EnrolmentImport,
    ImportStatus,
    Person,
    Sex,
)
from portal.core import jobs
from portal.core.spreadsheets import cells
from portal.core.uow import after_commit
from portal.documents.inspection import HTML
from portal.eligibility.workers import groups_of
from portal.extensions import db
from portal.geo.models import Province
from portal.i18n import localized, text_direction
from portal.timeutil import utcnow

TASK = "run_enrolment_import"
LANGUAGES = ("ar", "fr")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_UNZIPPED = 40 * 1024 * 1024  # an XLSX is a zip: no more than this once inflated
BATCH = 50
EXAMPLE_CIN = "AB000000"  # the template's example row, skipped on import
# The columns, in the template's order: the enrolment form's fields (their labels are the
# headers), the commune by name, the role (component 1) or the post (component 2).
PERSON_COLUMNS = ("cin", *services.PERSON_FIELDS)
CONTRACT_COLUMNS = ("kind", "start_date", "planned_end", "monthly_wage")
# What the worker rules read: the target group (its code or its name) and the proofs' dates.
ELIGIBILITY_COLUMNS = ("target_group", "proof_date", "cnss_last_declared_on")
DATE_COLUMNS = ("birth_date", "anapec_registration_date", "start_date", "planned_end")
DATE_COLUMNS += ("proof_date", "cnss_last_declared_on")
CODED = {"sex": Sex, "education_level": EducationLevel, "kind": ContractKind}
REQUIRED_COLUMNS = ("cin", "birth_date", "start_date", "planned_end")
DATE_TEXT = (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), re.compile(r"^\d{4}-\d\d-\d\d$"))
NOTES = {
    "cin": _l("One or two letters, then up to six digits, like AB123456."),
    "last_name_ar": _l("In Arabic letters."),
    "first_name_ar": _l("In Arabic letters."),
    "last_name_fr": _l("In Latin letters."),
    "first_name_fr": _l("In Latin letters."),
    "birth_date": _l("A date cell, or a day written 31/12/1998."),
    "commune_id": _l("The commune's name as the portal writes it, in Arabic or in French."),
    "disability_card_no": _l("Only if the person declares a disability and agrees to give it."),
    "anapec_registration_date": _l("Optional. A date, like 31/12/2024."),
    "cnss_number": _l("Optional. 9 digits."),
    "phone": _l("Optional. A Moroccan number, like 0612345678."),
    "role": _l("The work the person does on the worksite."),
    "post_index": _l("The post's title, as in the agreement."),
    "start_date": _l("A date, like 01/03/2027."),
    "planned_end": _l("A date on or after the start; at most five years later."),
    "monthly_wage": _l("In MAD, at least the minimum wage in force on the start date."),
    "target_group": _l(
        "The target group's name as the enrolment form lists it (required for component 2)."
    ),
    "proof_date": _l("The date of the target group's proof, if it needs one."),
    "cnss_last_declared_on": _l("As the CNSS statement says, if the target group needs it."),
}


class ImportRefused(Exception):
    """The upload is not a spreadsheet we read. `reason`: empty, too_large, type, macros,
    unreadable, encoding, no_header, missing_columns, no_rows, too_many_rows."""

    def __init__(self, reason: str, **values):
        super().__init__(reason, values)
        self.reason, self.values = reason, values


# Access


@policy(EnrolmentImport, actions=("view", "keep"))
def import_policy(user: User, action: str, upload: EnrolmentImport) -> bool:
    """The agreement's organisation's editors; staff never (the file holds full CINs and
    disability numbers). Keeping the valid rows: while checked, on a signed agreement."""
    agreement = upload.agreement
    if user.is_staff or not can(user, "edit", agreement.application.organisation):
        return False
    if action == "view":
        return True
    return upload.status == ImportStatus.CHECKED and can(user, "enrol", agreement)


# The columns and the template


def columns(agreement: Agreement) -> tuple[str, ...]:
    post_or_role = "post_index" if services.posts_of(agreement) else "role"
    return (*PERSON_COLUMNS, post_or_role, *CONTRACT_COLUMNS, *ELIGIBILITY_COLUMNS)


def _groups(agreement: Agreement) -> dict[str, dict]:
    application = agreement.application
    return groups_of(application.call.edition.parameters, application.component)


def _blank_form(agreement: Agreement, provinces=(), formdata=None) -> EnrolForm:
    """The enrolment form as the page builds it, filled from a row."""
    form = EnrolForm(formdata=formdata or MultiDict(), meta={"csrf": False})
    form.set_choices(provinces, services.posts_of(agreement))
    form.set_target_groups(_groups(agreement), required=agreement.application.component == 2)
    return form


def headers(agreement: Agreement) -> dict[str, str]:
    """Each column's header in the language in force: the enrolment form's label."""
    form = _blank_form(agreement)
    return {key: str(form[key].label.text) for key in columns(agreement)}


def _allowed(key: str, agreement: Agreement) -> str:
    if key in CODED:
        return " / ".join(str(member.lazy_label) for member in CODED[key])
    if key == "post_index":
        return " / ".join(post["title"] for post in services.posts_of(agreement))
    return str(NOTES.get(key, ""))


def template(agreement: Agreement) -> bytes:
    """The workbook to fill, in the language in force: the headers, an example row (skipped on
    import), and a notes sheet explaining each column and its allowed values."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Workers"))
    rtl = text_direction() == "rtl"
    sheet.sheet_view.rightToLeft = rtl
    titles = headers(agreement)
    sheet.append(cells(sheet, list(titles.values())))
    sheet.append(cells(sheet, [_example(key, agreement) for key in titles]))
    notes = book.create_sheet(gettext("Notes"))
    notes.sheet_view.rightToLeft = rtl
    notes.append(cells(notes, [gettext("Column"), gettext("Required"), gettext("What to write")]))
    form = _blank_form(agreement)
    for key, title in titles.items():
        required = key in REQUIRED_COLUMNS or any(
            getattr(v, "field_flags", {}).get("required") for v in form[key].validators
        )
        notes.append(
            cells(
                notes,
                [title, gettext("Yes") if required else gettext("No"), _allowed(key, agreement)],
            )
        )
    notes.append(cells(notes, []))
    for line in (
        gettext("Keep the first row of headers; write one worker a row, from the third row on."),
        gettext("The example row, CIN %(cin)s, is skipped on import.", cin=EXAMPLE_CIN),
        gettext("A CSV file in UTF-8 with the same headers, separated by ; or , is read too."),
        ngettext("At most %(num)d row a file.", "At most %(num)d rows a file.", MAX_ROWS),
    ):
        notes.append(cells(notes, [line]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _example(key: str, agreement: Agreement):
    posts = services.posts_of(agreement)
    values = {
        "cin": EXAMPLE_CIN,
        "last_name_ar": "العلوي",
        "first_name_ar": "سعيد",
        "last_name_fr": "Alaoui",
        "first_name_fr": "Said",
        "birth_date": date(1996, 4, 2),
        "sex": str(Sex.MALE.lazy_label),
        "commune_id": localized(agreement.application.province.communes[0])
        if agreement.application.province.communes
        else "",
        "education_level": str(EducationLevel.SECONDARY.lazy_label),
        "kind": str(ContractKind.CDD.lazy_label),
        "role": gettext("Worksite worker"),
        "post_index": posts[0]["title"] if posts else "",
        "start_date": date(2027, 3, 1),
        "planned_end": date(2027, 8, 31),
        "monthly_wage": "3266.10",
    }
    return values.get(key, "")


# Reading a file


def _key(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


def inspect(data: bytes) -> str:
    """xlsx or csv, decided by the content (never the name), or ImportRefused."""
    if not data:
        raise ImportRefused("empty")
    if len(data) > MAX_BYTES:
        raise ImportRefused("too_large")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = archive.infolist()
        except zipfile.BadZipFile as e:
            raise ImportRefused("unreadable") from e
        names = {entry.filename for entry in entries}
        if "xl/workbook.xml" not in names:
            raise ImportRefused("type")
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise ImportRefused("macros")
        if len(entries) > 500 or sum(entry.file_size for entry in entries) > MAX_UNZIPPED:
            raise ImportRefused("too_large")
        return "xlsx"
    if b"\x00" in data or HTML.search(data) or data.startswith((b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ImportRefused("type")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportRefused("encoding") from e
    return "csv"


def _table(data: bytes, fmt: str) -> list[list]:
    if fmt == "xlsx":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + 50:
                    break
            book.close()
        except Exception as e:  # openpyxl's errors on a damaged file vary
            raise ImportRefused("unreadable") from e
        return rows
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(islice(csv.reader(io.StringIO(text), delimiter=delimiter), MAX_ROWS + 50))


def read(data: bytes, fmt: str, agreement: Agreement) -> list[tuple[int, dict]]:
    """The file's rows as (line number, {column: cell value}), the header row matched in either
    language (or by the column's code); the example row and empty rows left out."""
    table = _table(data, fmt)
    wanted = columns(agreement)
    names = {key: key for key in wanted}
    for language in LANGUAGES:
        with force_locale(language):
            names |= {_key(title): key for key, title in headers(agreement).items()}
    header_at = next((i for i, row in enumerate(table) if any(_key(v) for v in row)), None)
    if header_at is None:
        raise ImportRefused("no_rows")
    positions = {}
    for at, title in enumerate(table[header_at]):
        key = names.get(_key(title))
        if key and key not in positions.values():
            positions[at] = key
    if not positions:
        raise ImportRefused("no_header")
    missing = [key for key in wanted if key not in positions.values()]
    if missing:
        raise ImportRefused("missing_columns", columns=missing)
    rows = []
    for number, row in enumerate(table[header_at + 1 :], start=header_at + 2):
        values = {key: row[at] if at < len(row) else None for at, key in positions.items()}
        if not any(_key(v) for v in values.values()):
            continue
        if services.normalise_cin(str(values.get("cin") or "")) == EXAMPLE_CIN:
            continue
        rows.append((number, values))
    if not rows:
        raise ImportRefused("no_rows")
    if len(rows) > MAX_ROWS:
        raise ImportRefused("too_many_rows", num=MAX_ROWS)
    return rows


# The rows as the enrolment form takes them


class _Choices:
    """Labels (in either language) and codes to the form's values, built once a run."""

    def __init__(self, agreement: Agreement, provinces: list[Province]):
        self.coded = {}
        for key, enum in CODED.items():
            self.coded[key] = {}
            for member in enum:
                self.coded[key][_key(member.value)] = member.value
                for language in LANGUAGES:
                    with force_locale(language):
                        self.coded[key][_key(member.lazy_label)] = member.value
        self.communes, seen = {}, set()
        for province in provinces:
            for commune in province.communes:
                self.communes[str(commune.id)] = str(commune.id)
                for name in (commune.name_ar, commune.name_fr):
                    name = _key(name)
                    if name in seen:  # the same name in two provinces: not by name
                        self.communes[name] = "-1"
                    else:
                        self.communes[name] = str(commune.id)
                    seen.add(name)
        self.posts = {
            _key(post["title"]): str(at) for at, post in enumerate(services.posts_of(agreement))
        }
        self.groups = {}
        for code, group in _groups(agreement).items():
            for name in (code, *(group.get(language, "") for language in LANGUAGES)):
                if name:
                    self.groups[_key(name)] = code

    def formdata(self, values: dict) -> MultiDict:
        data = MultiDict()
        for key, value in values.items():
            data[key] = self.text(key, value)
        return data

    def text(self, key: str, value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer() and key != "monthly_wage":
            value = int(value)
        text = str(value).strip()
        if key in DATE_COLUMNS:
            match = DATE_TEXT[0].match(text)
            if match:
                day, month, year = match.groups()
                return f"{year}-{int(month):02d}-{int(day):02d}"
        if key in CODED:
            return self.coded[key].get(_key(text), text)
        if key == "commune_id" and text:
            return self.communes.get(_key(text), "-1")
        if key == "post_index" and text:
            return self.posts.get(_key(text), "-1")
        if key == "target_group" and text:
            return self.groups.get(_key(text), text)
        if key == "monthly_wage" and text:
            try:
                return str(Decimal(text.replace(" ", "").replace(",", ".")))
            except InvalidOperation:
                return text
        return text


def _check(agreement, provinces, choices, values) -> tuple[dict[str, dict], EnrolForm | None]:
    """The row through the enrolment form in each language: {column: {language: message}},
    and the form (valid) to enrol from."""
    errors: dict[str, dict] = {}
    valid_form = None
    for language in LANGUAGES:
        with force_locale(language):
            form = _blank_form(agreement, provinces, choices.formdata(values))
            if form.validate():
                valid_form = form
            for key, messages in form.errors.items():
                errors.setdefault(key, {})[language] = " ".join(str(m) for m in messages)
    return errors, (None if errors else valid_form)


# The import


def request_import(agreement: Agreement, data: bytes, filename: str, *, by: User):
    """Keep the upload (already inspected and read) in a row; the worker checks it after the
    commit."""
    fmt = inspect(data)
    rows = read(data, fmt, agreement)
    upload = EnrolmentImport(
        agreement_id=agreement.id,
        uploaded_by_id=by.id,
        filename=(filename or f"workers.{fmt}")[-120:],
        format=fmt,
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(rows),
        report={},
    )
    db.session.add(upload)
    db.session.flush()
    record(
        "contract.import_requested",
        actor=by,
        obj=upload,
        organisation_id=agreement.application.organisation_id,
        after={"agreement": agreement.number, "rows": len(rows), "sha256": upload.sha256},
    )
    after_commit(TASK, upload.id)
    return upload


def keep_valid_rows(upload: EnrolmentImport, *, by: User) -> None:
    """The editor enrols the rows without errors: the worker takes the import again."""
    upload.status, upload.keep_valid, upload.progress = ImportStatus.QUEUED, True, 0
    record("contract.import_kept", actor=by, obj=upload)
    after_commit(TASK, upload.id)


def enrolled_here(agreement: Agreement, cin: str) -> bool:
    """The person of `cin` already holds a contract (not refused) on this agreement's
    application: a second run or a second upload of the row."""
    return (
        db.session.scalar(
            select(Contract.id)
            .join(Contract.person)
            .where(
                Contract.application_id == agreement.application_id,
                Contract.status != ContractStatus.REFUSED,
                Person.cin == cin,
            )
            .limit(1)
        )
        is not None
    )


def _both(message) -> dict:
    out = {}
    for language in LANGUAGES:
        with force_locale(language):
            out[language] = str(message())
    return out


def run(import_id: int) -> Iterator[str]:
    """Claim the import, check each row, then enrol the valid ones if no row has an error or
    the editor kept them; the task commits after each step yielded (the claim, each batch), so
    the page shows the progress. Yields 'skipped' only when the import is not waiting."""
    from portal.beneficiaries.views import refusal_message  # the one-by-one form's wording

    if not jobs.claim(EnrolmentImport, import_id, pending=ImportStatus.QUEUED):
        yield "skipped"
        return
    yield "running"
    upload = db.session.get(EnrolmentImport, import_id)
    agreement = upload.agreement
    by = db.session.get(User, upload.uploaded_by_id)
    try:
        rows = read(upload.content, upload.format, agreement)
    except ImportRefused as refusal:
        upload.status, upload.finished_at = ImportStatus.FAILED, utcnow()
        upload.report = {"refused": refusal.reason}
        yield "done"
        return
    provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
    choices = _Choices(agreement, provinces)
    errors, valid, first_line = [], [], {}
    for at, (line, values) in enumerate(rows, start=1):
        row_errors, form = _check(agreement, provinces, choices, values)
        cin = services.normalise_cin(str(values.get("cin") or ""))
        if not row_errors and cin in first_line:
            row_errors["cin"] = _both(
                lambda line=first_line[cin]: gettext("This CIN is also on row %(row)d.", row=line)
            )
            form = None
        first_line.setdefault(cin, line)
        for key, messages in row_errors.items():
            errors.append({"row": line, "column": key, "messages": messages})
        if form is not None:
            valid.append((line, form))
        if at % BATCH == 0:
            upload.progress = at * 50 // len(rows)
            yield "running"
    report = {"rows": len(rows), "valid": len(valid), "errors": errors, "outcomes": []}
    if errors and not upload.keep_valid:
        upload.report, upload.status = report, ImportStatus.CHECKED
        upload.progress, upload.finished_at = 100, utcnow()
        yield "done"
        return
    outcomes = []
    for at, (line, form) in enumerate(valid, start=1):
        outcomes.append({"row": line, **_enrol(agreement, form, by, refusal_message)})
        if at % BATCH == 0:
            upload.progress = 50 + at * 50 // len(valid)
            upload.report = report | {"outcomes": list(outcomes)}
            yield "running"
    upload.report = report | {"outcomes": outcomes}
    upload.status, upload.progress, upload.finished_at = ImportStatus.DONE, 100, utcnow()
    yield "done"


def _enrol(agreement: Agreement, form: EnrolForm, by: User, refusal_message) -> dict:
    cin = form.cin.data
    if enrolled_here(agreement, cin):
        return {"outcome": "already_here", "cin": services.mask_cin(cin)}
    try:
        services.enrol(
            agreement,
            cin,
            form.person(),
            post_index=form.post_index.data,
            **form.contract(),
            by=by,
        )
    except services.EnrolmentRefused as refusal:
        return {
            "outcome": "refused",
            "cin": services.mask_cin(cin),
            "messages": _both(partial(refusal_message, refusal)),
        }
    return {"outcome": "enrolled", "cin": services.mask_cin(cin)}


def sweep() -> int:
    """Re-queue imports whose worker died while running (running again is safe: the rows it
    enrolled are found enrolled), and re-send those left waiting."""
    return jobs.sweep(EnrolmentImport, TASK, pending=ImportStatus.QUEUED)

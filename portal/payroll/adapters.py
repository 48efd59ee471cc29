"""The payroll file's formats (P-EXPORT): plain functions from neutral rows to bytes, one per
format, chosen by the setting PAYROLL_ADAPTER from `ADAPTERS`.

The intake format of the ANAPEC–CNSS platform is not public, so nothing here is baked into the
building of a file: the file's rows (`PayRow`, one per payable statement line) and its head
(`FileHead`) are neutral data, and a new format is one more function in the registry.

- `statement_xlsx`, `statement_csv`: the validated monthly statement ("état mensuel"), one row
  per payable line, headers and labels in the language in force (the secretariat's), every
  value a person typed written as text (portal/core/spreadsheets.py).
- `cnss_bds`: a fixed-width file shaped as the CNSS BDS declaration: 260-character records B00
  (the transfer), then per employer B01, B02 (insured employees, by CNSS number), B03 (their
  totals), B04 (new employees, by CIN), B05 (their totals), B06 (the employer's totals);
  amounts in centimes, numbers zero-padded on the left, text upper case without accents,
  padded with spaces on the right. The layout follows the public implementations of the
  CNSS's 2006 specification, none authoritative: the file stays provisional until the format
  is confirmed (PAYROLL_BDS_CONFIRMED).

Building twice from the same rows gives the same bytes: no clock is read here; the only date a
file carries is its head's (the file row's own creation).
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from portal.core.spreadsheets import cells, csv_value
from portal.i18n import text_direction


@dataclass(frozen=True)
class PayRow:
    """One payable line of the file, as every format reads it."""

    reference: str  # the line's reference in the returns ("L" and the line's id)
    agreement_number: str
    employer_affiliation: str  # the organisation's CNSS affiliation number ("" when none)
    employer_name: str  # in French (Latin letters), as the CNSS files need
    employer_address: str
    employer_city: str
    last_name_ar: str
    first_name_ar: str
    last_name_fr: str
    first_name_fr: str
    cin: str
    cnss_number: str  # "" for a new employee, declared by CIN
    period: date  # the month the days were worked: the file's, or earlier for a line sent again
    days: int
    situation: str  # the CNSS situation code, "" for a normal month
    situation_label: str  # in the language in force
    component: int
    amount: Decimal  # what the line pays: the wage due, or the month's grant instalment


@dataclass(frozen=True)
class FileHead:
    number: str
    period: date  # the month, as its first day
    province: str  # the province's name in the language in force
    created_on: date  # the file row's own date: the only date inside
    provisional: bool


@dataclass(frozen=True)
class Adapter:
    name: str
    label: object  # lazy, for the pages
    build: Callable[[FileHead, list[PayRow]], bytes]
    content_type: str
    extension: str
    confirmed_by: str | None = None  # the setting that confirms the format, if it needs one


class AdapterError(ValueError):
    """A row the format cannot carry (a name with no Latin letter, an amount too large)."""


# The statement: XLSX and CSV

COLUMNS = {
    "reference": _l("Line reference"),
    "agreement_number": _l("Agreement number"),
    "worker": _l("Worker"),
    "cin": _l("CIN"),
    "cnss_number": _l("CNSS number"),
    "month": _l("Month"),
    "days": _l("Days worked"),
    "situation": _l("Situation"),
    "amount": _l("Amount (MAD)"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _worker(row: PayRow) -> str:
    if text_direction() == "rtl":
        return f"{row.first_name_ar} {row.last_name_ar}"
    return f"{row.first_name_fr} {row.last_name_fr}"


def _values(row: PayRow) -> list:
    """A row's cells: every value someone typed as a string; days and amount as numbers."""
    situation = row.situation_label if row.situation else ""
    return [
        row.reference,
        row.agreement_number,
        _worker(row),
        row.cin,
        row.cnss_number,
        row.period.strftime("%m/%Y"),
        row.days,
        situation,
        row.amount,
    ]


def _title(head: FileHead) -> list[str]:
    title = gettext(
        "Payroll file %(number)s — %(province)s — %(month)s",
        number=head.number,
        province=head.province,
        month=head.period.strftime("%m/%Y"),
    )
    return [title + (" — " + gettext("provisional") if head.provisional else "")]


def statement_xlsx(head: FileHead, rows: list[PayRow]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Payroll"))
    sheet.sheet_view.rightToLeft = text_direction() == "rtl"
    sheet.append(cells(sheet, _title(head)))
    sheet.append(cells(sheet, [str(title) for title in COLUMNS.values()]))
    for row in rows:
        sheet.append(cells(sheet, _values(row)))
    total = sum((row.amount for row in rows), Decimal("0.00"))
    days = sum(row.days for row in rows)
    sheet.append(cells(sheet, [gettext("Total"), "", "", "", "", "", days, "", total]))
    moment = datetime.combine(head.created_on, datetime.min.time())
    book.properties.creator = "Awrach"
    book.properties.created = book.properties.modified = moment
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue(), moment)


CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _stable_zip(data: bytes, moment: datetime) -> bytes:
    """The same workbook, its entries dated `moment` (a zip records each entry's time of
    writing, and openpyxl stamps the document's creation and change): the same rows, the same
    bytes."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<3>", content)
            info = zipfile.ZipInfo(entry.filename, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, content)
    return out.getvalue()


def statement_csv(head: FileHead, rows: list[PayRow]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([csv_value(value) for value in _title(head)])
    writer.writerow([str(title) for title in COLUMNS.values()] + ["situation_code", "component"])
    for row in rows:
        values = [*_values(row), row.situation, row.component]
        writer.writerow([csv_value(value) for value in values])
    return text.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheets read Arabic


# The CNSS BDS-shaped file

RECORD = 260
NEWLINE = "\r\n"
# The CNSS's wage ceiling for its contributions (N_Salaire_Plaf), in MAD a month.
CEILING = Decimal("6000.00")
# The characters a BDS text may hold; anything else becomes a space.
NOT_ALLOWED = re.compile(r"[^A-Z0-9 ]")


def plain(text: str) -> str:
    """Upper case without accents, only letters, digits and spaces: 'Saïd Ben-Ali' → 'SAID
    BEN ALI'. Letters with no Latin decomposition (Arabic) are dropped."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = NOT_ALLOWED.sub(" ", ascii_only.upper())
    return re.sub(r" +", " ", cleaned).strip()


def alpha(text: str, width: int) -> str:
    return plain(text)[:width].ljust(width)


def num(value: int, width: int) -> str:
    if value < 0:
        raise AdapterError(f"negative number {value}")
    digits = str(value)
    if len(digits) > width:
        raise AdapterError(f"{value} does not fit in {width} digits")
    return digits.zfill(width)


def centimes(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def digits(text: str) -> int:
    only = re.sub(r"\D", "", text or "")
    return int(only) if only else 0


def record(kind: str, *fields: str) -> str:
    line = kind + "".join(fields)
    if len(line) > RECORD:
        raise AdapterError(f"record {kind} is {len(line)} characters long")
    return line.ljust(RECORD)


def _name(row: PayRow) -> str:
    name = plain(f"{row.last_name_fr} {row.first_name_fr}")
    if not name:
        raise AdapterError(f"{row.reference}: no name in Latin letters")
    return name


@dataclass
class _Sums:
    staff: int = 0
    insured: int = 0  # the sum of the immatriculation numbers
    days: int = 0
    wages: int = 0  # centimes
    capped: int = 0  # centimes
    control: int = 0

    def add(self, insured: int, days: int, wages: int, capped: int, control: int) -> None:
        self.staff += 1
        self.insured += insured
        self.days += days
        self.wages += wages
        self.capped += capped
        self.control += control

    def __iadd__(self, other: "_Sums") -> "_Sums":
        for key in ("staff", "insured", "days", "wages", "capped", "control"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        return self


def _totals(kind: str, employer: str, sums: _Sums) -> str:
    return record(
        kind,
        employer,
        num(sums.staff, 6),
        num(sums.insured, 15),
        num(sums.days, 6),
        num(sums.wages, 15),
        num(sums.capped, 13),
        num(sums.control, 19),
    )


def cnss_bds(head: FileHead, rows: list[PayRow]) -> bytes:
    period = head.period.strftime("%Y%m")
    transfer = num(digits(head.number), 14)
    lines = [record("B00", transfer, "B0")]
    by_employer = groupby(
        sorted(rows, key=lambda r: (r.employer_affiliation, r.agreement_number, r.reference)),
        key=lambda r: r.employer_affiliation,
    )
    for affiliation, group in by_employer:
        group = list(group)
        first = group[0]
        employer = num(digits(affiliation), 7) + period
        lines.append(
            record(
                "B01",
                employer,
                alpha(first.employer_name, 40),
                alpha("", 40),  # L_Activite: not held by the portal
                alpha(first.employer_address, 120),
                alpha(first.employer_city, 20),
                num(0, 6),  # C_Code_Postal: not held
                num(0, 2),  # C_Code_Agence: not held
                head.created_on.strftime("%d%m%Y"),
                num(0, 8),  # D_Date_Exig: set by the CNSS [unknown]
            )
        )
        insured, new = _Sums(), _Sums()
        for row in (r for r in group if r.cnss_number):
            number, wages = digits(row.cnss_number), centimes(row.amount)
            capped = min(wages, centimes(CEILING))
            control = number + row.days + wages
            insured.add(number, row.days, wages, capped, control)
            lines.append(
                record(
                    "B02",
                    employer,
                    num(number, 9),
                    alpha(_name(row), 60),
                    num(0, 2),  # children: family allowances are not the programme's
                    num(0, 6),
                    num(0, 6),
                    num(0, 6),
                    num(0, 6),
                    num(row.days, 2),
                    num(wages, 13),
                    num(capped, 9),
                    alpha(row.situation, 2),
                    num(control, 19),
                )
            )
        lines.append(_totals("B03", employer, insured))
        for row in (r for r in group if not r.cnss_number):
            wages = centimes(row.amount)
            capped = min(wages, centimes(CEILING))
            control = row.days + wages
            new.add(0, row.days, wages, capped, control)
            lines.append(
                record(
                    "B04",
                    employer,
                    num(0, 9),
                    alpha(_name(row), 60),
                    alpha(row.cin, 8),
                    num(row.days, 2),
                    num(wages, 13),
                    num(capped, 9),
                    num(control, 19),
                )
            )
        lines.append(_totals("B05", employer, new))
        both = _Sums()
        both += insured
        both += new
        lines.append(_totals("B06", employer, both))
    return (NEWLINE.join(lines) + NEWLINE).encode("ascii")


ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        Adapter("statement_xlsx", _l("Monthly statement (XLSX)"), statement_xlsx, XLSX, "xlsx"),
        Adapter(
            "statement_csv",
            _l("Monthly statement (CSV)"),
            statement_csv,
            "text/csv; charset=utf-8",
            "csv",
        ),
        Adapter(
            "cnss_bds",
            _l("CNSS BDS-shaped file (260 characters a record)"),
            cnss_bds,
            "text/plain; charset=us-ascii",
            "txt",
            confirmed_by="PAYROLL_BDS_CONFIRMED",
        ),
    )
}


def adapter(name: str) -> Adapter:
    return ADAPTERS[name]


def provisional(name: str, config) -> bool:
    """Is a file of this format provisional: a format that waits for its confirmation."""
    confirmed_by = ADAPTERS[name].confirmed_by
    return bool(confirmed_by) and not config[confirmed_by]

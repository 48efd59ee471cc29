"""Cells written to spreadsheets, whoever typed their values: no value may become a formula.

In the XLSX every string is a string cell (openpyxl takes a str starting with "=" for a
formula); in the CSV a value starting with = + - @ tab or carriage return gets a leading
single quote (OWASP's rule against CSV injection).
"""

from datetime import date

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What a spreadsheet may take for the start of a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Date cells show as the pages write dates; the codes sheet shows ISO dates.
DATE_FORMAT = {"labels": "dd/mm/yyyy", "codes": "yyyy-mm-dd"}


def cells(sheet, values: list, kind: str = "labels") -> list:
    """Strings as string cells, whatever they start with, and dates as date cells."""
    out = []
    for value in values:
        if isinstance(value, str):
            # openpyxl takes a str starting with "=" for a formula (and "#N/A" for an error);
            # a string cell is shown as typed and never evaluated. Characters XML cannot
            # carry would stop the whole file: they are dropped.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"
            if value.startswith(FORMULA_START):
                cell.quotePrefix = True  # editing the cell in a spreadsheet keeps it text
            value = cell
        elif isinstance(value, date):
            value = WriteOnlyCell(sheet, value=value)
            value.number_format = DATE_FORMAT[kind]
        out.append(value)
    return out


def csv_value(value):
    """ISO dates (read as dates whatever the spreadsheet's locale), and no value a spreadsheet
    would take for a formula."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value

"""The payroll file's formats, from neutral rows: the BDS-shaped file record by record (260
characters, centimes, no accents, totals), the statement as XLSX read back (text, no formula)
and CSV, in both languages; the same rows give the same bytes."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from portal.payroll import adapters
from portal.payroll.adapters import FileHead, PayRow

HEAD = FileHead(
    number="PAY-SIF-202703-01",
    period=date(2027, 3, 1),
    province="Sidi Ifni",
    created_on=date(2027, 4, 2),
    provisional=True,
)


def row(**changes) -> PayRow:
    values = dict(
        reference="L1",
        agreement_number="AW1-SIF-2027-0001",
        employer_affiliation="1234567",
        employer_name="Association Élan d'Ifni",
        employer_address="12, rue de la Plage",
        employer_city="Sidi Ifni",
        last_name_ar="العلوي",
        first_name_ar="سعيد",
        last_name_fr="Alaoui",
        first_name_fr="Saïd",
        cin="AB123456",
        cnss_number="",
        period=date(2027, 3, 1),
        days=26,
        situation="",
        situation_label="",
        component=1,
        amount=Decimal("3266.10"),
    )
    return PayRow(**(values | changes))


ROWS = [
    row(reference="L1", cnss_number="123456789"),
    row(
        reference="L2",
        last_name_fr="Benâli-Érrami",
        first_name_fr="Zoé",
        cnss_number="000000042",
        days=13,
        situation="IL",
        amount=Decimal("1633.05"),
    ),
    row(reference="L3", cin="J98765", last_name_fr="Ouahbi", first_name_fr="Hind"),
    row(
        reference="L4",
        employer_affiliation="7654321",
        employer_name="Coopérative Tafraout",
        cin="=HYPERLINK",
        last_name_fr="=cmd|calc",
        first_name_fr="@Sum",
        amount=Decimal("1500.00"),
        component=2,
    ),
]


@pytest.fixture
def context(app):
    with app.test_request_context():
        yield


def bds_lines(data: bytes) -> list[str]:
    text = data.decode("ascii")
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


def test_every_bds_record_is_260_characters_in_order(context):
    lines = bds_lines(adapters.cnss_bds(HEAD, ROWS))
    assert all(len(line) == 260 for line in lines)
    kinds = [line[:3] for line in lines]
    # One transfer, then each employer (by affiliation number): B01, insured, their totals,
    # the new ones, theirs, the employer's.
    assert kinds == [
        "B00",
        "B01", "B02", "B02", "B03", "B04", "B05", "B06",
        "B01", "B03", "B04", "B05", "B06",
    ]  # fmt: skip
    # The transfer's number: the file number's digits.
    assert lines[0] == "B00" + "00000020270301" + "B0" + " " * 241


def test_bds_fields_are_zero_padded_centimes_and_plain_upper_case(context):
    lines = bds_lines(adapters.cnss_bds(HEAD, ROWS))
    b01, first, second = lines[1], lines[2], lines[3]
    assert b01[3:10] == "1234567" and b01[10:16] == "202703"
    assert b01[16:56] == "ASSOCIATION ELAN D IFNI".ljust(40)
    assert b01[244:252] == "02042027"  # the file row's own date, nothing read from a clock
    # B02: affiliation, period, CNSS number, name, …, days, real wage, capped wage, situation.
    assert first[16:25] == "123456789"
    assert first[25:85] == "ALAOUI SAID".ljust(60)
    assert second[25:85] == "BENALI ERRAMI ZOE".ljust(60)
    assert second[111:113] == "13"
    assert second[113:126] == "0000000163305"  # 1,633.05 MAD in centimes
    assert second[126:135] == "000163305"
    assert second[135:137] == "IL"
    assert first[135:137] == "  "
    assert all(c.isupper() or c.isdigit() or c == " " for c in "".join(lines))


def test_bds_new_employees_by_cin_and_the_totals_add_up(context):
    lines = bds_lines(adapters.cnss_bds(HEAD, ROWS))
    b03, b04, b05, b06 = lines[4], lines[5], lines[6], lines[7]
    assert b04[16:25] == "000000000"  # no CNSS number yet
    assert b04[25:85] == "OUAHBI HIND".ljust(60)
    assert b04[85:93] == "J98765  "
    assert b04[93:95] == "26" and b04[95:108] == "0000000326610"

    def totals(record):
        return {
            "staff": int(record[16:22]),
            "insured": int(record[22:37]),
            "days": int(record[37:43]),
            "wages": int(record[43:58]),
            "capped": int(record[58:71]),
        }

    assert totals(b03) == {
        "staff": 2,
        "insured": 123456789 + 42,
        "days": 39,
        "wages": 326610 + 163305,
        "capped": 326610 + 163305,
    }
    assert totals(b05) == {"staff": 1, "insured": 0, "days": 26, "wages": 326610, "capped": 326610}
    assert totals(b06)["wages"] == totals(b03)["wages"] + totals(b05)["wages"]
    assert totals(b06)["staff"] == 3
    assert int(b06[71:90]) == int(b03[71:90]) + int(b05[71:90])  # the control sums


def test_bds_caps_the_wage_at_the_ceiling_and_refuses_what_does_not_fit(context):
    high = row(cnss_number="000000001", amount=Decimal("7250.50"))
    b02 = bds_lines(adapters.cnss_bds(HEAD, [high]))[2]
    assert b02[113:126] == "0000000725050"
    assert b02[126:135] == "000600000"
    with pytest.raises(adapters.AdapterError):
        adapters.cnss_bds(HEAD, [row(amount=Decimal("100000000000.00"))])
    with pytest.raises(adapters.AdapterError, match="L9"):
        adapters.cnss_bds(HEAD, [row(reference="L9", last_name_fr="العلوي", first_name_fr="")])


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Saïd", "SAID"),
        ("Benâli-Érrami", "BENALI ERRAMI"),
        ("Ça  va", "CA VA"),
        ("O'Neil", "O NEIL"),
        ("ﬁlali", "FILALI"),  # a ligature, decomposed
        ("العلوي", ""),
    ],
)
def test_text_is_upper_case_without_accents(text, plain):
    assert adapters.plain(text) == plain


def test_the_same_rows_give_the_same_bytes(context):
    for adapter in adapters.ADAPTERS.values():
        assert adapter.build(HEAD, ROWS) == adapter.build(HEAD, ROWS), adapter.name


def test_the_statement_xlsx_is_text_in_the_language_and_dated_by_the_file(context):
    for language, header, worker in (("fr", "Travailleur", "Saïd Alaoui"), ("ar", None, None)):
        with force_locale(language):
            data = adapters.statement_xlsx(HEAD, ROWS)
            expected_header = [str(title) for title in adapters.COLUMNS.values()]
        book = load_workbook(io.BytesIO(data))
        sheet = book.worksheets[0]
        assert sheet.sheet_view.rightToLeft == (language == "ar")
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[1]) == expected_header
        if header:
            assert header in rows[1] and rows[2][2] == worker
        else:
            assert rows[2][2] == "سعيد العلوي"
        # Every typed value stays text: a CIN or a name that looks like a formula is not one.
        hostile = rows[5]
        assert hostile[3] == "=HYPERLINK"
        assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)
        assert (
            rows[2][0] == "L1"
            and rows[2][5] == "03/2027"
            and rows[2][6] == 26
            and Decimal(str(rows[2][8])) == Decimal("3266.10")
        )
        assert rows[-1][8] == pytest.approx(float(sum(r.amount for r in ROWS)))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert {info.date_time for info in archive.infolist()} == {(2027, 4, 2, 0, 0, 0)}
            assert b"2027-04-02T00:00:00Z" in archive.read("docProps/core.xml")


def test_the_statement_csv_neutralises_formulas_and_keeps_the_codes(context):
    with force_locale("fr"):
        data = adapters.statement_csv(HEAD, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert "provisoire" in rows[0][0]
    assert rows[1][-2:] == ["situation_code", "component"]
    assert rows[3][-2:] == ["IL", "1"]
    assert rows[5][3] == "'=HYPERLINK"
    assert rows[5][2] == "'@Sum =cmd|calc"
    assert not any(cell.startswith(("=", "+", "@")) for line in rows for cell in line)


def test_the_registry_and_what_is_provisional(app):
    assert set(adapters.ADAPTERS) == {"statement_xlsx", "statement_csv", "cnss_bds"}
    assert adapters.provisional("cnss_bds", {"PAYROLL_BDS_CONFIRMED": False})
    assert not adapters.provisional("cnss_bds", {"PAYROLL_BDS_CONFIRMED": True})
    assert not adapters.provisional("statement_xlsx", {"PAYROLL_BDS_CONFIRMED": False})

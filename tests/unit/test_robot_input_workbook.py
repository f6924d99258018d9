"""The admin's own files: a real .xlsx (written with openpyxl), read as a person reads the sheet."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile

import openpyxl
import pytest

from betyg_harness.flows.robot import cli
from betyg_harness.flows.robot.csvinput import BadInput, parse_grades

HEADER = ["Personnummer", "Kurskod", "Grupp", "Betyg", "Lärare"]
SVE = "SVESVE01 HT26 Kista A"


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_a_workbook_with_numbers_dates_and_an_extra_column_is_read_as_a_person_sees_it():
    data = xlsx(
        (
            "Betyg",
            [
                ["Namn", *HEADER, "Kursslut"],
                ["Ada Berg", 199006022397, "SVESVE01", SVE, "a", "Anna Lindqvist", dt.date(2026, 12, 18)],
                ["Bo Ek", 9107172380, "SVESVE01", SVE, "B", "Anna Lindqvist", dt.date(2026, 12, 18)],
                ["Cia Al", 106022395, "SVESVE01", SVE, "C", "Anna Lindqvist", None],  # 0106022395: Excel dropped the 0
                ["Dan Ov", "20000103-2382", "GRNMAT2", "GRNMAT2 HT26 Kista A", "IG", "Omar Haddad", None],
                [None] * 7,
            ],
        )
    )
    jobs = {j.key: j for j in parse_grades(data)}
    sve = jobs[f"{SVE}|SVESVE01"]
    assert sve.grades == {"199006022397": "A", "199107172380": "B", "200106022395": "C"}
    assert sve.lines == {"199006022397": 2, "199107172380": 3, "200106022395": 4}
    assert jobs["GRNMAT2 HT26 Kista A|GRNMAT2"].grades == {"200001032382": "IG"}
    notes = parse_grades(data).notes
    assert any("«Namn»" in n and "«Kursslut»" in n and "lästes inte" in n for n in notes)


def test_a_workbook_is_known_by_its_content_not_its_name(tmp_path, capsys, no_browser, caplog):
    data = xlsx(("Blad1", [HEADER + ["Namn"], [199006022397, "SVESVE01", SVE, "A", "Anna Lindqvist", "Ada Berg"]]))
    for name in ("betyg.xlsx", "betyg.xlsm", "betyg.csv"):
        (tmp_path / name).write_bytes(data)
        with caplog.at_level(logging.WARNING, logger="betygsrobot"):
            assert cli.main(["validate", "--input", str(tmp_path / name)]) == 0
        assert "1 betyg i 1 betygsgrupper, inga fel" in capsys.readouterr().out
        assert f"{name}: 1 kolumn utöver" in caplog.text and "«Namn»" in caplog.text


def test_the_sheet_with_the_header_is_read_and_rows_are_numbered_as_in_excel():
    data = xlsx(
        ("Instruktioner", [["Fyll i betygen på nästa blad"]]),
        (
            "Betyg",
            [
                [None],
                [None],
                HEADER,
                [199006022397, "SVESVE01", SVE, "A", "Anna Lindqvist"],
                ["19900602-2398", "SVESVE01", SVE, "A", "Anna Lindqvist"],
            ],
        ),
    )
    with pytest.raises(BadInput) as bad:
        parse_grades(data)
    assert [str(p) for p in bad.value.problems] == [
        "rad 5: ogiltigt personnummer «19900602-2398» (kontrollsiffran eller datumet stämmer inte)."
    ]
    good = parse_grades(
        xlsx(("Instruktioner", [["x"]]), ("Betyg", [HEADER, [199006022397, "SVESVE01", SVE, "A", "Anna Lindqvist"]]))
    )
    assert "läste bladet «Betyg» (arbetsboken har 2 blad)." in good.notes


def test_a_workbook_without_the_columns_names_what_is_missing():
    with pytest.raises(BadInput) as bad:
        parse_grades(xlsx(("Blad1", [["Personnummer", "Kurs", "Grupp", "Betyg", "Lärare"], [1, 2, 3, 4, 5]])))
    assert "rad 1: fel rubrikrad i bladet «Blad1»" in str(bad.value) and "saknar kurskod" in str(bad.value)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04" + b"\x00" * 64, "ser ut som ett kalkylark men kan inte läsas"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "ser ut som ett kalkylark men kan inte läsas"),
    ],
    ids=["zip", "ole2"],
)
def test_a_broken_workbook_exits_2_with_a_swedish_message(tmp_path, capsys, no_browser, data, message):
    path = tmp_path / "betyg.xlsx"
    path.write_bytes(data)
    assert cli.main(["grade", "--input", str(path), "--out", str(tmp_path / "ut")]) == 2
    err = capsys.readouterr().err
    assert message in err and "NUL-tecken" not in err
    assert not (tmp_path / "ut").exists()


def test_a_zip_that_is_no_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hej.txt", "personnummer,kurskod,grupp,betyg,larare\n")
    with pytest.raises(BadInput, match="kan inte läsas"):
        parse_grades(buf.getvalue())


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Betyg">{rows}</table:table>
</office:spreadsheet></office:body></office:document-content>"""


def ods(rows: list[list[object]]) -> bytes:
    def cell(v):
        if isinstance(v, int):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        z.writestr("content.xml", ODS_CONTENT.format(rows=body))
    return buf.getvalue()


def test_an_ods_sheet_is_read_too():
    jobs = parse_grades(ods([HEADER, [199006022397, "SVESVE01", SVE, "A", "Anna Lindqvist"]]))
    assert [j.grades for j in jobs] == [{"199006022397": "A"}]

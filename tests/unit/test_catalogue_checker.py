"""betyg_harness.catalogue: reads catalogue PDFs back and reports each way they differ from the data.

Faulty catalogues are made the honest way: by rendering altered data (or cutting pages off)."""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from betyg_harness import catalogue as checker
from betyg_harness.catalogue import ExpectedCatalogue, ExpectedStudent, compare, main, read_catalogue
from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow, render_pdf
from betyg_harness.mock_pingpong.catalogue import pdf as catalogue_pdf
from tests.unit.support import make_catalogue

ROOT = Path(__file__).resolve().parents[2]


def expected_from(data: CatalogueData, **changes) -> ExpectedCatalogue:
    """What the test data says the catalogue must hold."""
    exp = ExpectedCatalogue(
        students=[ExpectedStudent(r.civic_no, r.grade, r.family_name, r.given_name) for r in data.rows],
        fields={
            "Huvudman": data.huvudman,
            "Skolenhet": data.school_unit,
            "Skolenhetskod": data.school_unit_code,
            "Kurskod": data.course_code,
            "Kursnamn": data.course_name,
            "Poäng": f"{data.points} {data.points_kind}",
            "Betygsgrupp": data.group_name,
            "Kursperiod": "2026-08-17 – 2026-12-18",
            "Betygsdatum": "2026-12-18",
        },
        teachers=list(data.teachers),
        late=data.late,
        printed_at="2026-12-21 09:05",
    )
    return dataclasses.replace(exp, **changes)


def kinds(diffs) -> set[str]:
    return {d.kind for d in diffs}


@pytest.fixture(scope="module")
def three():
    data = make_catalogue(3)
    return data, render_pdf(data)


@pytest.fixture(scope="module")
def two_hundred():
    data = make_catalogue(200)
    return data, render_pdf(data)


def test_faithful_catalogues_have_no_differences(three, two_hundred):
    for data, pdf in (three, two_hundred):
        parsed = read_catalogue(pdf)
        assert compare(parsed, expected_from(data, pages=parsed.page_count)) == []
    assert read_catalogue(two_hundred[1]).page_count > 1


def test_reads_header_rows_signatures_and_pages(three):
    data, pdf = three
    parsed = read_catalogue(pdf)
    assert parsed.fields["Kurskod"] == "MATMAT01a"
    assert parsed.fields["Betygsgrupp"] == "MA1a-HT26-kväll"
    assert parsed.grades == {r.civic_no: r.grade for r in data.rows}
    assert [b.name for b in parsed.signatures] == ["Karin Lindqvist", "Per Ödmark"]
    assert (parsed.page_count, parsed.footers) == (1, [(1, 1)])


def test_detects_missing_student(two_hundred):
    data, _ = two_hundred
    gone = data.rows[123]
    faulty = render_pdf(dataclasses.replace(data, rows=data.rows[:123] + data.rows[124:]))
    diffs = compare(read_catalogue(faulty), expected_from(data))
    assert kinds(diffs) == {"missing_student"}
    (d,) = diffs
    assert gone.civic_no in d.message and gone.family_name in d.message


def test_detects_extra_student(three):
    data, _ = three
    extra = CatalogueRow("19900101-9999", "Främling", "Fia", "C")
    diffs = compare(
        read_catalogue(render_pdf(dataclasses.replace(data, rows=data.rows + [extra]))), expected_from(data)
    )
    assert kinds(diffs) == {"extra_student"}
    assert "19900101-9999" in diffs[0].message


def test_detects_wrong_grade(two_hundred):
    data, _ = two_hundred
    rows = list(data.rows)
    rows[77] = dataclasses.replace(rows[77], grade="F" if rows[77].grade != "F" else "A")
    diffs = compare(read_catalogue(render_pdf(dataclasses.replace(data, rows=rows))), expected_from(data))
    assert kinds(diffs) == {"wrong_grade"}
    (d,) = diffs
    assert rows[77].civic_no in d.message
    assert repr(data.rows[77].grade) in d.message and repr(rows[77].grade) in d.message


def test_detects_swapped_personnummer(three):
    data, _ = three
    a, b, c = data.rows
    swapped = [dataclasses.replace(a, civic_no=b.civic_no), dataclasses.replace(b, civic_no=a.civic_no), c]
    diffs = compare(read_catalogue(render_pdf(dataclasses.replace(data, rows=swapped))), expected_from(data))
    assert kinds(diffs) == {"wrong_personnummer"}
    assert len(diffs) == 2
    assert all("förväxlat" in d.message for d in diffs)


def test_detects_mistyped_personnummer(three):
    data, _ = three
    rows = [dataclasses.replace(data.rows[0], civic_no="19800101-1001")] + data.rows[1:]
    diffs = compare(read_catalogue(render_pdf(dataclasses.replace(data, rows=rows))), expected_from(data))
    assert kinds(diffs) == {"wrong_personnummer"}
    assert "19800101-1001" in diffs[0].message and data.rows[0].civic_no in diffs[0].message


def test_detects_malformed_personnummer(three):
    data, _ = three
    rows = [dataclasses.replace(data.rows[0], civic_no="800101-1000")] + data.rows[1:]
    diffs = compare(read_catalogue(render_pdf(dataclasses.replace(data, rows=rows))))
    assert kinds(diffs) == {"malformed_personnummer"}


def test_detects_missing_signature_block(three):
    data, _ = three
    diffs = compare(read_catalogue(render_pdf(dataclasses.replace(data, teachers=["Per Ödmark"]))), expected_from(data))
    assert kinds(diffs) == {"missing_signature"}
    assert "Karin Lindqvist" in diffs[0].message


def test_detects_wrong_page_count(two_hundred):
    data, pdf = two_hundred
    parsed = read_catalogue(pdf)
    diffs = compare(parsed, expected_from(data, pages=parsed.page_count + 1))
    assert kinds(diffs) == {"wrong_page_count"}
    assert f"Katalogen har {parsed.page_count} sidor, väntat {parsed.page_count + 1}" in diffs[0].message


def test_detects_lost_last_page_by_its_footers(two_hundred):
    data, pdf = two_hundred
    writer = PdfWriter()
    pages = PdfReader(io.BytesIO(pdf)).pages
    for page in pages[:-1]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    parsed = read_catalogue(out.getvalue())
    total = len(pages)
    diffs = compare(parsed, expected_from(data))
    footer = [d for d in diffs if d.kind == "page_footer"]
    assert len(footer) == total - 1
    assert f'Sida 1 av {total - 1} säger "Sida 1 av {total}"' in footer[0].message
    assert {"missing_student", "missing_signature"} <= kinds(diffs)


def test_detects_table_header_not_repeated(two_hundred, monkeypatch):
    data, _ = two_hundred
    plain = catalogue_pdf._student_table

    def once(data, st):
        table = plain(data, st)
        table.repeatRows = 0
        return table

    monkeypatch.setattr(catalogue_pdf, "_student_table", once)
    parsed = read_catalogue(render_pdf(data))
    diffs = compare(parsed, expected_from(data))
    assert kinds(diffs) == {"header_not_repeated"}
    assert parsed.headerless_row_pages == list(range(2, parsed.page_count + 1))
    assert len(parsed.rows) == 200  # still read, by the columns of page 1


def test_detects_wrong_header_field_and_late_mark(three):
    data, pdf = three
    parsed = read_catalogue(pdf)
    exp = expected_from(data, late=True)
    exp.fields["Kurskod"] = "MATMAT01b"
    diffs = compare(parsed, exp)
    assert kinds(diffs) == {"wrong_field", "late_mark"}
    assert any("Kurskod" in d.message and "MATMAT01b" in d.message for d in diffs)


def test_detects_rows_out_of_order(three):
    data, _ = three
    rows = [data.rows[1], data.rows[0], data.rows[2]]
    diffs = compare(read_catalogue(render_pdf(dataclasses.replace(data, rows=rows))), expected_from(data))
    assert kinds(diffs) == {"row_order"}


def test_grades_only_expectation_and_ber_style_personnummer(three):
    data, pdf = three
    exp = ExpectedCatalogue.from_dict(
        {
            "kurskod": "MATMAT01a",
            "grades": {r.civic_no.replace("-", ""): r.grade for r in data.rows},
            "teachers": data.teachers,
            "pages": 1,
        }
    )
    assert compare(read_catalogue(pdf), exp) == []
    exp.grades[data.rows[0].civic_no.replace("-", "")] = "F"
    assert kinds(compare(read_catalogue(pdf), exp)) == {"wrong_grade"}


def _expect_json(data: CatalogueData, path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "fields": {"Kurskod": data.course_code, "Betygsgrupp": data.group_name},
                "students": [
                    {"personnummer": r.civic_no, "efternamn": r.family_name, "fornamn": r.given_name, "betyg": r.grade}
                    for r in data.rows
                ],
                "teachers": data.teachers,
                "pages": 1,
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    return path


def test_cli_exit_codes_and_report(three, tmp_path, capsys):
    data, pdf = three
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    expect = _expect_json(data, tmp_path / "expected.json")
    assert main([str(good), "--expect", str(expect)]) == 0
    out = capsys.readouterr().out
    assert "Inga skillnader." in out and data.rows[0].family_name in out

    bad = tmp_path / "bad.pdf"
    rows = [dataclasses.replace(data.rows[0], grade="F")] + data.rows[1:]
    bad.write_bytes(render_pdf(dataclasses.replace(data, rows=rows)))
    assert main([str(bad), "--expect", str(expect)]) == 1
    assert "Fel betyg för" in capsys.readouterr().out

    assert main([str(bad), "--expect", str(expect), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [d["kind"] for d in report["differences"]] == ["wrong_grade"]
    assert len(report["catalogue"]["rows"]) == 3


def test_cli_as_module_and_without_mock_pingpong(three, tmp_path):
    """``python -m betyg_harness.catalogue`` works, and never loads mock_pingpong: it must check
    catalogues from any deployment."""
    data, pdf = three
    (tmp_path / "k.pdf").write_bytes(pdf)
    code = (
        "import runpy, sys; sys.argv = ['x', sys.argv[1], '--expect', sys.argv[2]];\n"
        "try: runpy.run_module('betyg_harness.catalogue', run_name='__main__')\n"
        "except SystemExit as e: code = e.code\n"
        "assert not [m for m in sys.modules if m.startswith('betyg_harness.mock_pingpong')]\n"
        "sys.exit(code)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "k.pdf"), str(_expect_json(data, tmp_path / "e.json"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Inga skillnader." in res.stdout


def test_checker_imports_no_mock():
    tree = ast.parse(Path(checker.__file__).read_text("utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not [m for m in imported if m.split(".")[:2][-1] in ("mock_pingpong", "mock_ber", "mock_kit")]


def test_the_command_refuses_what_is_no_catalogue_in_swedish(tmp_path, capsys):
    from betyg_harness.catalogue import main

    not_pdf = tmp_path / "betyg.csv"
    not_pdf.write_text("personnummer,kurskod\n", encoding="utf-8")
    assert main([str(not_pdf)]) == 2
    assert "går inte att läsa som en pdf" in capsys.readouterr().err
    assert main([str(tmp_path / "finns-inte.pdf")]) == 2
    assert "finns inte" in capsys.readouterr().err

"""The grade catalogue PDF: content, pagination, fonts, validity — read back with pypdf."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject
from stdnum import luhn

from betyg_harness.catalogue import read_catalogue
from betyg_harness import reference
from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow, render_pdf
from betyg_harness.mock_kit import webfonts
from betyg_harness.mock_pingpong.catalogue import pdf as catalogue_pdf

EXOTIC = [
    ("Łukasiewicz", "Łucja"),
    ("Muñoz", "Ñuflo Iñigo"),
    ("Nguyễn", "Thị Ngọc"),
    ("Şahin", "Ayşe"),
    ("Østergaard", "Søren"),
    ("Åkesson", "Älva Märta"),
    ("Öberg", "Östen"),
]
SURNAMES = ["Andersson", "Berg", "Ceylan", "Dahl", "Ek", "Falk", "Gül", "Holm", "Ivanova", "Jansson"]


def pnr(i: int) -> str:
    """A valid (Luhn) personnummer, distinct per i."""
    body = f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{100 + i // 28 % 900:03d}"
    return f"19{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"


def make_catalogue(n: int, **changes) -> CatalogueData:
    """n students: the exotic names first, then plain ones; two grading teachers."""
    rows = []
    for i in range(n):
        if i < len(EXOTIC):
            family, given = EXOTIC[i]
        else:
            family, given = f"{SURNAMES[i % len(SURNAMES)]}-{i:03d}", "Anna Maria"
        rows.append(CatalogueRow(pnr(i), family, given, "ABCDEF-"[i % 7]))
    data = CatalogueData(
        huvudman="Stockholms stad",
        school_unit="Vuxenutbildningscentrum Komvux Hermods & Co",
        school_unit_code="29573519",
        course_code="SVESVE01",
        course_name="Svenska 1",
        points=100,
        points_kind="gymnasiepoäng",
        group_name="SVE1 <HT26> Grupp A",
        period_start=date(2026, 8, 17),
        period_end=date(2026, 12, 18),
        grade_date=date(2026, 12, 18),
        rows=rows,
        teachers=["Karin Lindqvist", "Per Ödmark"],
        printed_at=datetime(2026, 12, 21, 9, 5),
    )
    return dataclasses.replace(data, **changes)


def small_catalogue(**changes) -> CatalogueData:
    tp = reference.test_personnummer()
    rows = [
        CatalogueRow(f"{p[:8]}-{p[8:]}", f, g, b)
        for p, (f, g), b in zip(
            tp, [("Łukasiewicz", "Łucja"), ("Nguyễn", "Thị Ngọc"), ("Östberg", "Åsa")], ["A", "-", "F"]
        )
    ]
    return make_catalogue(0, **{"rows": rows, "teachers": ["Karin Lindqvist"], **changes})


@pytest.fixture(scope="module")
def small():
    data = small_catalogue()
    return data, render_pdf(data)


@pytest.fixture(scope="module")
def big():
    data = make_catalogue(200)
    return data, render_pdf(data)


def texts(pdf: bytes) -> list[str]:
    """Each page's plain pypdf text, whitespace (and so line wrapping) folded to single spaces."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_small_catalogue_holds_every_field(small):
    data, pdf = small
    (text,) = texts(pdf)
    for expected in [
        "Betygskatalog",
        "Huvudman",
        "Stockholms stad",
        "Skolenhet",
        "Vuxenutbildningscentrum Komvux Hermods & Co",
        "Skolenhetskod",
        "29573519",
        "Kurskod",
        "SVESVE01",
        "Kursnamn",
        "Svenska 1",
        "Poäng",
        "100 gymnasiepoäng",
        "Betygsgrupp",
        "SVE1 <HT26> Grupp A",
        "Kursperiod",
        "2026-08-17 – 2026-12-18",
        "Betygsdatum",
        "2026-12-18",
        "Utskriven 2026-12-21 09:05",
        "Sida 1 av 1",
        "Underskrift",
        "Namnförtydligande",
        "Datum",
        "Karin Lindqvist",
    ]:
        assert expected in text, expected
    assert "Försenad" not in text
    parsed = read_catalogue(pdf)
    assert parsed.title == "Betygskatalog"
    assert parsed.fields == {
        "Huvudman": "Stockholms stad",
        "Skolenhet": "Vuxenutbildningscentrum Komvux Hermods & Co",
        "Skolenhetskod": "29573519",
        "Betygsgrupp": "SVE1 <HT26> Grupp A",
        "Kurskod": "SVESVE01",
        "Kursnamn": "Svenska 1",
        "Poäng": "100 gymnasiepoäng",
        "Kursperiod": "2026-08-17 – 2026-12-18",
        "Betygsdatum": "2026-12-18",
        "Antal elever": "3",
    }
    assert parsed.printed_at == "2026-12-21 09:05"


def test_small_catalogue_rows_in_order(small):
    data, pdf = small
    parsed = read_catalogue(pdf)
    assert [(r.personnummer, r.efternamn, r.fornamn, r.betyg) for r in parsed.rows] == [
        (r.civic_no, r.family_name, r.given_name, r.grade) for r in data.rows
    ]
    assert all(re.fullmatch(r"\d{8}-\d{4}", r.personnummer) for r in parsed.rows)
    # The rows read in plain pypdf text too, each cell as printed.
    (text,) = texts(pdf)
    for r in data.rows:
        assert r.civic_no in text and r.family_name in text and r.given_name in text


def test_signature_block_per_grading_teacher():
    data = small_catalogue(teachers=["Karin Lindqvist", "Ñusta Çelik-Łoś", "Per Ödmark"])
    parsed = read_catalogue(render_pdf(data))
    assert [b.name for b in parsed.signatures] == data.teachers
    assert all(b.labels == ("Underskrift", "Namnförtydligande", "Datum") for b in parsed.signatures)


def test_exotic_names_print_and_extract_as_themselves():
    data = make_catalogue(len(EXOTIC))
    pdf = render_pdf(data)
    (text,) = texts(pdf)
    for family, given in EXOTIC:
        assert family in text and given in text, (family, given)
    for ch in "ŁŞễØÑåäöÅÄÖ":
        assert ch in text
    parsed = read_catalogue(pdf)
    assert [(r.efternamn, r.fornamn) for r in parsed.rows] == EXOTIC


def test_more_glyphs_than_one_font_subset_holds():
    """ReportLab splits a TrueType font into 256-glyph subsets; names spanning two must still
    extract whole (and wrap in their cell when too long)."""
    glyphs = [chr(c) for c in range(0x100, 0x17F)] + [chr(c) for c in range(0x1EA0, 0x1EF9)]
    rows = [
        CatalogueRow(pnr(i), "Ng" + "".join(glyphs[i * 5 : i * 5 + 5]), "Thị" + glyphs[-1 - i], "A")
        for i in range(len(glyphs) // 5)
    ]
    rows.append(
        CatalogueRow(
            pnr(99), "Nguyễn-Östergård-Łukasiewicz de la Cruz y Fernández", "Anna-Karin Maria Elisabeth Åsa Ñandú", "B"
        )
    )
    data = make_catalogue(0, rows=rows)
    parsed = read_catalogue(render_pdf(data))
    assert [(r.efternamn, r.fornamn) for r in parsed.rows] == [(r.family_name, r.given_name) for r in rows]


def test_late_group_is_marked_forsenad():
    (text,) = texts(render_pdf(small_catalogue(late=True)))
    assert "Försenad" in text
    assert read_catalogue(render_pdf(small_catalogue(late=True))).late


def test_grundlaggande_course_prints_verksamhetspoang():
    data = small_catalogue(course_code="GRNENG2", course_name="Engelska", points=600, points_kind="verksamhetspoäng")
    (text,) = texts(render_pdf(data))
    assert "600 verksamhetspoäng" in text
    assert "grundläggande nivå" in text


def test_200_students_paginate_with_header_and_page_numbers(big):
    data, pdf = big
    pages = texts(pdf)
    total = len(pages)
    assert total > 2
    for n, text in enumerate(pages, start=1):
        assert f"Sida {n} av {total}" in text
        assert "Utskriven 2026-12-21 09:05" in text
        # Every page listing students starts its table with the header.
        if re.search(r"\d{8}-\d{4}", text):
            assert re.search(r"Personnummer Efternamn Förnamn Betyg", text), n
    parsed = read_catalogue(pdf)
    assert parsed.page_count == total
    assert parsed.footers == [(n, total) for n in range(1, total + 1)]
    assert parsed.table_header_pages == list(range(1, total + 1))
    assert parsed.headerless_row_pages == []
    # Every row whole, once, in order: a split row would lose or break a cell.
    assert [(r.personnummer, r.efternamn, r.fornamn, r.betyg) for r in parsed.rows] == [
        (r.civic_no, r.family_name, r.given_name, r.grade) for r in data.rows
    ]
    assert len({r.page for r in parsed.rows}) == total


@pytest.mark.parametrize("n", range(20, 31))
def test_signature_heading_never_orphaned(n):
    """Around the page break (20–30 students) the heading stays with the first block and
    every block stays whole."""
    parsed = read_catalogue(render_pdf(make_catalogue(n)))
    heading_page = next(
        i for i, t in enumerate(parsed.page_texts, start=1) if "Underskrift av betygssättande lärare" in t
    )
    assert heading_page == parsed.signatures[0].page
    assert [b.name for b in parsed.signatures] == ["Karin Lindqvist", "Per Ödmark"]
    assert all(len(b.labels) == 3 for b in parsed.signatures)


def _fonts(reader: PdfReader):
    """Every font dictionary reachable from the pages' resources (and form XObjects)."""
    seen = set()

    def walk(resources):
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            ref = font.idnum if isinstance(font, IndirectObject) else id(font)
            if ref not in seen:
                seen.add(ref)
                yield font.get_object()
        for xobj in (resources.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Form":
                yield from walk(xobj.get("/Resources"))

    for page in reader.pages:
        yield from walk(page.get("/Resources"))


def test_every_font_is_embedded_dejavu_and_no_helvetica(big):
    _, pdf = big
    fonts = list(_fonts(PdfReader(io.BytesIO(pdf))))
    assert fonts
    for font in fonts:
        fonts_to_check = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
        for f in fonts_to_check:
            assert "DejaVuSans" in f["/BaseFont"], f["/BaseFont"]
            descriptor = f["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f
    assert b"Helvetica" not in pdf


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (apt-get install qpdf)")
@pytest.mark.parametrize("which", ["small", "big"])
def test_qpdf_check_is_clean(which, request, tmp_path):
    _, pdf = request.getfixturevalue(which)
    (tmp_path / "k.pdf").write_bytes(pdf)
    res = subprocess.run(["qpdf", "--check", str(tmp_path / "k.pdf")], capture_output=True, timeout=60)
    out = res.stdout.decode() + res.stderr.decode()
    assert res.returncode == 0, out
    assert "No syntax or stream encoding errors" in out
    assert "WARNING" not in out.upper()


def test_output_is_deterministic():
    data = make_catalogue(40)
    assert render_pdf(data) == render_pdf(data)


def test_a_font_folder_without_the_font_is_named_in_swedish(monkeypatch, tmp_path):
    monkeypatch.setenv(catalogue_pdf.FONT_DIR_ENV, str(tmp_path))
    with pytest.raises(catalogue_pdf.FontNotFoundError, match=f"finns inte i {tmp_path}"):
        catalogue_pdf.find_font("DejaVuSans.ttf")


def test_the_font_comes_from_the_package_not_the_system(monkeypatch):
    monkeypatch.delenv(catalogue_pdf.FONT_DIR_ENV, raising=False)
    found = catalogue_pdf.find_font("DejaVuSans.ttf")
    assert found.parent == webfonts.font_dir()  # the one copy, which the pages are served too
    assert not str(found).startswith("/usr/share/fonts")


def test_font_dir_from_environment(monkeypatch, tmp_path):
    src = catalogue_pdf.find_font("DejaVuSans.ttf")
    (tmp_path / "DejaVuSans.ttf").write_bytes(src.read_bytes())
    monkeypatch.setenv(catalogue_pdf.FONT_DIR_ENV, str(tmp_path))
    assert catalogue_pdf.find_font("DejaVuSans.ttf") == tmp_path / "DejaVuSans.ttf"


def test_without_recorded_teacher_a_blank_block_remains_to_sign():
    parsed = read_catalogue(render_pdf(small_catalogue(teachers=[])))
    assert [(b.name, len(b.labels)) for b in parsed.signatures] == [(None, 3)]

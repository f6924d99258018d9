"""The catalogue PDF, rendered page by page with PDFium, against its golden images — and the three
print defects text checks cannot see: a moved column, a missing signature line, a font fallback.

Regenerate the golden images after an intended change: ``make golden`` (``pytest --update-golden -k visual``).
"""

from __future__ import annotations

from datetime import date, datetime
import pytest
from PIL import ImageChops

from betyg_harness import reference, visual
from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow, render_pdf
from betyg_harness.mock_pingpong.catalogue import pdf as catalogue_pdf

NAMES = [
    ("Łukasiewicz", "Łucja"),
    ("Nguyễn", "Thị Ngọc"),
    ("Östberg", "Åsa"),
    ("Şahin", "Ayşe"),
    ("Muñoz", "Ñuflo Iñigo"),
    ("Østergaard", "Søren"),
    ("Andersson", "Anna Maria"),
    ("Berg", "Erik"),
]


def catalogue(n: int, *, teachers=("Karin Lindqvist",), late: bool = False) -> CatalogueData:
    """n students with Skatteverket's test personnummer; a fixed printed time."""
    numbers = reference.test_personnummer()[:n]
    rows = sorted(
        (
            CatalogueRow(
                f"{p[:8]}-{p[8:]}",
                f"{NAMES[i % len(NAMES)][0]}{'' if i < len(NAMES) else f'-{i:02d}'}",
                NAMES[i % len(NAMES)][1],
                "ABCDEF-"[i % 7],
            )
            for i, p in enumerate(numbers)
        ),
        key=lambda r: r.family_name,
    )
    return CatalogueData(
        huvudman="Stockholms stad",
        school_unit="Vuxenutbildningscentrum Komvux Kista",
        school_unit_code="29573519",
        course_code="SVESVE01",
        course_name="Svenska 1",
        points=100,
        points_kind="gymnasiepoäng",
        group_name="SVESVE01 HT26 Kista A",
        period_start=date(2026, 8, 17),
        period_end=date(2026, 12, 17),
        grade_date=date(2026, 12, 17),
        rows=rows,
        teachers=list(teachers),
        printed_at=datetime(2026, 12, 18, 9, 5),
        late=late,
    )


SMALL = dict(n=3)
TWO_PAGES = dict(n=40, teachers=("Karin Lindqvist", "Per Ödmark"), late=True)


def test_the_catalogue_looks_as_it_did(assert_matches_golden):
    assert_matches_golden(render_pdf(catalogue(**SMALL)), "catalogue-small")
    result = assert_matches_golden(render_pdf(catalogue(**TWO_PAGES)), "catalogue-two-pages")
    assert result.names == ["catalogue-two-pages-p1", "catalogue-two-pages-p2"]


# -- the defects ----------------------------------------------------------------------------------
# Each defect is compared with the same catalogue printed correctly, kept as a golden image in a
# folder of the test's own — the committed ones may be being regenerated meanwhile (make golden).
@pytest.fixture
def store(tmp_path) -> visual.GoldenStore:
    store = visual.GoldenStore(tmp_path / "golden", tmp_path / "evidence", update=True)
    store.check("catalogue-small", render_pdf(catalogue(**SMALL)))
    store.check("catalogue-two-pages", render_pdf(catalogue(**TWO_PAGES)))
    store.update = False
    return store


def _mismatch(store, name: str, pdf: bytes) -> visual.VisualMismatch:
    with pytest.raises(visual.VisualMismatch) as caught:
        store.check(name, pdf)
    mismatch = caught.value
    for comparison in mismatch.comparisons:
        if not comparison.ok:
            for kind in ("expected", "actual", "diff"):
                assert (store.artifacts / comparison.name / f"{kind}.png").is_file()
    return mismatch


def _px(mm: float) -> float:
    return mm / 25.4 * visual.PDF_DPI


def test_a_moved_column_is_caught(store, monkeypatch):
    personnummer, family, given, grade = catalogue_pdf.COL_WIDTHS
    monkeypatch.setattr(catalogue_pdf, "COL_WIDTHS", (personnummer, given, family, grade))  # Förnamn moves left
    mismatch = _mismatch(store, "catalogue-small", render_pdf(catalogue(**SMALL)))
    (page,) = mismatch.comparisons
    assert page.differing > 500
    left, top, right, bottom = page.bbox
    start_of_names = _px(catalogue_pdf.MARGIN_X / catalogue_pdf.mm + 36)
    assert left > start_of_names  # the Personnummer and Efternamn columns stayed where they were


def test_a_missing_signature_line_is_caught(store, monkeypatch):
    original = catalogue_pdf._signature_block
    dropped = []

    def without_date_line(name, styles):
        table = original(name, styles)
        kept = [c for c in table._linecmds if not (c[0] == "LINEBELOW" and tuple(c[1]) == (4, 0))]
        dropped.append(len(table._linecmds) - len(kept))
        table._linecmds = kept
        return table

    monkeypatch.setattr(catalogue_pdf, "_signature_block", without_date_line)
    mismatch = _mismatch(store, "catalogue-small", render_pdf(catalogue(**SMALL)))
    assert dropped == [1]
    (page,) = mismatch.comparisons
    left, top, right, bottom = page.bbox
    assert bottom - top <= 4 and left > 0.7 * page.actual_size[0]  # a thin line, at Datum (right)
    assert page.differing > store.tolerance.max_pixels


def test_a_font_fallback_is_caught(store, monkeypatch):
    monkeypatch.setattr(catalogue_pdf, "FONT", "Helvetica")
    monkeypatch.setattr(catalogue_pdf, "FONT_BOLD", "Helvetica-Bold")
    catalogue_pdf._styles.cache_clear()
    try:
        pdf = render_pdf(catalogue(**TWO_PAGES))
    finally:
        monkeypatch.undo()
        catalogue_pdf._styles.cache_clear()
    mismatch = _mismatch(store, "catalogue-two-pages", pdf)
    assert [c.ok for c in mismatch.comparisons] == [False, False]  # every page, all over it
    for page in mismatch.comparisons:
        assert page.differing > 5_000 and page.bbox[3] - page.bbox[1] > page.actual_size[1] / 2


def test_a_second_render_passes_and_so_does_antialiasing_noise(store):
    pdf = render_pdf(catalogue(**SMALL))
    store.check("catalogue-small", pdf)
    (image,) = visual.pdf_pages(pdf)
    # Everything one pixel over (a rasteriser rounding differently) and hard-edged lines (no
    # antialiasing of paths): inside the tolerance.
    store.check("catalogue-small", ImageChops.offset(image, 1, 1))
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        hard = document[0].render(scale=visual.PDF_DPI / 72, no_smoothpath=True).to_pil().convert("RGB")
    finally:
        document.close()
    assert visual.compare(image, hard).differing <= store.tolerance.max_pixels
    # …while the same comparison without the neighbourhood sees the shift everywhere.
    exact = visual.compare(image, ImageChops.offset(image, 1, 1), visual.Tolerance(neighbourhood=1))
    assert exact.differing > 10_000

"""The grade catalogue (betygskatalog) as a PDF: ReportLab platypus, DejaVu Sans embedded.

Every glyph comes from the embedded TrueType font (komvux names hold Ł, Ş, ễ, Ø, Ñ, which the
14 core PDF fonts cannot show), the canvas's initial font is DejaVu too so no unembedded
Helvetica creeps in, and the output is deterministic apart from the printed time.
"""

from __future__ import annotations

import functools
import os
import threading
from io import BytesIO
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table, TableStyle

from betyg_harness.mock_kit.webfonts import font_dir
from betyg_harness.mock_pingpong.catalogue.model import CatalogueData
from betyg_harness.mock_pingpong.errors import FontNotFoundError

__all__ = ["render_pdf", "FontNotFoundError", "find_font"]

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
FONT_DIR_ENV = "BETYGSKATALOG_FONT_DIR"  # another folder with the same file names (fonts/PROVENANCE.md)

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 20 * mm
BODY_W = PAGE_W - 2 * MARGIN_X

COL_WIDTHS = (36 * mm, 62 * mm, 56 * mm, BODY_W - 154 * mm)  # Personnummer, Efternamn, Förnamn, Betyg
TABLE_HEADER = ("Personnummer", "Efternamn", "Förnamn", "Betyg")
SIGNATURE_HEADING = "Underskrift av betygssättande lärare"
SIGNATURE_LABELS = ("Underskrift", "Namnförtydligande", "Datum")
SIGNATURE_NOTE = (
    "Betygssättande lärare signerar katalogen. Den signerade katalogen i original skickas till Vuxenutbildningscentrum."
)
LATE_NOTE = "Betygen registrerades och låstes senare än två veckor efter kursslut."

# ReportLab keeps global font state; one render at a time keeps concurrent requests safe.
_render_lock = threading.Lock()


def find_font(filename: str) -> Path:
    """The path of a DejaVu font file: in ``$BETYGSKATALOG_FONT_DIR`` when set, else the copy shipped
    with the package (``mock_kit/fonts``, which the pages are served too), so every machine prints
    with the same glyphs and metrics."""
    override = os.environ.get(FONT_DIR_ENV)
    folder = Path(override) if override else font_dir()
    candidate = folder / filename
    if candidate.is_file():
        return candidate
    raise FontNotFoundError(
        f"Typsnittet {filename} (DejaVu Sans) finns inte i {folder}"
        + (
            f" ({FONT_DIR_ENV}). Peka {FONT_DIR_ENV} på en mapp med {', '.join(_FONT_FILES.values())}"
            " eller ta bort variabeln."
            if override
            else "; paketet är ofullständigt, installera om det."
        )
    )


@functools.cache
def register_fonts() -> None:
    """Register DejaVu Sans and its bold once per process (parsing the TTF costs ~20 ms)."""
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(find_font(filename))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=20, leading=24),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, leading=13, textColor=colors.HexColor("#444444")),
        "late": ParagraphStyle(
            "late",
            base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor("#a30000"),
            borderColor=colors.HexColor("#a30000"),
            borderWidth=1,
            # reportlab takes (top, right, bottom, left) too; its stubs say float only
            borderPadding=(3, 6, 3, 6),  # type: ignore[arg-type]
        ),
        "late_note": ParagraphStyle("late_note", base, fontSize=8.5, leading=11, textColor=colors.HexColor("#a30000")),
        "label": ParagraphStyle("label", base, fontName=FONT_BOLD),
        "value": base,
        "cell": ParagraphStyle("cell", base, fontSize=9.5, leading=11.5),
        "h2": ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=4, spaceAfter=4),
        "body": ParagraphStyle("body", base, fontSize=9, leading=11.5),
        "sig_name": ParagraphStyle("sig_name", base, fontSize=10, leading=12),
        "sig_label": ParagraphStyle("sig_label", base, fontSize=8, leading=10, textColor=colors.HexColor("#333333")),
    }


def _esc(text: object) -> str:
    """Paragraph markup is XML-like: names with & or < must not become tags."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def level_text(points_kind: str) -> str:
    """'Kommunal vuxenutbildning på … nivå' from the kind of points the course carries."""
    level = "grundläggande" if points_kind == "verksamhetspoäng" else "gymnasial"
    return f"Kommunal vuxenutbildning på {level} nivå"


def header_fields(data: CatalogueData) -> list[tuple[str, str]]:
    """The catalogue's head, label and value, in print order (shared with the HTML preview)."""
    return [
        ("Huvudman", data.huvudman),
        ("Skolenhet", data.school_unit),
        ("Skolenhetskod", data.school_unit_code),
        ("Betygsgrupp", data.group_name),
        ("Kurskod", data.course_code),
        ("Kursnamn", data.course_name),
        ("Poäng", f"{data.points} {data.points_kind}"),
        ("Kursperiod", f"{data.period_start:%Y-%m-%d} – {data.period_end:%Y-%m-%d}"),
        ("Betygsdatum", f"{data.grade_date:%Y-%m-%d}"),
        ("Antal elever", str(len(data.rows))),
    ]


def printed_text(data: CatalogueData) -> str:
    return f"Utskriven {data.printed_at:%Y-%m-%d %H:%M}"


class _NumberedCanvas(Canvas):
    """Holds every page until the end so each can say "Sida N av M" (one pass, no rebuild)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # Canvas's own (private) page reset, not in the stubs

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8.5)
            self.setFillColor(colors.black)
            self.drawRightString(PAGE_W - MARGIN_X, MARGIN_BOTTOM - 10 * mm, f"Sida {self._pageNumber} av {total}")  # type: ignore[attr-defined]  # as above
            super().showPage()
        super().save()


def _on_page(data: CatalogueData):
    running = f"Betygskatalog · {data.course_code} {data.course_name} · {data.group_name}"
    while pdfmetrics.stringWidth(running, FONT, 8.5) > BODY_W and len(running) > 20:
        running = running[:-2] + "…"  # one line, however long the group's name
    printed = printed_text(data)

    def draw(canvas: Canvas, doc) -> None:
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#888888"))
        canvas.setLineWidth(0.5)
        y_foot = MARGIN_BOTTOM - 6 * mm
        canvas.line(MARGIN_X, y_foot, PAGE_W - MARGIN_X, y_foot)
        canvas.setFont(FONT, 8.5)
        canvas.drawString(MARGIN_X, MARGIN_BOTTOM - 10 * mm, printed)
        if canvas.getPageNumber() > 1:
            # A loose page must still say which catalogue it belongs to.
            canvas.drawString(MARGIN_X, PAGE_H - MARGIN_TOP + 6 * mm, running)
            y_head = PAGE_H - MARGIN_TOP + 4 * mm
            canvas.line(MARGIN_X, y_head, PAGE_W - MARGIN_X, y_head)
        canvas.restoreState()

    return draw


def _head(data: CatalogueData, st: dict[str, ParagraphStyle]) -> list:
    story: list = [
        Paragraph("Betygskatalog", st["title"]),
        Paragraph(_esc(level_text(data.points_kind)), st["subtitle"]),
    ]
    if data.late:
        story += [
            Spacer(1, 8),
            Table(
                [[Paragraph("Försenad", st["late"]), Paragraph(_esc(LATE_NOTE), st["late_note"])]],
                colWidths=(30 * mm, BODY_W - 30 * mm),
                hAlign="LEFT",
                style=[
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (0, 0), 6),
                ],
            ),
        ]
    story.append(Spacer(1, 10))
    fields = header_fields(data)
    grid = []
    for i in range(0, len(fields), 2):
        row = []
        for label, value in fields[i : i + 2]:
            row += [Paragraph(_esc(label), st["label"]), Paragraph(_esc(value), st["value"])]
        grid.append(row)
    story.append(
        Table(
            grid,
            colWidths=(34 * mm, 52 * mm, 31 * mm, BODY_W - 117 * mm),
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.HexColor("#888888")),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
                ]
            ),
        )
    )
    story.append(Spacer(1, 10))
    return story


def _student_table(data: CatalogueData, st: dict[str, ParagraphStyle]) -> Table:
    pad = 8  # left + right cell padding below
    rows: list[list] = [list(TABLE_HEADER)]
    for r in data.rows:
        row: list = [r.civic_no]
        for text, width in ((r.family_name, COL_WIDTHS[1]), (r.given_name, COL_WIDTHS[2])):
            # Plain strings are fast; only a name too long for its column gets a wrapping Paragraph.
            if pdfmetrics.stringWidth(text, FONT, 9.5) > width - pad:
                row.append(Paragraph(_esc(text), st["cell"]))
            else:
                row.append(text)
        row.append(r.grade)
        rows.append(row)
    return Table(
        rows,
        colWidths=COL_WIDTHS,
        repeatRows=1,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("LEADING", (0, 0), (-1, -1), 11.5),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), (colors.white, colors.HexColor("#f5f5f5"))),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )


def _signature_block(name: str, st: dict[str, ParagraphStyle]) -> Table:
    """Three lines to write on — signature, printed name (filled in), date — labelled below."""
    gap = 6 * mm
    widths = (BODY_W * 0.40, gap, BODY_W * 0.36, gap, BODY_W * 0.24 - 2 * gap)
    sig, namn, datum = (Paragraph(label, st["sig_label"]) for label in SIGNATURE_LABELS)
    return Table(
        [["", "", Paragraph(_esc(name), st["sig_name"]), "", ""], [sig, "", namn, "", datum]],
        colWidths=widths,
        rowHeights=[30, None],
        hAlign="LEFT",
        style=TableStyle(
            [
                # Tables set their own font even for empty cells; the default is Helvetica.
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
                ("TOPPADDING", (0, 1), (-1, 1), 2),
                ("LINEBELOW", (0, 0), (0, 0), 0.8, colors.black),
                ("LINEBELOW", (2, 0), (2, 0), 0.8, colors.black),
                ("LINEBELOW", (4, 0), (4, 0), 0.8, colors.black),
            ]
        ),
    )


def _signatures(data: CatalogueData, st: dict[str, ParagraphStyle]) -> list:
    heading = [
        Spacer(1, 16),
        Paragraph(SIGNATURE_HEADING, st["h2"]),
        Paragraph(_esc(SIGNATURE_NOTE), st["body"]),
        Spacer(1, 6),
    ]
    # No teacher recorded should not happen; a blank block still lets someone sign by hand.
    blocks = [[_signature_block(name, st), Spacer(1, 14)] for name in data.teachers or [""]]
    # The heading travels with the first block; every block stays whole on one page.
    return [KeepTogether(heading + blocks[0])] + [KeepTogether(b) for b in blocks[1:]]


def render_pdf(data: CatalogueData) -> bytes:
    """The catalogue as PDF bytes (A4, every font embedded, "Sida N av M" on every page)."""
    register_fonts()
    st = _styles()
    story = _head(data, st) + [_student_table(data, st)] + _signatures(data, st)
    buf = BytesIO()
    with _render_lock:
        doc = BaseDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"Betygskatalog {data.course_code} {data.group_name}",
            author=data.huvudman,
            subject=f"{data.course_code} {data.course_name}",
            creator="Lärportalen Ping Pong (mock)",
            producer="Lärportalen Ping Pong (mock)",
            lang="sv-SE",
            displayDocTitle=True,
            # Deterministic bytes: no creation date or random document id.
            invariant=1,
            # The canvas's default font would be an unembedded Helvetica.
            initialFontName=FONT,
            initialFontSize=9.5,
            initialLeading=11.5,
        )
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            BODY_W,
            PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate(id="catalogue", frames=[frame], onPage=_on_page(data))])
        doc.build(story, canvasmaker=_NumberedCanvas)
    return buf.getvalue()

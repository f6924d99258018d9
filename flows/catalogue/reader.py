"""Read a grade catalogue PDF back into a :class:`~.model.ParsedCatalogue`.

Works on any deployment's PDF (it never imports a mock): text and positions come from pypdf,
the table is found by its column headers "Personnummer", "Efternamn", "Förnamn", "Betyg", the
head by its labels ("Huvudman", "Kurskod", ...), and each signature block by its labels
"Underskrift", "Namnförtydligande", "Datum" with the printed name above "Namnförtydligande".
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import BinaryIO, Iterable

from pypdf import PdfReader

from betyg_harness.flows.catalogue.model import (
    FIELD_LABELS,
    LATE_MARK,
    SIGNATURE_LABELS,
    TABLE_HEADER,
    TITLE,
    Fragment,
    ParsedCatalogue,
    ParsedRow,
    SignatureBlock,
)

_ROW_ANCHOR = re.compile(r"^[\d][\d\s+\-]{8,14}\d$")  # looks like an id number, even a malformed one
_FOOTER = re.compile(r"Sida\s+(\d+)\s+av\s+(\d+)")
_PRINTED = re.compile(r"Utskriven\s+(\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2})")
_LINE_TOL = 1.5  # pt: fragments this close vertically share a line
_COL_TOL = 3.0  # pt: a cell may start this far left of its column header
_SIG_NAME_GAP = 45.0  # pt: how far above its labels a signature's printed name may stand


def _fragments(page, number: int) -> list[Fragment]:
    out: list[Fragment] = []
    # pypdf hands over a run of text in pieces whenever the font changes (a TrueType subset
    # holds 256 glyphs, so "Fernández" may come as "Fern", "á", "ndez\n"); a piece that does
    # not end the run has no "\n". Glue such pieces back together, keeping the first's place.
    pending: list = []  # [text, x, y, size] of an unfinished run

    def emit(text: str, x: float, y: float, size: float) -> None:
        for k, line in enumerate(text.split("\n")):
            if line.strip():
                out.append(Fragment(" ".join(line.split()), x, y - k * size * 1.2, size, number))

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        # Absolute position: the text matrix's origin through the current transformation matrix.
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        size = (font_size or 0) * (abs(tm[3] * cm[3]) or 1.0)
        if pending and pending[0].strip() and abs(pending[2] - y) <= _LINE_TOL and x >= pending[1] - _LINE_TOL:
            pending[0] += text
        else:
            if pending:
                emit(*pending)
            pending[:] = [text, x, y, size]
        if text.endswith("\n"):
            emit(*pending)
            pending.clear()

    page.extract_text(visitor_text=visit)
    if pending:
        emit(*pending)
    return out


def _lines(frags: Iterable[Fragment]) -> list[list[Fragment]]:
    """Fragments grouped into lines, top to bottom, each left to right."""
    lines: list[list[Fragment]] = []
    for f in sorted(frags, key=lambda f: (-f.y, f.x)):
        if lines and abs(lines[-1][0].y - f.y) <= _LINE_TOL:
            lines[-1].append(f)
        else:
            lines.append([f])
    return [sorted(line, key=lambda f: f.x) for line in lines]


def _join(frags: Iterable[Fragment]) -> str:
    return " ".join(f.text for f in sorted(frags, key=lambda f: (-round(f.y, 0), f.x))).strip()


def _open(pdf: bytes | str | Path | BinaryIO) -> PdfReader:
    if isinstance(pdf, (bytes, bytearray)):
        return PdfReader(io.BytesIO(pdf))
    return PdfReader(pdf)


def _head_fields(lines: list[list[Fragment]], stop_y: float) -> dict[str, str]:
    """Head values: right of each label, down to the next label in that column."""
    labels, inline = _head_labels(lines, stop_y)
    all_frags = [f for line in lines for f in line if f.y > stop_y]
    label_ids = {id(f) for _, f in labels}
    fields: dict[str, str] = {}
    for name, lab in labels:
        fields.setdefault(name, _join(_value_of(lab, labels, all_frags, label_ids, stop_y)))
    for name, text in inline.items():
        fields.setdefault(name, text)
    return fields


def _value_of(
    lab: Fragment, labels: list[tuple[str, Fragment]], all_frags: list[Fragment], label_ids: set[int], stop_y: float
) -> list[Fragment]:
    """The fragments of the label ``lab``'s value: right of it, up to the next label on its line,
    and down to the next label in its column."""
    right = min((o.x for _, o in labels if abs(o.y - lab.y) <= _LINE_TOL and o.x > lab.x + 1), default=float("inf"))
    below = max((o.y for _, o in labels if abs(o.x - lab.x) <= _COL_TOL and o.y < lab.y - 1), default=stop_y)
    return [
        f for f in all_frags if id(f) not in label_ids and lab.x + 1 < f.x < right and below < f.y <= lab.y + _LINE_TOL
    ]


def _head_labels(lines: list[list[Fragment]], stop_y: float) -> tuple[list[tuple[str, Fragment]], dict[str, str]]:
    """The head's labels drawn on their own (name, fragment), and the "Label: value" drawn as one piece."""
    labels: list[tuple[str, Fragment]] = []
    inline: dict[str, str] = {}
    for line in lines:
        if line[0].y <= stop_y:
            break
        for f in line:
            if f.text in FIELD_LABELS or f.text.rstrip(":") in FIELD_LABELS:
                labels.append((f.text.rstrip(":"), f))
            else:
                m = re.match(r"^(%s):\s*(.+)$" % "|".join(map(re.escape, FIELD_LABELS)), f.text)
                if m:  # "Label: value" drawn as one piece
                    inline.setdefault(m.group(1), m.group(2))
    return labels, inline


def _table_header(line: list[Fragment]) -> list[float] | None:
    texts = [f.text for f in line]
    if all(h in texts for h in TABLE_HEADER):
        return [next(f.x for f in line if f.text == h) for h in TABLE_HEADER]
    return None


def _column(x: float, cols: list[float]) -> int:
    """Which column a fragment starting at x is in (-1: left of the table)."""
    idx = -1
    for i, cx in enumerate(cols):
        if x >= cx - _COL_TOL:
            idx = i
    return idx


def _rows_on_page(lines: list[list[Fragment]], cols: list[float], start_y: float | None, page: int) -> list[ParsedRow]:
    rows: list[list[list[Fragment]]] = []
    last_y: float | None = None
    for line in lines:
        y = line[0].y
        if start_y is not None and y >= start_y - _LINE_TOL:
            continue
        step = _row_step(line, cols, bool(rows), last_y)
        if step == "end":
            break
        if step == "skip":
            continue
        if step == "new":
            rows.append([[], [], [], []])
        for f in line:
            col = _column(f.x, cols)
            if col >= 0:
                rows[-1][col].append(f)
        last_y = y
    # Each row holds exactly the table's four columns (appended above as four lists).
    return [
        ParsedRow(_join(civic), _join(last), _join(first), _join(grade), page=page)
        for civic, last, first, grade in rows
    ]


def _row_step(line: list[Fragment], cols: list[float], in_table: bool, last_y: float | None) -> str:
    """What a line below the table header is: a "new" row, "more" of the last one, text to "skip"
    (above the table on a headerless page), or the "end" of the table (signatures, footer)."""
    first = [f for f in line if _column(f.x, cols) == 0]
    if first:
        if _ROW_ANCHOR.match(first[0].text):
            return "new"
        return "end" if in_table else "skip"
    if not in_table or last_y is None or last_y - line[0].y > 2.5 * max(f.size for f in line):
        return "end" if in_table else "skip"
    return "more"


def _signatures(lines: list[list[Fragment]], page: int) -> list[SignatureBlock]:
    blocks = []
    for i, line in enumerate(lines):
        found = {f.text: f for f in line if f.text in SIGNATURE_LABELS}
        if not found:
            continue
        name = None
        anchor = found.get("Namnförtydligande")
        if anchor is not None:
            right = found["Datum"].x - _COL_TOL if "Datum" in found else float("inf")
            for above in reversed(lines[:i]):
                if above[0].y - anchor.y > _SIG_NAME_GAP:
                    break
                near = [f for f in above if anchor.x - _COL_TOL <= f.x < right]
                if near:
                    name = _join(near)
                    break
        labels = tuple(label for label in SIGNATURE_LABELS if label in found)
        blocks.append(SignatureBlock(name, labels, page))
    return blocks


def read_catalogue(pdf: bytes | str | Path | BinaryIO) -> ParsedCatalogue:
    """Parse a catalogue PDF (bytes, a path or a binary file) into a :class:`ParsedCatalogue`."""
    reader = _open(pdf)
    pages = [_fragments(p, n) for n, p in enumerate(reader.pages, start=1)]
    page_lines = [_lines(frags) for frags in pages]
    texts = ["\n".join(" ".join(f.text for f in line) for line in lines) for lines in page_lines]

    title, fields = _head(page_lines[0] if page_lines else [])
    rows, header_pages, headerless, signatures = _tables(page_lines)
    footers = [_footer(text) for text in texts]
    printed = next((m.group(1) for m in map(_PRINTED.search, texts) if m), None)
    late = bool(texts and re.search(rf"\b{LATE_MARK}\b", texts[0]))
    return ParsedCatalogue(
        title=title,
        fields=fields,
        rows=rows,
        signatures=signatures,
        page_count=len(reader.pages),
        footers=footers,
        table_header_pages=header_pages,
        headerless_row_pages=headerless,
        late=late,
        printed_at=printed and " ".join(printed.split()),
        page_texts=texts,
    )


def _head(first: list[list[Fragment]]) -> tuple[str | None, dict[str, str]]:
    """The first page's title and head fields (above the table header)."""
    title = next((f.text for line in first for f in line if f.text == TITLE), None)
    header_y = next((line[0].y for line in first if _table_header(line)), float("-inf"))
    return title, _head_fields(first, header_y)


def _tables(
    page_lines: list[list[list[Fragment]]],
) -> tuple[list[ParsedRow], list[int], list[int], list[SignatureBlock]]:
    """The student rows of every page, the pages with a table header, the pages listing students
    without one, and the signature blocks."""
    rows: list[ParsedRow] = []
    header_pages: list[int] = []
    headerless: list[int] = []
    cols: list[float] | None = None
    signatures: list[SignatureBlock] = []
    for number, lines in enumerate(page_lines, start=1):
        start_y = None
        for line in lines:
            found = _table_header(line)
            if found:
                cols, start_y = found, line[0].y
                header_pages.append(number)
                break
        if cols is not None:
            page_rows = _rows_on_page(lines, cols, start_y, number)
            if page_rows and start_y is None:
                headerless.append(number)
            rows += page_rows
        signatures += _signatures(lines, number)
    return rows, header_pages, headerless, signatures


def _footer(text: str) -> tuple[int, int] | None:
    """A page's "Sida N av M" as (N, M)."""
    m = _FOOTER.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None

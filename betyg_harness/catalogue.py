"""Read a grade catalogue (betygskatalog) PDF back into data and compare it with what it should hold.

Works on any deployment's PDF (it never imports a mock): text and positions come from pypdf,
the table is found by its column headers "Personnummer", "Efternamn", "Förnamn", "Betyg", the
head by its labels ("Huvudman", "Kurskod", ...), and each signature block by its labels
"Underskrift", "Namnförtydligande", "Datum" with the printed name above "Namnförtydligande".

    parsed = read_catalogue(pdf_bytes)
    for d in compare(parsed, ExpectedCatalogue(grades={"19900101-1000": "A"}, teachers=["Karin Lärare"])):
        print(d)

Command line: ``python -m betyg_harness.catalogue file.pdf [--expect expected.json] [--json]`` or
``betygskatalog-check``; exit 0 when nothing differs, 1 otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from betyg_harness import add_version_option
from betyg_harness.text import is_digits

__all__ = [
    "Fragment",
    "ParsedRow",
    "SignatureBlock",
    "ParsedCatalogue",
    "ExpectedStudent",
    "ExpectedCatalogue",
    "Difference",
    "read_catalogue",
    "compare",
    "main",
]

TITLE = "Betygskatalog"
FIELD_LABELS = (
    "Huvudman",
    "Skolenhet",
    "Skolenhetskod",
    "Betygsgrupp",
    "Kurskod",
    "Kursnamn",
    "Poäng",
    "Kursperiod",
    "Betygsdatum",
    "Antal elever",
)
TABLE_HEADER = ("Personnummer", "Efternamn", "Förnamn", "Betyg")
SIGNATURE_LABELS = ("Underskrift", "Namnförtydligande", "Datum")
LATE_MARK = "Försenad"

PERSONNUMMER = re.compile(r"^\d{8}-\d{4}$")
_ROW_ANCHOR = re.compile(r"^[\d][\d\s+\-]{8,14}\d$")  # looks like an id number, even a malformed one
_FOOTER = re.compile(r"Sida\s+(\d+)\s+av\s+(\d+)")
_PRINTED = re.compile(r"Utskriven\s+(\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2})")
_LINE_TOL = 1.5  # pt: fragments this close vertically share a line
_COL_TOL = 3.0  # pt: a cell may start this far left of its column header
_SIG_NAME_GAP = 45.0  # pt: how far above its labels a signature's printed name may stand


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Fragment:
    """One piece of text as drawn: where it starts (PDF points, origin bottom left) and its size."""

    text: str
    x: float
    y: float
    size: float
    page: int  # 1-based


@dataclass(frozen=True)
class ParsedRow:
    personnummer: str
    efternamn: str
    fornamn: str
    betyg: str
    page: int


@dataclass(frozen=True)
class SignatureBlock:
    name: str | None  # the printed name (namnförtydligande), if any
    labels: tuple[str, ...]  # which of "Underskrift", "Namnförtydligande", "Datum" it has
    page: int


@dataclass
class ParsedCatalogue:
    """What a catalogue PDF says, as data."""

    title: str | None
    fields: dict[str, str]  # head label -> value, e.g. "Kurskod" -> "SVESVE01"
    rows: list[ParsedRow]
    signatures: list[SignatureBlock]
    page_count: int
    footers: list[tuple[int, int] | None]  # per page: (N, M) of "Sida N av M", or None
    table_header_pages: list[int]  # pages on which the table header is printed
    headerless_row_pages: list[int]  # pages listing students without a table header
    late: bool
    printed_at: str | None  # "yyyy-mm-dd HH:MM" of "Utskriven ..."
    page_texts: list[str] = field(default_factory=list, repr=False)

    @property
    def grades(self) -> dict[str, str]:
        return {r.personnummer: r.betyg for r in self.rows}

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("page_texts")
        return d


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


# ---------------------------------------------------------------- comparing


@dataclass(frozen=True)
class ExpectedStudent:
    personnummer: str
    betyg: str
    efternamn: str | None = None
    fornamn: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.fornamn, self.efternamn) if p) or self.personnummer


@dataclass
class ExpectedCatalogue:
    """What the catalogue should hold. Everything is optional; what is given is checked.

    ``students`` (in their expected order) or ``grades`` ({personnummer: grade}); ``fields``
    keyed by the printed labels ("Kurskod", "Poäng", ...); ``teachers`` the grading teachers'
    names, one signature block each; ``pages`` the page count; ``late`` whether "Försenad" shows.
    """

    students: list[ExpectedStudent] | None = None
    grades: dict[str, str] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    teachers: list[str] | None = None
    pages: int | None = None
    late: bool | None = None
    printed_at: str | None = None

    def student_map(self) -> dict[str, ExpectedStudent] | None:
        if self.students is not None:
            return {s.personnummer: s for s in self.students}
        if self.grades is not None:
            return {_norm_pnr(p): ExpectedStudent(_norm_pnr(p), g) for p, g in self.grades.items()}
        return None

    @classmethod
    def from_dict(cls, d: dict) -> "ExpectedCatalogue":
        """From JSON: {"fields": {...}, "students": [{"personnummer", "efternamn", "fornamn",
        "betyg"}] or "grades": {pnr: grade}, "teachers": [...], "pages": n, "late": bool}.
        Head fields may also sit at the top level, keyed by label in any case ("kurskod")."""
        labels = {_fold(label): label for label in FIELD_LABELS}
        fields = {labels.get(_fold(k), k): str(v) for k, v in (d.get("fields") or {}).items()}
        for k, v in d.items():
            if _fold(k) in labels:
                fields[labels[_fold(k)]] = str(v)
        students = None
        if d.get("students") is not None:
            students = [
                ExpectedStudent(
                    personnummer=_norm_pnr(s["personnummer"]),
                    betyg=str(s.get("betyg", s.get("grade"))),
                    efternamn=s.get("efternamn", s.get("family_name")),
                    fornamn=s.get("fornamn", s.get("förnamn", s.get("given_name"))),
                )
                for s in d["students"]
            ]
        return cls(
            students=students,
            grades=d.get("grades"),
            fields=fields,
            teachers=d.get("teachers"),
            pages=d.get("pages"),
            late=d.get("late"),
            printed_at=d.get("printed_at") or d.get("utskriven"),
        )


@dataclass(frozen=True)
class Difference:
    kind: str  # e.g. "missing_student", "wrong_grade", "wrong_personnummer", "page_footer"
    message: str  # plain words

    def __str__(self) -> str:
        return self.message


def _fold(s: str) -> str:
    return s.lower().replace(" ", "_").replace("ä", "a").replace("å", "a").replace("ö", "o")


def _norm_pnr(p: str) -> str:
    """Accept BER's 12 digits ("199001011000") as the printed form "19900101-1000"."""
    p = str(p).strip()
    return f"{p[:8]}-{p[8:]}" if re.fullmatch(r"\d{12}", p) else p


def _norm(s: str | None) -> str:
    return " ".join((s or "").split())


def _full(row: ParsedRow) -> str:
    return f"{row.fornamn} {row.efternamn}".strip()


def _same_name(row: ParsedRow, exp: ExpectedStudent) -> bool:
    return (
        exp.efternamn is not None
        and exp.fornamn is not None
        and _norm(row.efternamn) == _norm(exp.efternamn)
        and _norm(row.fornamn) == _norm(exp.fornamn)
    )


def _check_ids(parsed: ParsedCatalogue) -> list[Difference]:
    """What is wrong with the printed personnummer on their own: form and duplicates."""
    out: list[Difference] = []
    seen: dict[str, int] = {}
    for row in parsed.rows:
        seen[row.personnummer] = seen.get(row.personnummer, 0) + 1
        if not PERSONNUMMER.match(row.personnummer):
            out.append(
                Difference(
                    "malformed_personnummer",
                    f"Personnumret {row.personnummer!r} för {_full(row)} (sida "
                    f"{row.page}) har inte formen ÅÅÅÅMMDD-NNNN.",
                )
            )
    for pnr, n in seen.items():
        if n > 1:
            out.append(Difference("duplicate_student", f"Personnumret {pnr} står {n} gånger."))
    return out


def _compare_rows(
    parsed: ParsedCatalogue, expected: dict[str, ExpectedStudent], order: list[str] | None
) -> list[Difference]:
    out: list[Difference] = []
    printed = {r.personnummer: r for r in parsed.rows}
    missing = [e for p, e in expected.items() if p not in printed]
    named_missing = {(_norm(e.efternamn), _norm(e.fornamn)): e for e in missing if e.efternamn is not None}
    explained: set[str] = set()
    who: list[str] = []  # per printed row, the expected student it stands for (by pnr)
    for row in parsed.rows:
        exp = expected.get(row.personnummer)
        if exp is None:
            out += _unexpected_row(row, named_missing, explained, who)
        elif exp.efternamn is not None and exp.fornamn is not None and not _same_name(row, exp):
            out += _other_name(row, exp, expected, who)
        else:
            out += _expected_row(row, exp, who)
    for e in missing:
        if e.personnummer not in explained:
            out.append(
                Difference(
                    "missing_student", f"Eleven {e.name} ({e.personnummer}, betyg {e.betyg!r}) saknas i katalogen."
                )
            )
    if order is not None:
        out += _compare_order(expected, order, who)
    return out


def _unexpected_row(
    row: ParsedRow, named_missing: dict[tuple[str, str], ExpectedStudent], explained: set[str], who: list[str]
) -> list[Difference]:
    """A row whose personnummer no expected student has: a missing student's under a wrong
    personnummer (``explained`` and ``who`` grow by them), or an extra student."""
    owner = named_missing.get((_norm(row.efternamn), _norm(row.fornamn)))
    if owner is None:
        return [
            Difference(
                "extra_student",
                f"Oväntad elev {_full(row)} ({row.personnummer}), betyg {row.betyg!r}, på sida {row.page}.",
            )
        ]
    explained.add(owner.personnummer)
    who.append(owner.personnummer)
    out = [
        Difference(
            "wrong_personnummer",
            f"{owner.name} står med personnumret {row.personnummer}, väntat {owner.personnummer}.",
        )
    ]
    if _norm(row.betyg) != _norm(owner.betyg):
        out.append(
            Difference(
                "wrong_grade",
                f"Fel betyg för {owner.name} ({owner.personnummer}): väntat {owner.betyg!r}, utskrivet {row.betyg!r}.",
            )
        )
    return out


def _other_name(
    row: ParsedRow, exp: ExpectedStudent, expected: dict[str, ExpectedStudent], who: list[str]
) -> list[Difference]:
    """A row with ``exp``'s personnummer and another name: another expected student's row with a
    swapped or wrong personnummer, or ``exp``'s row with a wrong name (``who`` grows by the one)."""
    other = next((e for e in expected.values() if e is not exp and _same_name(row, e)), None)
    if other is None:
        return [
            Difference("wrong_name", f"Personnumret {row.personnummer}: väntat {exp.name}, utskrivet {_full(row)}."),
            *_expected_row(row, exp, who),
        ]
    who.append(other.personnummer)
    out = [
        Difference(
            "wrong_personnummer",
            f"Personnumret {row.personnummer} tillhör {exp.name} men "
            f"står vid {other.name} (väntat "
            f"{other.personnummer}): förväxlat eller fel personnummer.",
        )
    ]
    if _norm(row.betyg) != _norm(other.betyg):
        out.append(
            Difference(
                "wrong_grade",
                f"Fel betyg för {other.name}: väntat {other.betyg!r}, utskrivet {row.betyg!r}.",
            )
        )
    return out


def _expected_row(row: ParsedRow, exp: ExpectedStudent, who: list[str]) -> list[Difference]:
    """``exp``'s row: its grade compared (``who`` grows by it)."""
    who.append(exp.personnummer)
    if _norm(row.betyg) == _norm(exp.betyg):
        return []
    # Expected by personnummer only: the name is the one printed.
    name = exp.name if exp.fornamn is not None else _full(row)
    return [
        Difference(
            "wrong_grade",
            f"Fel betyg för {name} ({row.personnummer}): väntat {exp.betyg!r}, utskrivet {row.betyg!r}.",
        )
    ]


def _compare_order(expected: dict[str, ExpectedStudent], order: list[str], who: list[str]) -> list[Difference]:
    """The first row out of the expected order, if any."""
    present = set(who)
    want = [p for p in order if p in present]
    got = list(dict.fromkeys(who))
    if got == want:
        return []
    i = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
    return [
        Difference(
            "row_order",
            f"Raderna står inte i väntad ordning: rad {i + 1} "
            f"är {expected[got[i]].name}, väntat {expected[want[i]].name}.",
        )
    ]


def _compare_pages(parsed: ParsedCatalogue, pages: int | None) -> list[Difference]:
    out: list[Difference] = []
    total = parsed.page_count
    if pages is not None and total != pages:
        out.append(Difference("wrong_page_count", f"Katalogen har {total} sidor, väntat {pages}."))
    for n, footer in enumerate(parsed.footers, start=1):
        if footer is None:
            out.append(Difference("page_footer", f'Sida {n} av {total} saknar "Sida N av M".'))
        elif footer != (n, total):
            out.append(
                Difference(
                    "page_footer",
                    f'Sida {n} av {total} säger "Sida {footer[0]} av {footer[1]}", väntat "Sida {n} av {total}".',
                )
            )
    for n in parsed.headerless_row_pages:
        out.append(
            Difference("header_not_repeated", f"Sida {n} listar elever utan tabellhuvudet ({', '.join(TABLE_HEADER)}).")
        )
    return out


def _compare_signatures(parsed: ParsedCatalogue, teachers: list[str] | None) -> list[Difference]:
    out: list[Difference] = []
    for b in parsed.signatures:
        lacking = [label for label in SIGNATURE_LABELS if label not in b.labels]
        if lacking:
            out.append(
                Difference(
                    "incomplete_signature",
                    f"Underskriftsblocket för {b.name or 'en lärare utan namn'} på "
                    f"sida {b.page} saknar {', '.join(lacking)}.",
                )
            )
    if teachers is None:
        return out
    names = [_norm(b.name) for b in parsed.signatures]
    for t in teachers:
        if _norm(t) in names:
            names.remove(_norm(t))
        else:
            out.append(Difference("missing_signature", f"Underskriftsblock saknas för betygsättande lärare {t}."))
    for extra in names:
        out.append(Difference("extra_signature", f"Oväntat underskriftsblock för {extra or 'en lärare utan namn'}."))
    return out


def compare(parsed: ParsedCatalogue, expected: ExpectedCatalogue | dict | None = None) -> list[Difference]:
    """Every way ``parsed`` differs from ``expected``, plus what is wrong on its own
    (no title, a broken "Sida N av M", a page listing students without the table header)."""
    if expected is None:
        expected = ExpectedCatalogue()
    elif isinstance(expected, dict):
        expected = ExpectedCatalogue.from_dict(expected)
    out = _compare_head(parsed, expected)
    out += _check_ids(parsed)
    students = expected.student_map()
    if students is not None:
        order = [s.personnummer for s in expected.students] if expected.students else None
        out += _compare_rows(parsed, students, order)
    out += _compare_signatures(parsed, expected.teachers)
    out += _compare_pages(parsed, expected.pages)
    out += _compare_marks(parsed, expected)
    return out


def _compare_head(parsed: ParsedCatalogue, expected: ExpectedCatalogue) -> list[Difference]:
    """The title, the head's fields, and "Antal elever" against the rows listed."""
    out: list[Difference] = []
    if parsed.title != TITLE:
        out.append(Difference("title", f'Rubriken "{TITLE}" saknas.'))
    for label, want in expected.fields.items():
        got = parsed.fields.get(label)
        if got is None:
            out.append(Difference("missing_field", f'Fältet "{label}" saknas i huvudet (väntat {want!r}).'))
        elif _norm(got) != _norm(want):
            out.append(Difference("wrong_field", f'Fältet "{label}": väntat {want!r}, utskrivet {got!r}.'))
    count = parsed.fields.get("Antal elever")
    if count is not None and is_digits(count.strip()) and int(count) != len(parsed.rows):
        out.append(
            Difference(
                "student_count", f'"Antal elever" säger {count.strip()}, men {len(parsed.rows)} elever står i listan.'
            )
        )
    return out


def _compare_marks(parsed: ParsedCatalogue, expected: ExpectedCatalogue) -> list[Difference]:
    """The late mark "Försenad" and "Utskriven", when expected."""
    out: list[Difference] = []
    if expected.late is not None and parsed.late != expected.late:
        out.append(
            Difference(
                "late_mark",
                f'Märkningen "{LATE_MARK}" saknas'
                if expected.late
                else f'Oväntad märkning "{LATE_MARK}": gruppen är inte sen.',
            )
        )
    if expected.printed_at is not None and _norm(parsed.printed_at) != _norm(expected.printed_at):
        out.append(
            Difference("printed_at", f'Väntat "Utskriven {expected.printed_at}", utskrivet {parsed.printed_at!r}.')
        )
    return out


# ---------------------------------------------------------------- command line


def format_catalogue(parsed: ParsedCatalogue) -> str:
    """The parsed catalogue as plain text, for people."""
    out = [f"{parsed.title or '(ingen rubrik)'}" + (f"  [{LATE_MARK}]" if parsed.late else "")]
    width = max((len(k) for k in parsed.fields), default=0)
    out += [f"  {k.ljust(width)}  {v}" for k, v in parsed.fields.items()]
    out.append(f"  {'Utskriven'.ljust(width)}  {parsed.printed_at or '-'}")
    out.append("")
    out += _format_rows(parsed.rows)
    out.append("")
    out.append(f"{len(parsed.signatures)} underskriftsblock:")
    out += [f"  {b.name or '(inget namn)'} — {', '.join(b.labels)} (sida {b.page})" for b in parsed.signatures]
    out.append("")
    footers = ", ".join(f"Sida {f[0]} av {f[1]}" if f else "(ingen)" for f in parsed.footers)
    out.append(f"{parsed.page_count} {'sida' if parsed.page_count == 1 else 'sidor'}: {footers}")
    out.append(f"Tabellhuvud på sidorna: {', '.join(map(str, parsed.table_header_pages)) or '-'}")
    return "\n".join(out)


def _format_rows(rows: list[ParsedRow]) -> list[str]:
    """The student rows as a table, each column as wide as its widest cell."""
    out = [f"{len(rows)} {'elev' if len(rows) == 1 else 'elever'}:"]
    w = [
        max([len(h)] + [len(getattr(r, a)) for r in rows])
        for h, a in zip(TABLE_HEADER, ("personnummer", "efternamn", "fornamn", "betyg"))
    ]
    out.append("  " + "  ".join(h.ljust(n) for h, n in zip(TABLE_HEADER, w)) + "  Sida")
    for r in rows:
        out.append(
            "  "
            + "  ".join(v.ljust(n) for v, n in zip((r.personnummer, r.efternamn, r.fornamn, r.betyg), w))
            + f"  {r.page}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """``betygskatalog-check file.pdf [--expect expected.json] [--json]``: 0 if nothing differs."""
    ap = argparse.ArgumentParser(
        prog="betygskatalog-check",
        description="Läser en betygskatalog (pdf) och jämför den med det väntade innehållet.",
    )
    add_version_option(ap)
    ap.add_argument("pdf", type=Path, help="betygskatalogen (pdf)")
    ap.add_argument(
        "--expect",
        type=Path,
        help="JSON med det väntade innehållet (se "
        "ExpectedCatalogue.from_dict): fields, students eller grades, teachers, pages",
    )
    ap.add_argument("--json", action="store_true", help="skriv ut den lästa katalogen och skillnaderna som JSON")
    args = ap.parse_args(argv)
    for path in filter(None, (args.pdf, args.expect)):
        if not path.is_file():
            print(f"betygskatalog-check: filen «{path}» finns inte.", file=sys.stderr)
            return 2
    try:
        parsed = read_catalogue(args.pdf)
    except (OSError, ValueError, PyPdfError) as e:
        print(
            f"betygskatalog-check: «{args.pdf}» går inte att läsa som en pdf ({type(e).__name__}: {e}).",
            file=sys.stderr,
        )
        return 2
    try:
        expected = (
            ExpectedCatalogue.from_dict(json.loads(args.expect.read_text("utf-8")))
            if args.expect
            else ExpectedCatalogue()
        )
    except (OSError, ValueError, KeyError) as e:
        print(f"betygskatalog-check: förväntningarna i «{args.expect}» går inte att läsa ({e}).", file=sys.stderr)
        return 2
    diffs = compare(parsed, expected)
    if args.json:
        print(
            json.dumps(
                {"catalogue": parsed.to_dict(), "differences": [asdict(d) for d in diffs]}, ensure_ascii=False, indent=2
            )
        )
    else:
        print(format_catalogue(parsed))
        print()
        if diffs:
            print(f"{len(diffs)} {'skillnad' if len(diffs) == 1 else 'skillnader'}:")
            print("\n".join(f"  - {d}" for d in diffs))
        else:
            print("Inga skillnader.")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

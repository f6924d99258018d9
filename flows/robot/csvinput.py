"""Reading and validating the grades file, all of it, before any browser opens.

Columns ``personnummer,kurskod,grupp,betyg,larare`` in any order, more columns ignored (and named in
a note). A CSV file (comma or semicolon, UTF-8 with or without BOM, as Excel writes it) or a
workbook (.xlsx, .xlsm, .xls, .ods: :mod:`.workbook`), recognised by its content. ``larare`` is
the grading teacher's full name as in BER; several are separated by ``|``. Every bad row is reported with its line number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from betyg_harness.flows.robot import workbook
from betyg_harness.flows.scales import display_personnummer, is_course_code, normalize_personnummer, scale_for
from betyg_harness.text import close_matches, only_digits, os_error_sv

COLUMNS = ["personnummer", "kurskod", "grupp", "betyg", "larare"]
_ALIASES = {"lärare": "larare"}
TEACHER_SEPARATOR = "|"
_DASHES = {"–": "-", "—": "-", "‐": "-", "−": "-"}


@dataclass(frozen=True)
class InputProblem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}" if self.line else self.message


@dataclass
class GroupJob:
    """All rows of one grade group (grupp, kurskod): what the robot does in one go."""

    grupp: str
    kurskod: str
    teachers: tuple[str, ...]
    grades: dict[str, str] = field(default_factory=dict)  # personnummer12 → grade
    lines: dict[str, int] = field(default_factory=dict)  # personnummer12 → line number

    @property
    def key(self) -> str:
        return f"{self.grupp}|{self.kurskod}"

    def digest(self) -> str:
        """Fingerprint of what is asked, so a journal entry is only trusted for the same request."""
        body = json.dumps([self.grupp, self.kurskod, sorted(self.teachers), sorted(self.grades.items())])
        return hashlib.sha256(body.encode()).hexdigest()[:16]


class BadInput(Exception):
    def __init__(self, problems: list[InputProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise BadInput([InputProblem(None, "filen är UTF-16. Spara den i Excel som «CSV UTF-8 (kommaavgränsad)».")])
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise BadInput(
            [
                InputProblem(
                    line,
                    "filen innehåller NUL-tecken: den är ingen textfil i CSV-format "
                    "(UTF-16 eller ett kalkylark?). Spara den som «CSV UTF-8».",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(
            [
                InputProblem(
                    line,
                    "filen är inte UTF-8 (tecknet på byte "
                    f"{exc.start} kan inte läsas). Spara den i Excel som "
                    "«CSV UTF-8 (kommaavgränsad)».",
                )
            ]
        ) from None


def fold_header(name: str) -> str:
    """A column name as compared: case, spacing and å/ä/ö do not matter ("Lärare " is larare)."""
    return " ".join(name.replace("\ufeff", "").split()).casefold().translate(_SWEDISH)


_SWEDISH = str.maketrans("åäöé", "aaoe")


@dataclass
class Columns:
    """Where each required column is; the rest are named in a note and ignored."""

    index: dict[str, int]
    width: int
    extra: list[str]


def _columns(names: list[str]) -> tuple[Columns | None, list[str]]:
    """The required columns found in a header row, or None and what is wrong with it."""
    index: dict[str, int] = {}
    extra, problems = [], []
    for i, raw in enumerate(names):
        name = fold_header(raw)
        name = _ALIASES.get(name, name)
        if name in COLUMNS:
            if name in index:
                problems.append(f"kolumnen «{name}» finns två gånger (kolumn {index[name] + 1} och {i + 1}).")
            else:
                index[name] = i
        elif name:
            extra.append(raw.strip())
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        problems.append(f"saknar {', '.join(missing)}")
    return (None if problems else Columns(index, len(names), extra)), problems


def _header(text: str) -> tuple[str, Columns]:
    first = text.splitlines()[0] if text else ""
    expected = ",".join(COLUMNS)
    why = []
    for delimiter in (",", ";"):
        columns, problems = _columns(next(csv.reader([first], delimiter=delimiter), []))
        if columns:
            return delimiter, columns
        why.append(problems)
    if "\t" in first or "|" in first:
        sep = "tabb" if "\t" in first else "|"
        raise BadInput(
            [
                InputProblem(
                    1, f"fel avgränsare ({sep}): använd kommatecken eller semikolon, med rubrikraden {expected}."
                )
            ]
        )
    best = min(why, key=lambda p: len(p[-1]))  # the delimiter that found most of the columns
    raise BadInput(
        [
            InputProblem(
                1,
                f"fel rubrikrad «{first.strip()}» ({'; '.join(best)}): väntade {expected} "
                "(kommatecken eller semikolon som avgränsare; fler kolumner går bra).",
            )
        ]
    )


MAX_FIELD = 1_000  # characters: no personnummer, code, group or teacher list is longer


def _rows(reader, problems: list[InputProblem]):
    """The CSV rows with their line numbers; a row the csv module cannot read, or with an overlong
    field, is a problem of its line."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(InputProblem(reader.line_num, f"raden kan inte läsas som CSV ({exc})."))
            return  # the reader cannot go on after this
        long = next((f for f in fields if len(f) > MAX_FIELD), None)
        if long is not None:
            problems.append(
                InputProblem(reader.line_num, f"ett fält är för långt ({len(long)} tecken, högst {MAX_FIELD}).")
            )
            continue
        yield reader.line_num, fields


# Excel writes a number of 12 digits in a "Standard" cell as 1,99006E+11: the last digits are gone.
_SCIENTIFIC = re.compile(r"^\d{1,3}(?:[.,]\d*)?[eE][+]?\d{1,2}$")


def _personnummer_problem(raw: str) -> str:
    if _SCIENTIFIC.match(raw.replace(" ", "")):
        return (
            f"personnumret «{raw}»: Excel har gjort personnumret till ett tal i exponentform, och "
            "siffrorna efter de första syns inte i filen. Formatera kolumnen som text och exportera igen "
            "(eller ge roboten arbetsboken, .xlsx, direkt)."
        )
    if only_digits(raw) == raw and len(raw) == 9:
        return (
            f"ogiltigt personnummer «{raw}» (9 siffror: har Excel tagit bort en inledande nolla? "
            "Formatera kolumnen som text och exportera igen)."
        )
    return f"ogiltigt personnummer «{raw}» (kontrollsiffran eller datumet stämmer inte)."


def did_you_mean(suggestions: Iterable[str]) -> str:
    """ " Menade du «A» eller «B»?" — or nothing when there is nothing to suggest."""
    names = list(suggestions)
    return f" Menade du {' eller '.join(f'«{s}»' for s in names)}?" if names else ""


def suggest(name: str, known: Iterable[str]) -> list[str]:
    """Up to three of ``known`` that ``name`` probably means, best first: those equal but for case and
    spacing, else those close in spelling (difflib). A hint for a person, never chosen for them."""
    return close_matches(name, known, n=3)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _variants(rows: list[tuple], key, what: str) -> dict[int, str]:
    """Rows whose name differs from another row's only in case or spacing → the problem of the row.
    The spelling most rows use is taken as meant (the first one on a tie), and only suggested."""
    spellings: dict[object, dict[str, list[int]]] = {}
    for row in rows:
        for scope, name in key(row):
            spellings.setdefault((scope, _fold(name)), {}).setdefault(name, []).append(row[0])
    problems: dict[int, str] = {}
    for forms in spellings.values():
        if len(forms) < 2:
            continue
        meant = max(forms, key=lambda n: (len(forms[n]), -forms[n][0]))
        lines = forms[meant]
        more = len(lines) - 1
        where = f"rad {lines[0]}" + (f" och {more} {'rad' if more == 1 else 'rader'} till" if more else "")
        for name, at in forms.items():
            if name != meant:
                for line in at:
                    problems.setdefault(
                        line,
                        f"{what} «{name}» skrivs «{meant}» på {where} (bara stora och små "
                        f"bokstäver eller mellanslag skiljer).{did_you_mean([meant])}",
                    )
    return problems


def _table(data: bytes) -> tuple[Columns, Iterable[tuple[int, list[str]]], list[InputProblem], list[str]]:
    """Header and rows of text, from a workbook or a CSV file; problems found while reading."""
    problems: list[InputProblem] = []
    if workbook.is_workbook(data):
        try:
            sheet = workbook.read_sheet(data, lambda names: _columns(names)[0] is not None)
        except workbook.WorkbookError as exc:
            raise BadInput([InputProblem(None, str(exc))]) from None
        columns, why = _columns(sheet.header)
        if columns is None:
            raise BadInput(
                [
                    InputProblem(
                        sheet.header_line,
                        f"fel rubrikrad i bladet «{sheet.name}» "
                        f"«{' | '.join(h for h in sheet.header if h)}» "
                        f"({'; '.join(why)}): väntade kolumnerna "
                        f"{', '.join(COLUMNS)}.",
                    )
                ]
            )
        pnr_col = columns.index["personnummer"]

        def cells(row: Sequence[object]) -> list[str]:
            texts = [workbook.cell_text(c) for c in row]
            if isinstance(row[pnr_col], float) and len(texts[pnr_col]) == 9:
                texts[pnr_col] = "0" + texts[pnr_col]  # a number cell lost the 10-digit form's leading zero
            return texts

        return columns, ((line, cells(row)) for line, row in sheet.rows), problems, sheet.notes
    text = _decode(data)
    delimiter, columns = _header(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    return columns, _rows(reader, problems), problems, []


class GradesFile(list):
    """The groups to grade (a list of :class:`GroupJob`), with ``notes`` for the admin: what was read
    and what was left aside (extra columns, the sheet used)."""

    notes: list[str]


_Parsed = tuple[int, str, str, str, str, tuple[str, ...]]  # line, personnummer12, kurskod, grupp, grade, teachers


def parse_grades(data: bytes) -> GradesFile:
    """The groups to grade; BadInput lists every problem (file-level, or each bad row)."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise BadInput([InputProblem(None, "filen är tom: ingen rubrikrad och inga betyg.")])
    columns, table, problems, notes = _table(data)
    if columns.extra:
        notes.append(_extra_columns_note(columns.extra))
    parsed, rows = _parse_rows(columns, table, problems)
    jobs = _group_jobs(parsed, problems)
    if rows == 0 and not problems:
        problems.append(InputProblem(None, "filen har en rubrikrad men inga betyg."))
    if problems:
        raise BadInput(sorted(problems, key=lambda p: p.line or 0))
    result = GradesFile(jobs)
    result.notes = notes
    return result


def _extra_columns_note(extra: list[str]) -> str:
    return (
        f"{len(extra)} kolumn{'er' if len(extra) > 1 else ''} "
        f"utöver {', '.join(COLUMNS)} lästes inte: {', '.join(f'«{c}»' for c in extra)}."
    )


def _parse_rows(
    columns: Columns, table: Iterable[tuple[int, list[str]]], problems: list[InputProblem]
) -> tuple[list[_Parsed], int]:
    """The rows that read, and how many rows were not empty; each bad row's problems go to
    ``problems``."""
    at = [columns.index[c] for c in COLUMNS]
    parsed: list[_Parsed] = []
    rows = 0
    for line, fields in table:
        if not any(f.strip() for f in fields):
            continue  # Excel's empty trailing rows
        rows += 1
        fields = _fit(fields, columns.width, at)
        if len(fields) != columns.width:
            problems.append(
                InputProblem(
                    line,
                    f"väntade {columns.width} fält, fick {len(fields)} "
                    f"(fel avgränsare eller ett kommatecken i ett namn utan citattecken?).",
                )
            )
            continue
        row, row_problems = _parse_row(line, *(fields[i].strip() for i in at))
        if row_problems:
            problems.extend(InputProblem(line, m) for m in row_problems)
            continue
        assert row is not None  # a row without problems reads
        parsed.append(row)
    return parsed, rows


def _fit(fields: list[str], width: int, at: list[int]) -> list[str]:
    """A row's fields to the header's width where only empty or ignored cells differ."""
    if len(fields) > width and not any(f.strip() for f in fields[width:]):
        return fields[:width]  # trailing empty cells
    if max(at) < len(fields) < width:
        return fields + [""] * (width - len(fields))  # only ignored columns left out at the end
    return fields


def _parse_row(
    line: int, raw_pnr: str, kurskod: str, grupp: str, betyg: str, larare: str
) -> tuple[_Parsed | None, list[str]]:
    """One row's values, or the problems of the row (all of them)."""
    row_problems = []
    try:
        pnr = normalize_personnummer(raw_pnr)
    except ValueError:
        pnr = None
        row_problems.append(_personnummer_problem(raw_pnr))
    scale = None
    if not is_course_code(kurskod):
        row_problems.append(f"okänd kurskod «{kurskod}» (väntade en nationell kurskod som SVESVE01 eller GRNMAT2).")
    else:
        scale = scale_for(kurskod)
    grade = "".join(_DASHES.get(ch, ch) for ch in betyg).upper()
    if scale and grade not in scale:
        row_problems.append(f"betyget «{betyg}» finns inte i betygsskalan för {kurskod} ({', '.join(scale)}).")
    if not grupp:
        row_problems.append("gruppnamn saknas.")
    teachers = tuple(t.strip() for t in larare.split(TEACHER_SEPARATOR) if t.strip())
    if not teachers:
        row_problems.append("betygssättande lärare saknas (fullständigt namn som i BER).")
    if row_problems:
        return None, row_problems
    assert pnr is not None  # one that does not read is a row problem
    return (line, pnr, kurskod, grupp, grade, teachers), []


def _group_jobs(parsed: list[_Parsed], problems: list[InputProblem]) -> list[GroupJob]:
    """The rows that read, by grade group; a row written another way than the others, a duplicate, or
    other teachers for the same group is a problem of its line."""
    # A name written another way in some rows is refused there, with the other spelling as a hint.
    variants = _variants(parsed, lambda r: [(r[2], r[3])], "gruppnamnet")
    for line, message in _variants(parsed, lambda r: [(None, t) for t in r[5]], "läraren").items():
        variants.setdefault(line, message)
    jobs: dict[tuple[str, str], GroupJob] = {}
    job_line: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for line, pnr, kurskod, grupp, grade, teachers in parsed:
        if line in variants:
            problems.append(InputProblem(line, variants[line]))
            continue
        key = (pnr, kurskod, grupp)
        if key in seen:
            problems.append(
                InputProblem(
                    line,
                    f"dubblett: {display_personnummer(pnr)} har redan ett betyg i "
                    f"{kurskod} i gruppen «{grupp}» på rad {seen[key]}.",
                )
            )
            continue
        seen[key] = line
        gkey = (grupp, kurskod)
        if gkey in jobs and jobs[gkey].teachers != teachers:
            problems.append(
                InputProblem(
                    line,
                    f"andra betygssättande lärare än rad {job_line[gkey]} för samma "
                    f"grupp ({' | '.join(teachers)} / {' | '.join(jobs[gkey].teachers)}); "
                    "en grupp sparas med samma lärare för alla.",
                )
            )
            continue
        job = jobs.setdefault(gkey, GroupJob(grupp=grupp, kurskod=kurskod, teachers=teachers))
        job_line.setdefault(gkey, line)
        job.grades[pnr] = grade
        job.lines[pnr] = line
    return list(jobs.values())


def read_grades(path: Path | str) -> GradesFile:
    """The groups of a grades file (CSV, or a workbook recognised by its content); BadInput lists every
    problem before anything is opened. Notes (extra columns, the sheet read) are in ``.notes`` and logged."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput([InputProblem(None, f"kan inte läsa {path}: {os_error_sv(exc)}.")]) from None
    jobs = parse_grades(data)
    for note in jobs.notes:
        logging.getLogger("betygsrobot").warning("%s: %s", path.name, note)
    return jobs

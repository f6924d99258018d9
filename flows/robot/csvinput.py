"""Reading and validating the grades file, all of it, before any browser opens.

Header ``personnummer,kurskod,grupp,betyg,larare`` (comma or semicolon, UTF-8 with or without
BOM, as Excel writes it). ``larare`` is the grading teacher's full name as in BER; several are
separated by ``|``. Every bad row is reported with its line number.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from betyg_harness.flows.scales import display_personnummer, is_course_code, normalize_personnummer, scale_for

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
        raise BadInput([InputProblem(line, "filen innehåller NUL-tecken: den är ingen textfil i CSV-format "
                                           "(UTF-16 eller ett kalkylark?). Spara den som «CSV UTF-8».")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput([InputProblem(line, "filen är inte UTF-8 (tecknet på byte "
                                           f"{exc.start} kan inte läsas). Spara den i Excel som "
                                           "«CSV UTF-8 (kommaavgränsad)».")]) from None


def _header(text: str) -> tuple[str, list[str]]:
    first = text.splitlines()[0] if text else ""
    for delimiter in (",", ";"):
        names = [_ALIASES.get(n.strip().lower(), n.strip().lower()) for n in next(csv.reader([first], delimiter=delimiter))]
        if names == COLUMNS:
            return delimiter, names
    expected = ",".join(COLUMNS)
    if "\t" in first or "|" in first:
        sep = "tabb" if "\t" in first else "|"
        raise BadInput([InputProblem(1, f"fel avgränsare ({sep}): använd kommatecken eller semikolon, "
                                        f"med rubrikraden {expected}.")])
    raise BadInput([InputProblem(1, f"fel rubrikrad «{first.strip()}»: väntade {expected} "
                                    "(kommatecken eller semikolon som avgränsare).")])


MAX_FIELD = 1_000  # characters: no personnummer, code, group or teacher list is longer


def _rows(reader, problems: list[InputProblem]):
    """The CSV rows; a row the csv module cannot read, or with an overlong field, is a problem of its line."""
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
            problems.append(InputProblem(reader.line_num, f"ett fält är för långt ({len(long)} tecken, högst "
                                                          f"{MAX_FIELD})."))
            continue
        yield fields


def parse_grades(data: bytes) -> list[GroupJob]:
    """The groups to grade; BadInput lists every problem (file-level, or each bad row)."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise BadInput([InputProblem(None, "filen är tom: ingen rubrikrad och inga betyg.")])
    text = _decode(data)
    delimiter, _ = _header(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    problems: list[InputProblem] = []
    jobs: dict[tuple[str, str], GroupJob] = {}
    job_line: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    rows = 0
    for fields in _rows(reader, problems):
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # Excel's empty trailing rows
        rows += 1
        if len(fields) != len(COLUMNS):
            problems.append(InputProblem(line, f"väntade {len(COLUMNS)} fält, fick {len(fields)} "
                                               f"(fel avgränsare eller ett kommatecken i ett namn utan citattecken?)."))
            continue
        raw_pnr, kurskod, grupp, betyg, larare = (f.strip() for f in fields)
        row_problems = []
        try:
            pnr = normalize_personnummer(raw_pnr)
        except ValueError:
            pnr = None
            row_problems.append(f"ogiltigt personnummer «{raw_pnr}» (kontrollsiffran eller datumet stämmer inte).")
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
        if pnr and is_course_code(kurskod):
            key = (pnr, kurskod, grupp)
            if key in seen:
                row_problems.append(f"dubblett: {display_personnummer(pnr)} har redan ett betyg i {kurskod} "
                                    f"i gruppen «{grupp}» på rad {seen[key]}.")
            else:
                seen[key] = line
        gkey = (grupp, kurskod)
        if gkey in jobs and teachers and jobs[gkey].teachers != teachers:
            row_problems.append(f"andra betygssättande lärare än rad {job_line[gkey]} för samma grupp "
                                f"({' | '.join(teachers)} / {' | '.join(jobs[gkey].teachers)}); "
                                "en grupp sparas med samma lärare för alla.")
        if row_problems:
            problems.extend(InputProblem(line, m) for m in row_problems)
            continue
        job = jobs.setdefault(gkey, GroupJob(grupp=grupp, kurskod=kurskod, teachers=teachers))
        job_line.setdefault(gkey, line)
        job.grades[pnr] = grade
        job.lines[pnr] = line
    if rows == 0 and not problems:
        problems.append(InputProblem(None, "filen har en rubrikrad men inga betyg."))
    if problems:
        raise BadInput(problems)
    return list(jobs.values())


def read_grades(path: Path | str) -> list[GroupJob]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput([InputProblem(None, f"kan inte läsa {path}: {exc.strerror}.")]) from None
    return parse_grades(data)

"""The grading rules of DOMAIN.md, each in one function; no HTTP and no SQL here.

Used by the UI, the grade API, the catalogue and the sync alike (through ``ui.steps`` and
``store``), so a rule changes in one place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from betyg_harness import scales
from betyg_harness import identity
from betyg_harness import text as text_digits
from betyg_harness.mock_kit.clock import STOCKHOLM

# -- grade scales (betyg_harness.scales) ----------------------------------------------------------
DAYS_ON_TIME = 14


def grade_scale(school_type: str) -> tuple[str, ...]:
    """The steps of a course's grade scale from its Syllabus.schoolType (VUXGY: A–F and "-"; VUXGR: G/IG)."""
    try:
        return scales.scale_of_school_type(school_type)
    except KeyError:
        raise ValueError(f"Okänd skolform för betygsskala: {school_type}") from None


def points_kind(school_type: str) -> str:
    return "verksamhetspoäng" if school_type == scales.VUXGR else "gymnasiepoäng"


# -- who is graded --------------------------------------------------------------------------------
def is_admitted(membership_end: date | None, course_end: date) -> bool:
    """Admitted ("Antagen") at course end: a membership with no end date or one ending on/after it."""
    return membership_end is None or membership_end >= course_end


def is_searchable(grader_count: int) -> bool:
    """A group is searchable in Ping Pong only if BER links at least one grading teacher to it."""
    return grader_count > 0


# -- the course-end window ------------------------------------------------------------------------
def grading_opens(course_end: date) -> date:
    """Grades are registered no earlier than the course-end day."""
    return course_end


def last_day_on_time(course_end: date) -> date:
    """... and no later than two weeks after course end."""
    return course_end + timedelta(days=DAYS_ON_TIME)


def is_gradeable(today: date, course_end: date) -> bool:
    return today >= grading_opens(course_end)


def is_late(today: date, course_end: date, missing_locked: int) -> bool:
    """Late ("Försenad"): past the last day on time while an admitted student lacks a locked grade."""
    return today > last_day_on_time(course_end) and missing_locked > 0


def group_status(today: date, course_end: date, admitted: int, graded: int, locked: int) -> str:
    """Ej påbörjad / Pågår / Klar / Försenad, from counts over the admitted students."""
    missing = admitted - locked
    if admitted > 0 and missing <= 0:
        return "Klar"
    if is_late(today, course_end, missing):
        return "Försenad"
    if graded > 0:
        return "Pågår"
    return "Ej påbörjad"


def catalogue_ready(admitted: int, locked: int) -> bool:
    """The catalogue is printed only when every admitted student has a locked grade."""
    return admitted > 0 and locked >= admitted


def graded_late(locked_dates: list[date], course_end: date) -> bool:
    """A catalogue is marked late when a grade was locked after the last day on time."""
    return any(d > last_day_on_time(course_end) for d in locked_dates)


# -- terms ----------------------------------------------------------------------------------------
TERM_RE = re.compile(r"^(HT|VT) ([0-9]{4})$")


def term_of(course_end: date) -> str:
    """ "VT 2027" = course end January–June 2027; "HT 2026" = July–December 2026."""
    return f"{'VT' if course_end.month <= 6 else 'HT'} {course_end.year}"


def term_range(term: str) -> tuple[date, date]:
    """The first and last course-end day of a term; ValueError for anything but "HT/VT yyyy"."""
    match = TERM_RE.match(term.strip())
    if not match:
        raise ValueError(f"Okänd termin: {term}")
    kind, year = match.group(1), int(match.group(2))
    return (date(year, 1, 1), date(year, 6, 30)) if kind == "VT" else (date(year, 7, 1), date(year, 12, 31))


def term_sort_key(term: str) -> tuple[int, int]:
    start, _ = term_range(term)
    return start.year, start.month


# -- Swedish alphabetical order -------------------------------------------------------------------
# Swedish collation at the primary level: a–z, then å, ä, ö; other accents sort as their base
# letter (é as e), ü as y, æ as ä and ø as ö (as Swedish dictionaries do).
_LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"
_RANK = {ch: chr(0x100 + i) for i, ch in enumerate(_LETTERS)}
_SPECIAL = {
    "æ": "ä",
    "ø": "ö",
    "ł": "l",
    "ı": "i",
    "ß": "ss",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "œ": "oe",
    "ŋ": "n",
    "ħ": "h",
}
_KEEP_MARKS = {("a", "\u030a"): "å", ("a", "\u0308"): "ä", ("o", "\u0308"): "ö", ("u", "\u0308"): "y"}


def _primary_letters(text: str):
    decomposed = unicodedata.normalize("NFD", text.casefold())
    base = None
    for ch in decomposed:
        if unicodedata.combining(ch):
            if base is not None and (base, ch) in _KEEP_MARKS:
                base = _KEEP_MARKS[(base, ch)]
            continue
        if base is not None:
            yield base
        base = ch
    if base is not None:
        yield base


@lru_cache(maxsize=16_384)  # names repeat: sorting 1,600 teachers or 200 students re-keys the same few
def swedish_key(text: str) -> str:
    """A sort key putting text in Swedish alphabetical order (Å, Ä, Ö after Z)."""
    out = []
    for ch in _primary_letters(text):
        ch = _SPECIAL.get(ch, ch)
        for c in ch:
            if c in _RANK:
                out.append(_RANK[c])
            elif text_digits.is_digit(c):  # ASCII 0–9 only: '²' or '٣' in a name is text, not a number
                out.append(chr(0x80 + ord(c) - ord("0")))
            elif c.isspace():
                out.append("\x20")
            # punctuation (hyphen, apostrophe) is ignored at the primary level
    return "".join(out)


def student_order_key(family_name: str, given_name: str, civic_no: str = "") -> tuple:
    """Students in Swedish alphabetical order: surname, then first name, then personnummer."""
    return swedish_key(family_name), swedish_key(given_name), family_name, given_name, civic_no


def search_fold(text: str) -> str:
    """Case-insensitive matching that keeps å, ä and ö distinct letters (Unicode NFC + casefold)."""
    return unicodedata.normalize("NFC", text).casefold()


def format_civic_no(civic_no: str) -> str:
    """12 digits → YYYYMMDD-NNNN (the floor's one rule: :func:`betyg_harness.identity.display`)."""
    return identity.display(civic_no)


# -- the grading sheet and a submission -------------------------------------------------------------
@dataclass
class StoredGrade:
    value: str
    locked: bool
    locked_at: datetime | None = None
    locked_by: str | None = None
    deciders: list[str] = field(default_factory=list)


@dataclass
class Student:
    person_id: str
    given_name: str
    family_name: str
    civic_no: str
    grade: StoredGrade | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def civic_display(self) -> str:
        return format_civic_no(self.civic_no)


@dataclass
class Teacher:
    person_id: str
    given_name: str
    family_name: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass
class Sheet:
    """One grade group as the grading view sees it."""

    id: str
    name: str
    start_date: date
    end_date: date
    course_code: str
    course_name: str
    points: int | None
    school_type: str
    school_unit_id: str | None
    school_unit_name: str
    school_unit_code: str
    version: int
    students: list[Student]  # admitted at course end, in Swedish order
    not_admitted: list[Student]  # members who are not (for messages only)
    teachers: list[Teacher]  # grading teachers linked in BER

    @property
    def scale(self) -> tuple[str, ...]:
        return grade_scale(self.school_type)

    @property
    def locked_count(self) -> int:
        return sum(1 for s in self.students if s.grade and s.grade.locked)

    @property
    def graded_count(self) -> int:
        return sum(1 for s in self.students if s.grade)

    def status(self, today: date) -> str:
        return group_status(today, self.end_date, len(self.students), self.graded_count, self.locked_count)

    def catalogue_ready(self) -> bool:
        return catalogue_ready(len(self.students), self.locked_count)


@dataclass
class Submission:
    """The choices of one grading form: grade per person id, which to lock, the ticked teachers, and
    (from the summary on) a one-time ``token`` that makes its confirm idempotent."""

    version: int
    grades: dict[str, str] = field(default_factory=dict)
    locks: set[str] = field(default_factory=set)
    teachers: list[str] = field(default_factory=list)
    token: str | None = None

    @classmethod
    def from_form(cls, form) -> "Submission":
        """From the grading form: ``grade-<id>`` radios, ``lock-<id>`` boxes, ``teacher`` boxes."""
        version = text_digits.parse_int(form.get("version", ""))  # ASCII digits, at most 18
        if version is None:
            version = -1
        grades = {k[6:]: v for k, v in form.items() if k.startswith("grade-") and v != ""}
        locks = {k[5:] for k, v in form.items() if k.startswith("lock-") and v}
        teachers = list(dict.fromkeys(form.getlist("teacher")))
        return cls(version=version, grades=grades, locks=locks, teachers=teachers)

    def to_payload(self) -> dict:
        return {"v": self.version, "g": self.grades, "l": sorted(self.locks), "t": self.teachers, "n": self.token}

    @classmethod
    def from_payload(cls, data: dict) -> "Submission":
        token = data.get("n")
        return cls(
            version=int(data["v"]),
            grades=dict(data["g"]),
            locks=set(data["l"]),
            teachers=list(data["t"]),
            token=token if isinstance(token, str) and token else None,
        )


@dataclass(frozen=True)
class FieldError:
    field: str  # "form", "teachers", "grade-<id>" or "lock-<id>"
    message: str


MSG_NOT_SAVED = "Betygen sparades inte."
MAX_NAMED = 10  # students named in one message; the rest are counted
MSG_STALE = "Någon annan har sparat betyg i gruppen sedan du öppnade den. Sidan har laddats om med deras ändringar."


def opens_message(course_end: date) -> str:
    return f"Betyg kan sättas från och med {grading_opens(course_end).isoformat()}."


def is_stale(sheet_version: int, form_version: int) -> bool:
    """A form opened before the group's last stored save is stale (no lost update)."""
    return form_version != sheet_version


def _row_error(sheet: Sheet, student: Student, submission: Submission) -> FieldError | None:
    """What is wrong with the submission's grade or lock for one admitted student, if anything."""
    person_id = student.person_id
    value = submission.grades.get(person_id)
    if student.grade and student.grade.locked:
        if value is not None and value != student.grade.value:
            return FieldError(f"grade-{person_id}", f"Betyget för {student.full_name} är låst och kan inte ändras.")
        return None
    scale = sheet.scale
    if value is not None and value not in scale:
        shown = value if len(value) <= 12 and value.isprintable() else "som skickades"
        return FieldError(
            f"grade-{person_id}",
            f"Betyget {shown} finns inte i betygsskalan för {sheet.course_code} ({', '.join(scale)}).",
        )
    if value is None and person_id in submission.locks:
        return FieldError(f"lock-{person_id}", f"Välj ett betyg för {student.full_name} innan du låser det.")
    return None


def _not_admitted_error(sheet: Sheet, asked: set[str]) -> FieldError:
    names = [s.full_name for s in sheet.not_admitted if s.person_id in asked]  # as the group lists them
    shown = ", ".join(names[:MAX_NAMED]) + (f" och {len(names) - MAX_NAMED} till" if len(names) > MAX_NAMED else "")
    return FieldError("form", f"{shown} har inte status Antagen i gruppen och kan inte få betyg.")


def _unknown_error(unknown: int) -> FieldError:
    return FieldError(
        "form",
        f"Formuläret innehåller betyg för {unknown} {'elev' if unknown == 1 else 'elever'} som inte finns i gruppen.",
    )


def _student_errors(sheet: Sheet, submission: Submission) -> list[FieldError]:
    """The errors of the graded and locked rows; first, one message each for rows of students not
    admitted and of students not in the group (a form may be forged with thousands)."""
    admitted = {s.person_id: s for s in sheet.students}
    others = {s.person_id for s in sheet.not_admitted}
    errors: list[FieldError] = []
    not_admitted: set[str] = set()
    unknown = 0
    for person_id in sorted(set(submission.grades) | submission.locks):
        student = admitted.get(person_id)
        if student is not None:
            error = _row_error(sheet, student, submission)
            if error:
                errors.append(error)
        elif person_id in others:
            not_admitted.add(person_id)
        else:
            unknown += 1
    if not_admitted:
        errors.insert(0, _not_admitted_error(sheet, not_admitted))
    if unknown:
        errors.insert(0, _unknown_error(unknown))
    return errors


def _grades_anything(sheet: Sheet, submission: Submission) -> bool:
    """Whether the submission grades at least one admitted student whose grade is not locked."""
    admitted = {s.person_id: s for s in sheet.students}
    return any(pid in admitted and not ((grade := admitted[pid].grade) and grade.locked) for pid in submission.grades)


def _teacher_errors(sheet: Sheet, submission: Submission) -> list[FieldError]:
    if not submission.teachers:
        return [FieldError("teachers", "Bocka i minst en betygssättande lärare.")]
    graders = {t.person_id for t in sheet.teachers}
    if any(person_id not in graders for person_id in submission.teachers):
        return [
            FieldError(
                "teachers", "Endast lärare som är kopplade som betygssättande lärare till gruppen i BER kan bockas i."
            )
        ]
    return []


def validate(sheet: Sheet, submission: Submission, today: date) -> list[FieldError]:
    """Every reason a submission cannot be stored, each with a Swedish message (empty: valid)."""
    if not is_gradeable(today, sheet.end_date):
        return [FieldError("form", opens_message(sheet.end_date))]
    errors = _student_errors(sheet, submission)
    if not errors and not _grades_anything(sheet, submission):
        errors.append(FieldError("form", "Inga betyg att spara. Välj minst ett betyg."))
    return errors + _teacher_errors(sheet, submission)


def changes(sheet: Sheet, submission: Submission) -> list[tuple[Student, str, bool]]:
    """What a valid submission stores: (student, grade, lock) for each open row with a grade."""
    out = []
    for student in sheet.students:
        if student.grade and student.grade.locked:
            continue
        value = submission.grades.get(student.person_id)
        if value is not None:
            out.append((student, value, student.person_id in submission.locks))
    return out


def count_per_grade(scale: tuple[str, ...], values: list[str]) -> list[tuple[str, int]]:
    return [(step, sum(1 for v in values if v == step)) for step in scale]


# -- accounts and who may use Betyg ---------------------------------------------------------------
ROLE_ADMIN = "Betygsadministratör"
ROLE_TEACHER = "Lärare"
NO_ACCESS = "Du har inte behörighet till Betyg."


def accounts_from_scenario(scenario: dict) -> list[dict]:
    """The rows of accounts.pingpong (hashed before the scenario reaches a mock: ``passwordHash``); a
    teacher account carries its staff member's personnummer, which is how it is matched to the BER
    person (BER owns the ids)."""
    staff = {s["key"]: s for s in scenario.get("staff", [])}
    rows = []
    for acc in scenario.get("accounts", {}).get("pingpong", []):
        member = staff.get(acc.get("staff") or "")
        rows.append(
            {
                "username": acc["username"],
                "password_hash": acc["passwordHash"],
                "name": acc["name"],
                "role": acc["role"],
                "civic_no": member["civicNo"] if member else None,
            }
        )
    return rows


def betyg_scope(role: str) -> str | None:
    """Betygsadministratör: "all" groups; Lärare: their "own" grading groups; anyone else: None."""
    return {ROLE_ADMIN: "all", ROLE_TEACHER: "own"}.get(role)


# -- time -----------------------------------------------------------------------------------------
def local_date(instant: datetime) -> date:
    """The Stockholm day of a stored instant (aware UTC): the date pages, the catalogue and the
    grade API show."""
    return instant.astimezone(STOCKHOLM).date()

"""What the flows read off the screens and hand back: plain dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class GroupHit:
    """One row of "Sökresultat"."""
    name: str
    course: str
    course_end: str
    teachers: str
    status: str
    href: str | None = None

    @property
    def course_code(self) -> str:
        return self.course.split()[0] if self.course else ""


@dataclass
class StudentRow:
    """One student of the grading view's table "Elever"."""
    personnummer: str  # as shown
    name: str
    grade: str | None  # the checked step, None when none
    steps: list[str]
    locked: bool
    locked_text: str = ""
    lock_ticked: bool = False  # the lock box is ticked (locked, or ticked and not yet saved)


@dataclass
class GradingState:
    """Everything the grading view shows, read in one go."""
    name: str
    facts: dict[str, str]  # the description list: Kurs, Period, Kursslut, Betygssättande lärare, Status
    students: list[StudentRow]
    teachers: list[str]  # the checkboxes of "Betygssättande lärare"
    teachers_ticked: list[str]
    status_text: str
    alerts: list[str]
    can_save: bool
    not_before: str | None  # "Betyg kan sättas från och med <date>." → the date
    catalogue_ready: bool

    @property
    def late(self) -> bool:
        return "Försenad" in self.facts.get("Status", "") or "Försenad" in self.status_text

    def student(self, personnummer12: str) -> StudentRow | None:
        from betyg_harness.flows.scales import same_person
        for row in self.students:
            if same_person(row.personnummer, personnummer12):
                return row
        return None


@dataclass
class SummaryRow:
    name: str
    personnummer: str
    grade: str
    locks: bool


@dataclass
class Summary:
    rows: list[SummaryRow]
    counts: dict[str, str]
    teachers: list[str]


@dataclass
class GradeResult:
    """What ``grade_group`` did."""
    group: str
    set: dict[str, str] = field(default_factory=dict)  # personnummer12 → grade stored now
    already: dict[str, str] = field(default_factory=dict)  # already locked with the asked grade
    locked: bool = True
    dry_run: bool = False
    summary: Summary | None = None
    state: GradingState | None = None
    screenshot: Path | None = None
    late: bool = False  # the group was "Försenad" when it was opened (course end + 14 days had passed)
    view: object | None = field(default=None, repr=False, compare=False)  # the GradingPage left open

    @property
    def done_before(self) -> bool:
        return not self.set and bool(self.already)


@dataclass
class BerGrade:
    """A row of a BER student's table "Betyg"."""
    course: str
    grade: str
    date: str
    teachers: str
    received: str

    @property
    def course_code(self) -> str:
        return self.course.split()[0] if self.course else ""

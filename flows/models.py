"""What the flows read off the screens and hand back: plain dataclasses.

One identity format everywhere: every personnummer or samordningsnummer a result holds is
``YYYYMMDD-NNNN`` (as the screens and the catalogue show it), and every lookup by one accepts any
usual written form (:class:`PersonGrades`, :func:`person_key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from betyg_harness import identity


def person_key(value: str) -> str:
    """``YYYYMMDD-NNNN`` of any usual written form of a personnummer or samordningsnummer
    (``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``, ``YYMMDDNNNN``, ``+`` for 100 or older);
    ValueError (a Swedish message) when it is not a valid number."""
    return identity.parse(value).display


def shown_person(value: str) -> str:
    """A personnummer read off a screen in the one format, or as shown when it is none (a result
    reports what it saw rather than failing on it)."""
    try:
        return person_key(value)
    except ValueError:
        return value


class PersonGrades(dict):
    """``{personnummer: grade}`` keyed by ``YYYYMMDD-NNNN``; ``[]``, ``in``, ``get``, ``pop`` and ``==``
    (with any mapping) accept any written form of the number, so ``result.set["199006022397"]``,
    ``result.set["19900602-2397"]`` and ``result.set["900602-2397"]`` are the same entry. A plain dict
    otherwise (JSON-serialisable, pytest shows its differences); :meth:`by_digits` gives the 12-digit
    keys of the data files (the robot's journal and report)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = (), /, **more: str):
        super().__init__()
        self.update(items, **more)

    @staticmethod
    def _lookup_key(key) -> str | None:
        if not isinstance(key, str):
            return None
        try:
            return person_key(key)
        except ValueError:
            return None

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(person_key(key), value)

    # One signature for dict.update's overloads (a mapping, pairs, keywords): the same calls.
    def update(  # type: ignore[override]
        self,
        items: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        /,
        **more: str,
    ) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        for key, value in [*pairs, *more.items()]:
            self[key] = value

    def setdefault(self, key: str, default: str | None = None):
        if key not in self:
            super().__setitem__(person_key(key), default)  # what self[key] = default does, None included
        return self[key]

    def __getitem__(self, key: str) -> str:
        found = self._lookup_key(key)
        if found is None or not super().__contains__(found):
            raise KeyError(key)
        return super().__getitem__(found)

    def __contains__(self, key: object) -> bool:
        found = self._lookup_key(key)
        return found is not None and super().__contains__(found)

    def get(self, key: str, default=None):
        return self[key] if key in self else default

    def __delitem__(self, key: str) -> None:
        found = self._lookup_key(key)
        if found is None or not super().__contains__(found):
            raise KeyError(key)
        super().__delitem__(found)

    _MISSING = object()

    def pop(self, key: str, default=_MISSING):
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default is PersonGrades._MISSING:
            raise KeyError(key)
        return default

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(other) != len(self):
            return False
        return all(key in self and self[key] == value for key, value in other.items())

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # mutable, as a dict

    def copy(self) -> "PersonGrades":
        return PersonGrades(self)

    def by_digits(self) -> dict[str, str]:
        """The same entries keyed by the 12 digits ``YYYYMMDDNNNN`` (a plain dict)."""
        return {key.replace("-", ""): value for key, value in self.items()}


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
    """One student of the grading view's table "Elever". ``personnummer`` is ``YYYYMMDD-NNNN``
    whatever form the screen used (``personnummer_shown``: the cell's text, what locates the row)."""

    personnummer: str
    name: str
    grade: str | None  # the checked step, None when none
    steps: list[str]
    locked: bool
    locked_text: str = ""
    lock_ticked: bool = False  # the lock box is ticked (locked, or ticked and not yet saved)
    personnummer_shown: str = ""

    def __post_init__(self):
        self.personnummer_shown = self.personnummer_shown or self.personnummer
        self.personnummer = shown_person(self.personnummer)


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

    def student(self, personnummer: str) -> StudentRow | None:
        """The row of ``personnummer`` (any written form), None when the table has none."""
        try:
            wanted = identity.normalize(personnummer)
        except ValueError:
            return None
        for row in self.students:
            if identity.same_number(row.personnummer, wanted):
                return row
        return None


@dataclass
class SummaryRow:
    """A row of the summary's table; ``personnummer`` is ``YYYYMMDD-NNNN``."""

    name: str
    personnummer: str
    grade: str
    locks: bool

    def __post_init__(self):
        self.personnummer = shown_person(self.personnummer)


@dataclass
class Summary:
    rows: list[SummaryRow]
    counts: dict[str, str]
    teachers: list[str]


@dataclass
class GradeResult:
    """What ``grade_group`` did. ``set`` (stored now) and ``already`` (already locked with the asked
    grade) are :class:`PersonGrades`: keyed by ``YYYYMMDD-NNNN``, looked up by any written form;
    whatever mapping is assigned to them is converted."""

    group: str
    set: PersonGrades = field(default_factory=PersonGrades)
    already: PersonGrades = field(default_factory=PersonGrades)
    locked: bool = True
    dry_run: bool = False
    summary: Summary | None = None
    state: GradingState | None = None
    screenshot: Path | None = None
    late: bool = False  # the group was "Försenad" when it was opened (course end + 14 days had passed)
    view: object | None = field(default=None, repr=False, compare=False)  # the GradingPage left open

    def __setattr__(self, name: str, value) -> None:
        if name in ("set", "already") and not isinstance(value, PersonGrades):
            value = PersonGrades(value or {})
        super().__setattr__(name, value)

    @property
    def done_before(self) -> bool:
        return not self.set and bool(self.already)


@dataclass
class BerGrade:
    """A row of a BER student's table "Betyg". ``personnummer`` is whose grade it is,
    ``YYYYMMDD-NNNN`` (filled in by :meth:`flows.Ber.grades_of`; "" when read off a student page
    alone)."""

    course: str
    grade: str
    date: str
    teachers: str
    received: str
    personnummer: str = ""

    def __post_init__(self):
        self.personnummer = shown_person(self.personnummer) if self.personnummer else ""

    @property
    def course_code(self) -> str:
        return self.course.split()[0] if self.course else ""

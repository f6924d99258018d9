"""BER's rules: grade scales, personnummer, enrolment statuses, who is admitted — pure functions on
values and model objects, no SQL, no HTTP (the reads and writes that apply them are :mod:`mock_ber.store`).

Each rule lives in exactly one function here; the UI, the SS 12000 API and the store call them. A
scenario document is checked by the floor (:func:`betyg_harness.scenario.validate`) before BER loads it.
"""

from __future__ import annotations

from datetime import date, timedelta

from betyg_harness import identity, scales, statuses
from betyg_harness.text import is_digit
from betyg_harness.mock_ber.errors import RegistryError
from betyg_harness.mock_ber.models import Enrolment, TeachingGroup

STATUSES = statuses.ENROLMENT_STATUSES
ENDED_STATUSES = statuses.ENDED_STATUSES
GRADER_ROLE = statuses.GRADER_ROLE


# -- courses -------------------------------------------------------------------------------------
def grade_scale(level: str) -> tuple[str, ...]:
    """The grade steps of a course level: gymnasial A–F and "-", grundläggande G/IG."""
    try:
        return scales.scale(level)
    except KeyError:
        raise RegistryError(f"Okänd kursnivå: {level}.") from None


def school_type(level: str) -> str:
    return scales.school_type(level)


def subject_name(course_name: str) -> str:
    """'Matematik 1a' → 'Matematik': the course name without its trailing level."""
    words = course_name.split()
    while len(words) > 1 and any(is_digit(ch) for ch in words[-1]):
        words.pop()
    return " ".join(words)


def subject_code(course_code: str, level: str) -> str:
    """The subject's code: gymnasial 'MATMAT01a' → 'MAT'; grundläggande 'GRNENGA' → 'GRNENG'."""
    return course_code[:6] if level == scales.GRUNDLAGGANDE else course_code[:3]


# -- persons -------------------------------------------------------------------------------------
def validate_civic_no(value: str) -> str:
    """A personnummer or samordningsnummer as 12 digits YYYYMMDDNNNC (the one rule:
    :func:`betyg_harness.identity.twelve_digits`, python-stdnum underneath)."""
    try:
        return identity.twelve_digits(value)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None


def fold_name(given: str, family: str) -> str:
    """The name fields as nameContains searches them: case-folded, one per line."""
    return f"{given.casefold()}\n{family.casefold()}"


def format_civic_no(value: str) -> str:
    """12 digits shown as YYYYMMDD-NNNN (the floor's one rule: :func:`betyg_harness.identity.display`)."""
    return identity.display(value)


# -- enrolments ----------------------------------------------------------------------------------
def has_membership(status: str) -> bool:
    """Only enrolments that were ever "Antagen" are group members ("Ej antagen" never was)."""
    return status in ("Antagen", *ENDED_STATUSES)


def membership_end(enrolment: Enrolment) -> date | None:
    """An ended enrolment (Avbrott, Avslutad) keeps its membership, ending on its status date."""
    return enrolment.status_date if enrolment.status in ENDED_STATUSES else None


def is_admitted(enrolment: Enrolment, group: TeachingGroup, on: date | None = None) -> bool:
    """Admitted ("Antagen") on ``on`` (default: the course-end day): a membership not ended before it."""
    if not has_membership(enrolment.status):
        return False
    day = on or group.end_date
    end = membership_end(enrolment)
    return enrolment.start_date <= day and (end is None or end >= day)


def default_status_date(group: TeachingGroup, today: date) -> date:
    """When an Avbrott/Avslutad comes without a date: today, but before the course end."""
    return max(group.start_date, min(today, group.end_date - timedelta(days=1)))

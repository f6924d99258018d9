"""Grade scales and course levels — the one definition every part reads.

A komvux course is at one of two levels: ``gymnasial`` (school type VUXGY, grades A–F and "-")
or ``grundläggande`` (VUXGR, grades G and IG). Scenarios and BER key a course by its level, Ping
Pong by its Syllabus.schoolType, the robot's CSV by the course code; the lookups below turn each
key into the others, so there is one key set and one scale per level.
"""

from __future__ import annotations

import re

GYMNASIAL = "gymnasial"
GRUNDLAGGANDE = "grundläggande"
LEVELS = (GYMNASIAL, GRUNDLAGGANDE)

VUXGY = "VUXGY"
VUXGR = "VUXGR"

# Best first: a grade's place on its scale is its rank (A > … > F > "-"; G > IG).
GYMNASIAL_SCALE = ("A", "B", "C", "D", "E", "F", "-")
GRUNDLAGGANDE_SCALE = ("G", "IG")

SCALES = {GYMNASIAL: GYMNASIAL_SCALE, GRUNDLAGGANDE: GRUNDLAGGANDE_SCALE}  # level → scale
SCHOOL_TYPES = {GYMNASIAL: VUXGY, GRUNDLAGGANDE: VUXGR}  # level → school type
LEVEL_OF_SCHOOL_TYPE = {school_type: level for level, school_type in SCHOOL_TYPES.items()}

# How a locked grade is changed (skollagen 3 kap. 19–20 §§): a rättelse may go either way, an ändring only up.
CORRECTION_TYPES = ("Rättelse", "Ändring")

# National course codes: gymnasial SVESVE01, MATMAT01a, HISHIS01a1; grundläggande GRNSVE2, GRNENGA.
_GYMNASIAL_CODE = re.compile(r"^[A-ZÅÄÖ]{6}\d{2}[a-z0-9]{0,3}$")
_GRUNDLAGGANDE_CODE = re.compile(r"^GRN[A-ZÅÄÖ]{3}[A-Z0-9]?$")
_GRUNDLAGGANDE_PREFIX = "GRN"


def is_course_code(code: str) -> bool:
    """A national course code of either level (not a made-up one like "SVE01")."""
    return bool(
        _GRUNDLAGGANDE_CODE.match(code) or (_GYMNASIAL_CODE.match(code) and not code.startswith(_GRUNDLAGGANDE_PREFIX))
    )


def level_of_course(code: str) -> str:
    """The level a course code names: GRN… is grundläggande, anything else gymnasial (unchecked)."""
    return GRUNDLAGGANDE if code.startswith(_GRUNDLAGGANDE_PREFIX) else GYMNASIAL


def scale(level: str) -> tuple[str, ...]:
    """The grade steps of a course level; KeyError for an unknown level (callers word the refusal)."""
    return SCALES[level]


def school_type(level: str) -> str:
    """The SS 12000 school type of a course level (gymnasial → VUXGY); KeyError when unknown."""
    return SCHOOL_TYPES[level]


def scale_of_school_type(school_type: str) -> tuple[str, ...]:
    """The grade steps of a Syllabus.schoolType (VUXGY: A–F and "-"; VUXGR: G/IG); KeyError when unknown."""
    return SCALES[LEVEL_OF_SCHOOL_TYPE[school_type]]


def scale_of_course(code: str) -> tuple[str, ...]:
    """The grade steps a national course code allows; ValueError (Swedish) when it is not one."""
    if not is_course_code(code):
        raise ValueError(f"okänd kurskod «{code}»")
    return SCALES[level_of_course(code)]


def grade_rank(level: str, value: str) -> int:
    """A grade's place on its level's scale, higher = better (A > … > F > "-"; G > IG); ValueError
    (Swedish) for an unknown level or a value off the scale."""
    if level not in SCALES:
        raise ValueError(f"Okänd kursnivå: {level}.")
    steps = SCALES[level]
    if value not in steps:
        raise ValueError(f"Betyget {value} finns inte i betygsskalan ({', '.join(steps)}).")
    return len(steps) - steps.index(value)


def check_grade_change(level: str, old: str, new: str, kind: str) -> None:
    """A changed locked grade (skollagen 3 kap. 19–20 §§): a rättelse may go either way; an ändring
    may never lower the grade; either must change the value. ValueError (Swedish) when not."""
    if kind not in CORRECTION_TYPES:
        raise ValueError(f"Okänd ändringstyp: {kind}. Tillåtna: {', '.join(CORRECTION_TYPES)}.")
    if old == new:
        raise ValueError(f"En {kind.lower()} måste ändra betyget (det var redan {new}).")
    if kind == "Ändring" and grade_rank(level, new) < grade_rank(level, old):
        raise ValueError(f"En ändring får aldrig sänka betyget ({old} → {new}); det kan bara en rättelse.")

"""Course grade scales and personnummer — the few rules the flows must know before asking."""

from __future__ import annotations

import re
from datetime import date

from betyg_harness import identity

GYMNASIAL_SCALE = ["A", "B", "C", "D", "E", "F", "-"]
GRUNDLAGGANDE_SCALE = ["G", "IG"]

# National course codes: gymnasial SVESVE01, MATMAT01a, HISHIS01a1; grundläggande GRNSVE2, GRNENGA.
_GYMNASIAL = re.compile(r"^[A-ZÅÄÖ]{6}\d{2}[a-z0-9]{0,3}$")
_GRUNDLAGGANDE = re.compile(r"^GRN[A-ZÅÄÖ]{3}[A-Z0-9]?$")


def is_course_code(code: str) -> bool:
    return bool(_GRUNDLAGGANDE.match(code) or (_GYMNASIAL.match(code) and not code.startswith("GRN")))


def scale_for(course_code: str) -> list[str]:
    """The grade steps a course allows: GRN… → G/IG, gymnasial → A–F and '-'."""
    if not is_course_code(course_code):
        raise ValueError(f"okänd kurskod «{course_code}»")
    return GRUNDLAGGANDE_SCALE if course_code.startswith("GRN") else GYMNASIAL_SCALE


def normalize_personnummer(value: str, *, today: date | None = None) -> str:
    """12 digits (YYYYMMDDNNNC) from any written form of a personnummer or samordningsnummer;
    ValueError when the number is not valid (the one rule: :mod:`betyg_harness.identity`)."""
    return identity.normalize(value, today=today)


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def same_person(shown: str, wanted12: str) -> bool:
    """Does the personnummer shown on a page (10 or 12 digits, any separators) denote ``wanted12``?"""
    d = digits(shown)
    return d == wanted12 or (len(d) == 10 and wanted12.endswith(d))


def display_personnummer(p12: str) -> str:
    return identity.display(p12)


def pnr_equal(a: str, b: str) -> bool:
    """Two shown personnummer denote the same person (10 or 12 digits, any separators)."""
    da, db = digits(a), digits(b)
    if len(da) == len(db):
        return da == db
    return len(da) >= 10 and len(db) >= 10 and da[-10:] == db[-10:]

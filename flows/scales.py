"""Course grade scales and personnummer as the flows ask for them; the rules are the floor's
(:mod:`betyg_harness.scales`, :mod:`betyg_harness.identity`)."""

from __future__ import annotations

from datetime import date

from betyg_harness import identity, scales

is_course_code = scales.is_course_code


def scale_for(course_code: str) -> list[str]:
    """The grade steps a course allows: GRN… → G/IG, gymnasial → A–F and '-'."""
    return list(scales.scale_of_course(course_code))


def normalize_personnummer(value: str, *, today: date | None = None) -> str:
    """12 digits (YYYYMMDDNNNC) from any written form of a personnummer or samordningsnummer;
    ValueError when the number is not valid (the one rule: :mod:`betyg_harness.identity`)."""
    return identity.normalize(value, today=today)


def display_personnummer(p12: str) -> str:
    return identity.display(p12)

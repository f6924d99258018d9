"""What a grade catalogue (betygskatalog) holds: the one structure the PDF and the preview render.

Built by the grading service from locked grades; rendered by ``pdf.render_pdf`` and
``preview.render_preview``. Read back from a PDF by ``betyg_harness.catalogue``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class CatalogueRow:
    civic_no: str  # YYYYMMDD-NNNN
    family_name: str
    given_name: str
    grade: str


@dataclass(frozen=True)
class CatalogueData:
    huvudman: str  # "Stockholms stad"
    school_unit: str  # skolenhet name
    school_unit_code: str  # 8 digits
    course_code: str
    course_name: str
    points: int
    points_kind: str  # "gymnasiepoäng" or "verksamhetspoäng"
    group_name: str
    period_start: date
    period_end: date
    grade_date: date  # betygsdatum: the course-end date
    rows: list[CatalogueRow]  # already in Swedish alphabetical order
    teachers: list[str]  # grading teachers' full names, one signature block each
    printed_at: datetime
    late: bool = False  # the group was graded after course end + 14 days
    extra: dict = field(default_factory=dict)

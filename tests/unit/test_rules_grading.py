"""DOMAIN.md rules that no other unit test would notice missing (found by mutating a copy; see docs/rules.md)."""

from __future__ import annotations

from datetime import date, timedelta

from betyg_harness.mock_pingpong import rules
from betyg_harness.mock_pingpong.rules import Sheet, Student, Submission, Teacher

END = date(2026, 12, 17)


def test_students_sort_in_swedish_order_not_by_code_point():
    # Code-point order would put Ä before Å, É after Z and lower-case "af" after "Berg".
    names = [
        ("Öberg", "Åsa"),
        ("Ärlemalm", "Eva"),
        ("Åkesson", "Per"),
        ("Zetterlund", "Ali"),
        ("Éden", "Lina"),
        ("Berg", "Kim"),
        ("af Klint", "Hilma"),
        ("Edlund", "Bo"),
    ]
    ordered = sorted(names, key=lambda n: rules.student_order_key(*n))
    assert [f for f, _ in ordered] == [
        "af Klint",
        "Berg",
        "Éden",
        "Edlund",
        "Zetterlund",
        "Åkesson",
        "Ärlemalm",
        "Öberg",
    ]


def test_grading_stays_possible_after_the_last_day_on_time():
    late_day = rules.last_day_on_time(END) + timedelta(days=20)
    assert rules.is_gradeable(late_day, END)
    sheet = Sheet(
        id="g1",
        name="ENGENG05 HT26",
        start_date=date(2026, 8, 17),
        end_date=END,
        course_code="ENGENG05",
        course_name="Engelska 5",
        points=100,
        school_type="VUXGY",
        school_unit_id="u1",
        school_unit_name="Kista",
        school_unit_code="41236987",
        version=1,
        students=[Student("p1", "Eva", "Andersson", "200001032382")],
        not_admitted=[],
        teachers=[Teacher("t1", "Anna", "Lindqvist")],
    )
    submission = Submission(version=1, grades={"p1": "C"}, locks={"p1"}, teachers=["t1"])
    assert rules.validate(sheet, submission, late_day) == []
    assert rules.group_status(late_day, END, admitted=1, graded=0, locked=0) == "Försenad"

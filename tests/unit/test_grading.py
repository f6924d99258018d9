"""The grading rules of DOMAIN.md, one function each, without HTTP or a database."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from werkzeug.datastructures import MultiDict

from betyg_harness.mock_pingpong import rules
from betyg_harness.mock_pingpong.rules import Sheet, StoredGrade, Student, Submission, Teacher

END = date(2026, 12, 17)


def sheet(school_type="VUXGY", students=None, not_admitted=(), teachers=None, version=3) -> Sheet:
    return Sheet(
        id="g1",
        name="SVESVE01 HT26 Kista A",
        start_date=date(2026, 8, 17),
        end_date=END,
        course_code="SVESVE01" if school_type == "VUXGY" else "GRNMAT2",
        course_name="Svenska 1",
        points=100,
        school_type=school_type,
        school_unit_id="u1",
        school_unit_name="Kista",
        school_unit_code="41236987",
        version=version,
        students=students
        if students is not None
        else [Student("p1", "Åsa", "Öberg", "199006022397"), Student("p2", "Eva", "Andersson", "200001032382")],
        not_admitted=list(not_admitted),
        teachers=teachers if teachers is not None else [Teacher("t1", "Anna", "Lindqvist")],
    )


def messages(errors):
    return [e.message for e in errors]


# -- scales, admission, searchability -------------------------------------------------------------
def test_gymnasial_scale_is_a_to_f_and_dash():
    assert rules.grade_scale("VUXGY") == ("A", "B", "C", "D", "E", "F", "-")


def test_grundlaggande_scale_is_g_ig():
    assert rules.grade_scale("VUXGR") == ("G", "IG")


def test_unknown_school_type_has_no_scale():
    with pytest.raises(ValueError):
        rules.grade_scale("GY")


def test_points_kind_follows_school_type():
    assert rules.points_kind("VUXGR") == "verksamhetspoäng"
    assert rules.points_kind("VUXGY") == "gymnasiepoäng"


@pytest.mark.parametrize(
    "membership_end, admitted",
    [
        (None, True),
        (date(2026, 12, 17), True),
        (date(2027, 1, 5), True),
        (date(2026, 12, 16), False),
        (date(2026, 10, 5), False),
    ],
)
def test_admitted_at_course_end(membership_end, admitted):
    assert rules.is_admitted(membership_end, END) is admitted


def test_only_groups_with_a_grading_teacher_are_searchable():
    assert not rules.is_searchable(0)
    assert rules.is_searchable(1)


# -- the window -----------------------------------------------------------------------------------
def test_grading_opens_on_course_end_day():
    assert not rules.is_gradeable(date(2026, 12, 16), END)
    assert rules.is_gradeable(END, END)
    assert rules.opens_message(END) == "Betyg kan sättas från och med 2026-12-17."


def test_last_day_on_time_is_end_plus_fourteen():
    assert rules.last_day_on_time(END) == date(2026, 12, 31)


def test_late_only_after_last_day_and_while_grades_missing():
    assert not rules.is_late(date(2026, 12, 31), END, 3)
    assert rules.is_late(date(2027, 1, 1), END, 1)
    assert not rules.is_late(date(2027, 1, 1), END, 0)


@pytest.mark.parametrize(
    "today, admitted, graded, locked, status",
    [
        (date(2026, 12, 18), 3, 0, 0, "Ej påbörjad"),
        (date(2026, 12, 18), 3, 1, 0, "Pågår"),
        (date(2026, 12, 18), 3, 3, 2, "Pågår"),
        (date(2026, 12, 18), 3, 3, 3, "Klar"),
        (date(2027, 1, 1), 3, 0, 0, "Försenad"),
        (date(2027, 1, 1), 3, 3, 2, "Försenad"),
        (date(2027, 1, 1), 3, 3, 3, "Klar"),
    ],
)
def test_group_status(today, admitted, graded, locked, status):
    assert rules.group_status(today, END, admitted, graded, locked) == status


def test_catalogue_needs_every_admitted_student_locked():
    assert not rules.catalogue_ready(3, 2)
    assert rules.catalogue_ready(3, 3)
    assert not rules.catalogue_ready(0, 0)


def test_graded_late_when_a_grade_was_locked_after_last_day():
    assert not rules.graded_late([date(2026, 12, 31)], END)
    assert rules.graded_late([date(2026, 12, 20), date(2027, 1, 1)], END)


# -- terms ----------------------------------------------------------------------------------------
def test_terms():
    assert rules.term_of(date(2026, 12, 17)) == "HT 2026"
    assert rules.term_of(date(2026, 7, 1)) == "HT 2026"
    assert rules.term_of(date(2027, 6, 30)) == "VT 2027"
    assert rules.term_range("VT 2027") == (date(2027, 1, 1), date(2027, 6, 30))
    assert rules.term_range("HT 2026") == (date(2026, 7, 1), date(2026, 12, 31))
    with pytest.raises(ValueError):
        rules.term_range("2026")


# -- Swedish order and matching -------------------------------------------------------------------
def test_swedish_alphabetical_order_puts_a_ring_a_umlaut_o_umlaut_after_z():
    names = ["Öberg", "Zetterlund", "Ärlig", "Åkesson", "Andersson", "Ødegård", "Müller", "Nowak", "Yılmaz"]
    ordered = sorted(names, key=rules.swedish_key)
    assert ordered == ["Andersson", "Müller", "Nowak", "Yılmaz", "Zetterlund", "Åkesson", "Ärlig", "Öberg", "Ødegård"]


def test_accents_sort_as_base_letter_and_u_umlaut_as_y():
    assert sorted(["Ezra", "Émile", "Eva"], key=rules.swedish_key) == ["Émile", "Eva", "Ezra"]
    assert sorted(["Mz", "Müller", "Mv"], key=rules.swedish_key) == ["Mv", "Müller", "Mz"]
    assert rules.swedish_key("Łukasz") == rules.swedish_key("Lukasz")


def test_students_sorted_by_surname_then_first_name():
    people = [("Åsa", "Öberg"), ("Eva", "Andersson"), ("Adam", "Andersson"), ("Ärla", "Åkesson")]
    ordered = sorted(people, key=lambda p: rules.student_order_key(p[1], p[0]))
    assert ordered == [("Adam", "Andersson"), ("Eva", "Andersson"), ("Ärla", "Åkesson"), ("Åsa", "Öberg")]


def test_search_fold_is_case_insensitive_and_keeps_swedish_letters():
    assert rules.search_fold("ÖSTBERG") == rules.search_fold("östberg")
    assert rules.search_fold("Östberg") != rules.search_fold("Ostberg")
    # Decomposed input (as some keyboards send) matches composed text.
    assert rules.search_fold("O\u0308stberg") == rules.search_fold("Östberg")


def test_civic_no_format():
    assert rules.format_civic_no("199006022397") == "19900602-2397"


# -- validation -----------------------------------------------------------------------------------
TODAY = date(2026, 12, 18)


def test_valid_submission_has_no_errors():
    assert rules.validate(sheet(), Submission(3, {"p1": "C"}, {"p1"}, ["t1"]), TODAY) == []


def test_lock_without_grade_is_refused():
    errors = rules.validate(sheet(), Submission(3, {"p1": "C"}, {"p2"}, ["t1"]), TODAY)
    assert errors == [rules.FieldError("lock-p2", "Välj ett betyg för Eva Andersson innan du låser det.")]


def test_no_grading_teacher_ticked_is_refused():
    errors = rules.validate(sheet(), Submission(3, {"p1": "C"}, set(), []), TODAY)
    assert errors == [rules.FieldError("teachers", "Bocka i minst en betygssättande lärare.")]


def test_a_teacher_not_linked_as_grader_cannot_be_ticked():
    errors = rules.validate(sheet(), Submission(3, {"p1": "C"}, set(), ["stranger"]), TODAY)
    assert [e.field for e in errors] == ["teachers"]
    assert "betygssättande lärare till gruppen i BER" in errors[0].message


def test_grade_outside_gymnasial_scale_is_refused():
    errors = rules.validate(sheet(), Submission(3, {"p1": "G"}, set(), ["t1"]), TODAY)
    assert errors == [
        rules.FieldError("grade-p1", "Betyget G finns inte i betygsskalan för SVESVE01 (A, B, C, D, E, F, -).")
    ]


def test_grade_outside_grundlaggande_scale_is_refused():
    errors = rules.validate(sheet("VUXGR"), Submission(3, {"p1": "C"}, set(), ["t1"]), TODAY)
    assert messages(errors) == ["Betyget C finns inte i betygsskalan för GRNMAT2 (G, IG)."]


def test_student_not_admitted_is_refused():
    dropped = Student("p9", "Søren", "Ødegård", "199312172381")
    errors = rules.validate(sheet(not_admitted=[dropped]), Submission(3, {"p9": "C"}, set(), ["t1"]), TODAY)
    assert messages(errors) == ["Søren Ødegård har inte status Antagen i gruppen och kan inte få betyg."]
    unknown = rules.validate(sheet(), Submission(3, {"zz": "C"}, set(), ["t1"]), TODAY)
    assert messages(unknown) == ["Formuläret innehåller betyg för 1 elev som inte finns i gruppen."]


def test_thousands_of_forged_fields_give_one_message_per_problem():
    """A forged form with 5,000 unknown students and 30 not admitted: two messages, not 5,030."""
    dropped = [Student(f"d{i}", "Elev", f"Nummer{i:02d}", "199312172381") for i in range(30)]
    junk = {f"x{i}": "C" for i in range(5_000)} | {f"d{i}": "A" for i in range(30)}
    errors = rules.validate(
        sheet(not_admitted=dropped), Submission(3, junk, {f"x{i}" for i in range(99)}, ["t1"]), TODAY
    )
    assert messages(errors) == [
        "Formuläret innehåller betyg för 5000 elever som inte finns i gruppen.",
        "Elev Nummer00, Elev Nummer01, Elev Nummer02, Elev Nummer03, Elev Nummer04, Elev Nummer05, "
        "Elev Nummer06, Elev Nummer07, Elev Nummer08, Elev Nummer09 och 20 till har inte status Antagen "
        "i gruppen och kan inte få betyg.",
    ]


def test_grading_before_course_end_is_refused():
    errors = rules.validate(sheet(), Submission(3, {"p1": "C"}, set(), ["t1"]), date(2026, 12, 16))
    assert messages(errors) == ["Betyg kan sättas från och med 2026-12-17."]


def test_a_locked_grade_cannot_be_changed():
    locked = Student(
        "p1", "Åsa", "Öberg", "199006022397", StoredGrade("B", True, datetime(2026, 12, 18, 9), "Maria", ["t1"])
    )
    errors = rules.validate(sheet(students=[locked]), Submission(3, {"p1": "A"}, set(), ["t1"]), TODAY)
    assert messages(errors) == ["Betyget för Åsa Öberg är låst och kan inte ändras."]


def test_nothing_to_save_is_refused():
    errors = rules.validate(sheet(), Submission(3, {}, set(), ["t1"]), TODAY)
    assert messages(errors) == ["Inga betyg att spara. Välj minst ett betyg."]


def test_stale_form():
    assert rules.is_stale(4, 3)
    assert not rules.is_stale(3, 3)


# -- what is stored -------------------------------------------------------------------------------
def test_changes_skip_locked_rows_and_carry_the_lock_choice():
    locked = Student("p1", "Åsa", "Öberg", "1", StoredGrade("B", True))
    open_row = Student("p2", "Eva", "Andersson", "2", StoredGrade("C", False))
    result = rules.changes(sheet(students=[open_row, locked]), Submission(3, {"p1": "B", "p2": "A"}, {"p2"}, ["t1"]))
    assert [(s.person_id, v, lock) for s, v, lock in result] == [("p2", "A", True)]


def test_count_per_grade():
    assert rules.count_per_grade(("G", "IG"), ["G", "G", "IG"]) == [("G", 2), ("IG", 1)]


def test_submission_from_form_and_payload_round_trip():
    form = MultiDict(
        [
            ("version", "7"),
            ("grade-p1", "C"),
            ("grade-p2", ""),
            ("lock-p1", "1"),
            ("teacher", "t1"),
            ("teacher", "t2"),
            ("teacher", "t1"),
        ]
    )
    submission = Submission.from_form(form)
    assert submission == Submission(7, {"p1": "C"}, {"p1"}, ["t1", "t2"])
    assert Submission.from_payload(submission.to_payload()) == submission


def test_sheet_status_and_catalogue_from_its_rows():
    rows = [
        Student("p1", "Åsa", "Öberg", "1", StoredGrade("B", True)),
        Student("p2", "Eva", "Andersson", "2", StoredGrade("C", False)),
    ]
    s = sheet(students=rows)
    assert s.status(TODAY) == "Pågår" and not s.catalogue_ready()
    rows[1].grade = StoredGrade("C", True)
    assert s.status(TODAY) == "Klar" and s.catalogue_ready()

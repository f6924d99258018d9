"""The scenario generator: reproducible, valid, realistic, and fast enough for 5,000 groups."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from stdnum import luhn
from stdnum.se import personnummer

from betyg_harness import fixtures
from betyg_harness.fixtures import generator
from betyg_harness.fixtures.generator import generate, is_valid_civic_no, problems
from betyg_harness.mock_kit import scenario

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 18)


@pytest.fixture(scope="module")
def medium() -> dict:
    return generate(schools=3, groups_per_school=20, students_per_group=15, seed=7)


def _digest(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# -- reproducibility -----------------------------------------------------------------------------
def test_same_seed_gives_identical_documents():
    assert generate(2, 4, 10, seed=3) == generate(2, 4, 10, seed=3)


def test_different_seeds_differ():
    a, b = generate(2, 4, 10, seed=3), generate(2, 4, 10, seed=4)
    assert a["students"] != b["students"]
    assert [g["name"] for g in a["groups"]] != [g["name"] for g in b["groups"]]


def test_same_seed_is_identical_in_another_process_with_another_hash_seed():
    code = (
        "import hashlib, json; from fixtures.generator import generate; "
        "d = generate(2, 4, 10, seed=3); "
        "print(hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest())"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _digest(generate(2, 4, 10, seed=3))


# -- validity ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(schools=1, groups_per_school=1, students_per_group=1),
        dict(schools=2, groups_per_school=10, students_per_group=30, seed=1),
        dict(schools=3, groups_per_school=4, students_per_group=12, seed=5, profile="gradeable"),
        dict(schools=1, groups_per_school=6, students_per_group=10, seed=2, test_personnummer=True),
        dict(schools=1, groups_per_school=6, students_per_group=10, seed=2, samordning_share=0.3),
        dict(schools=2, groups_per_school=3, students_per_group=5, seed=9, students_total=100),
    ],
)
def test_generated_documents_validate(kwargs):
    doc = generate(**kwargs)
    assert fixtures.validate(doc) is doc
    assert problems(doc) == []


def test_generated_personnummer_are_valid_unique_and_of_adult_age(medium):
    people = medium["staff"] + medium["students"]
    numbers = [p["civicNo"] for p in people]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert re.fullmatch(r"(19|20)\d{10}", number)
        assert personnummer.is_valid(number)
        assert luhn.is_valid(number[2:])
        born = personnummer.get_birth_date(number)
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        assert 18 <= age <= 65, number


def test_samordningsnummer_add_sixty_to_the_day_and_pass_our_check_not_stdnums():
    doc = generate(1, 5, 20, seed=4, samordning_share=0.5)
    samordning = [p["civicNo"] for p in doc["students"] if int(p["civicNo"][6:8]) > 60]
    assert samordning
    for number in samordning:
        assert is_valid_civic_no(number)
        assert not personnummer.is_valid(number)  # why is_valid_civic_no exists
    assert all(int(p["civicNo"][6:8]) <= 31 for p in generate(1, 5, 20, seed=4)["students"])


def test_civic_no_check_rejects_bad_check_digit_and_bad_dates():
    assert is_valid_civic_no("199006022397")
    assert not is_valid_civic_no("199006022398")  # Luhn
    assert not is_valid_civic_no("199006322391")  # 32nd of June, not a samordningsnummer either
    assert is_valid_civic_no("199006622394") and not is_valid_civic_no("199006622395")
    assert not is_valid_civic_no("9006022397")


def test_test_personnummer_are_used_first_when_asked():
    from betyg_harness.reference import test_personnummer

    reference = test_personnummer()
    doc = generate(1, 3, 10, seed=1, test_personnummer=True)
    people = doc["staff"] + doc["students"]
    assert [p["civicNo"] for p in people][: len(reference)] == reference[: len(people)]


# -- scale (timing lives in bench/bench_generator.py) -------------------------------------------
def test_five_thousand_groups_and_twenty_thousand_students():
    doc = generate(schools=50, groups_per_school=100, students_per_group=8, seed=1, students_total=20_000)
    assert len(doc["groups"]) == 5_000
    assert len(doc["students"]) == 20_000
    assert sum(len(g["enrolments"]) for g in doc["groups"]) == 40_000
    assert len({u["schoolUnitCode"] for u in doc["schoolUnits"]}) == 50
    enrolled = {e["student"] for g in doc["groups"] for e in g["enrolments"]}
    assert len(enrolled) == 20_000  # every student has a course
    assert problems(doc) == []


# -- realism and distribution --------------------------------------------------------------------
def test_school_units_are_vuxenutbildningscentrum_with_unique_eight_digit_codes(medium):
    units = medium["schoolUnits"]
    assert [u["name"] for u in units] == [
        "Vuxenutbildningscentrum Kista",
        "Vuxenutbildningscentrum Skärholmen",
        "Vuxenutbildningscentrum Farsta",
    ]
    codes = [u["schoolUnitCode"] for u in units]
    assert all(re.fullmatch(r"[1-9]\d{7}", c) for c in codes) and len(set(codes)) == 3


def test_many_schools_get_distinct_names():
    doc = generate(schools=len(generator.DISTRICTS) + 2, groups_per_school=1, students_per_group=1)
    names = [u["name"] for u in doc["schoolUnits"]]
    assert len(set(names)) == len(names)
    assert "Vuxenutbildningscentrum Kista 2" in names


def test_groups_use_real_course_codes_and_realistic_names(medium):
    catalogue = {c["code"]: c for c in generator.course_catalogue()}
    districts = {u["key"]: u["name"].removeprefix("Vuxenutbildningscentrum ") for u in medium["schoolUnits"]}
    for g in medium["groups"]:
        assert g["course"] in catalogue
        end = dt.date.fromisoformat(g["endDate"])
        term = ("VT" if end.month <= 6 else "HT") + f"{end.year % 100:02d}"
        assert re.fullmatch(rf"{g['course']} {term} {districts[g['schoolUnit']]} [A-Z]+", g["name"]), g["name"]
    levels = {catalogue[g["course"]]["level"] for g in medium["groups"]}
    assert levels == {"gymnasial", "grundläggande"}


def test_course_periods_are_eight_to_twenty_weeks(medium):
    for g in medium["groups"]:
        days = (dt.date.fromisoformat(g["endDate"]) - dt.date.fromisoformat(g["startDate"])).days + 1
        assert 8 * 7 <= days <= 20 * 7


def test_course_ends_mix_gradeable_late_and_future(medium):
    def kind(g):
        end = dt.date.fromisoformat(g["endDate"])
        return "future" if end > TODAY else "late" if (TODAY - end).days > 14 else "gradeable"

    counts = collections.Counter(kind(g) for g in medium["groups"])
    assert counts["gradeable"] > counts["late"] > 0
    assert counts["future"] > 0
    assert any(1 <= (TODAY - dt.date.fromisoformat(g["endDate"])).days <= 7 for g in medium["groups"])


def test_some_groups_have_no_grading_teacher(medium):
    without = [g for g in medium["groups"] if not g["graders"]]
    assert len(without) == len(medium["groups"]) // generator.NO_GRADER_EVERY
    assert all(g["teachers"] for g in without)  # taught, but nobody linked as grader


def test_statuses_are_mostly_antagen_with_dated_avbrott_and_avslutad(medium):
    enrolments = [(g, e) for g in medium["groups"] for e in g["enrolments"]]
    counts = collections.Counter(e["status"] for _, e in enrolments)
    assert counts["Antagen"] > 0.7 * len(enrolments)
    assert counts["Avbrott"] and counts["Avslutad"] and counts["Ej antagen"]
    for g, e in enrolments:
        if e["status"] in ("Avbrott", "Avslutad"):
            day = dt.date.fromisoformat(e["date"])
            assert dt.date.fromisoformat(g["startDate"]) + dt.timedelta(days=14) <= day < TODAY
            assert day < dt.date.fromisoformat(g["endDate"])
        else:
            assert "date" not in e


def test_names_include_swedish_letters_hyphens_apostrophes_and_foreign_letters(medium):
    text = "".join(p["givenName"] + p["familyName"] for p in medium["students"])
    for char in "åäöÅÖ-'ŁŞễØÑ":
        assert char in text, char
    # even the smallest document has the hard cases
    tiny = generate(1, 1, 8)
    assert {"Lund-Persson", "O'Brien", "Al-Sayed"} <= {p["familyName"] for p in tiny["students"]}


def test_teachers_accounts_and_roles(medium):
    teachers = [p for p in medium["staff"] if p["dutyRole"] == "Lärare"]
    accounts = medium["accounts"]
    assert accounts["pingpong"][0] == {
        "username": "betygsadmin",
        "password": "betygsadmin",
        "name": "Maria Betygsadministratör",
        "role": "Betygsadministratör",
    }
    assert accounts["ber"] == [{"username": "beradmin", "password": "beradmin", "name": "BER-administratör"}]
    teacher_accounts = {a["staff"]: a for a in accounts["pingpong"] if a["role"] == "Lärare"}
    assert set(teacher_accounts) == {t["key"] for t in teachers}
    for t in teachers:
        assert teacher_accounts[t["key"]]["name"] == f"{t['givenName']} {t['familyName']}"
        assert re.fullmatch(r"[a-z0-9.-]+", t["key"])
    assert {p["dutyRole"] for p in medium["staff"]} == {"Lärare", "Rektor"}
    graders = collections.Counter(k for g in medium["groups"] for k in g["graders"])
    assert max(graders.values()) >= 2  # teachers grade several groups


def test_gradeable_profile_has_only_just_ended_graded_groups_of_admitted_students():
    doc = generate(2, 5, 6, seed=1, profile="gradeable", start="2027-03-01T09:00:00+01:00")
    assert doc["clock"]["start"] == "2027-03-01T09:00:00+01:00"
    for g in doc["groups"]:
        assert g["endDate"] == "2027-02-28" and g["graders"]
        assert " HT26 " not in g["name"] and " VT27 " in g["name"]
        assert {e["status"] for e in g["enrolments"]} == {"Antagen"}


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        generate(0, 1, 1)
    with pytest.raises(ValueError):
        generate(1, 1, 1, profile="everything")


# -- helpers, catalogue and command line ---------------------------------------------------------
def test_course_catalogue_has_every_domain_course_with_level_by_code():
    catalogue = generator.course_catalogue()
    codes = [c["code"] for c in catalogue]
    assert len(codes) == len(set(codes)) == 41
    by_code = {c["code"]: c for c in catalogue}
    assert by_code["FYSFYS01a"]["points"] == 150 and by_code["HISHIS01a1"]["points"] == 50
    assert by_code["GRNSVE2"] == {
        "code": "GRNSVE2",
        "name": "Svenska",
        "points": 700,
        "level": "grundläggande",
        "subject": "Svenska",
    }
    assert by_code["GRNENGC"]["points"] == 200 and by_code["MATMAT01a"]["name"] == "Matematik 1a"
    for c in catalogue:
        assert (c["level"] == "grundläggande") == c["code"].startswith("GRN")


def test_helpers():
    assert generator.ascii_slug("Łukasz O'Brien") == "lukasz.obrien"
    assert generator.ascii_slug("Søren Ødegård-Åberg") == "soren.odegard-aberg"
    assert generator.ascii_slug("Skärholmen", "-") == "skarholmen"
    assert generator.term_label(dt.date(2026, 12, 17)) == "HT26"
    assert generator.term_label(dt.date(2027, 6, 30)) == "VT27"
    assert [generator._letters(n) for n in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_problems_reports_what_the_schema_cannot():
    doc = generate(1, 2, 3, seed=1)
    g = doc["groups"][0]
    g["enrolments"].append(dict(g["enrolments"][0]))
    doc["students"][1]["civicNo"] = doc["students"][0]["civicNo"]
    doc["students"][2]["civicNo"] = "199006022398"
    rektor = next(p["key"] for p in doc["staff"] if p["dutyRole"] == "Rektor")
    g["graders"] = [rektor]
    g["enrolments"].append({"student": doc["students"][2]["key"], "status": "Avbrott"})
    found = "\n".join(problems(doc))
    for text in ("enrolled twice", "used 2 times", "invalid civicNo 199006022398", "is not a Lärare", "has no date"):
        assert text in found


def test_command_line_writes_a_valid_scenario(tmp_path, capsys):
    out = tmp_path / "out.json"
    assert generator.main(["--schools", "2", "--groups", "3", "--students", "4", "--seed", "1", "-o", str(out)]) == 0
    doc = scenario.load(out)
    assert doc == generate(2, 3, 4, seed=1)
    assert json.loads(capsys.readouterr().err)["groups"] == 6


def test_some_students_have_earlier_grades_in_other_courses_one_corrected_one_a_provning(medium):
    levels = {c["code"]: c["level"] for c in medium["courses"]}
    taking = {}
    for group in medium["groups"]:
        for enrolment in group["enrolments"]:
            taking.setdefault(enrolment["student"], set()).add(group["course"])
    with_history = [s for s in medium["students"] if s.get("earlierGrades")]
    assert 3 <= len(with_history) <= max(3, len(medium["students"]) // 10)
    grades = [g for s in with_history for g in s["earlierGrades"]]
    start = medium["clock"]["start"][:10]
    for student in with_history:
        for grade in student["earlierGrades"]:
            assert grade["course"] not in taking.get(student["key"], set())  # another course than now
            assert grade["date"] < start and grade["date"][5:] in ("06-12", "12-18")  # an earlier term's end
            scale = {"gymnasial": "ABCDEF", "grundläggande": ("G", "IG")}[levels[grade["course"]]]
            assert grade["value"] in scale
    [corrected] = [g for g in grades if "correction" in g]
    assert (
        corrected["correction"]["type"] == "Rättelse" and corrected["correction"]["previousValue"] != corrected["value"]
    )
    assert corrected["date"] < corrected["correction"]["date"] < start
    assert sum(1 for g in grades if g.get("trial")) == 1
    assert generator.problems(medium) == []


def test_earlier_grades_leave_the_rest_of_the_document_as_it_was():
    with_history = generator.generate(schools=1, groups_per_school=4, students_per_group=8, seed=5)
    without = generator.generate(schools=1, groups_per_school=4, students_per_group=8, seed=5, earlier_grades=False)
    for student in with_history["students"]:
        student.pop("earlierGrades", None)
    assert with_history == without
    assert not any("earlierGrades" in s for s in generator.generate(seed=5, profile="gradeable")["students"])


def test_problems_sees_an_earlier_grade_off_the_scale(medium):
    doc = copy.deepcopy(medium)
    student = next(s for s in doc["students"] if s.get("earlierGrades"))
    student["earlierGrades"][0]["value"] = "X"
    assert any("is not on the scale" in p for p in generator.problems(doc))

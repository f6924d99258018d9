"""The committed scenario files: valid, consistent, and holding the cases the suites rely on."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from betyg_harness import fixtures
from betyg_harness.fixtures.generator import course_catalogue, problems
from betyg_harness.mock_kit import scenario
from betyg_harness import reference

LEVEL = {c["code"]: c["level"] for c in course_catalogue()}


def _clock_day(doc: dict) -> dt.date:
    return dt.datetime.fromisoformat(doc["clock"]["start"]).date()


def _end(group: dict) -> dt.date:
    return dt.date.fromisoformat(group["endDate"])


@pytest.fixture(scope="module")
def docs() -> dict[str, dict]:
    return {name: scenario.load(name) for name in fixtures.scenario_names()}


def test_the_named_scenarios_exist():
    assert {"default", "small", "mixed", "generated-20"} <= set(fixtures.scenario_names())


@pytest.mark.parametrize("name", fixtures.scenario_names())
def test_every_scenario_validates_and_is_consistent(docs, name):
    doc = docs[name]
    assert doc["name"] == name
    assert problems(doc) == []
    courses = {c["code"]: c for c in doc["courses"]}
    catalogue = {c["code"]: c for c in course_catalogue()}
    for code, course in courses.items():  # courses are the real ones, named as in the catalogue
        assert {k: catalogue[code][k] for k in ("code", "name", "points", "level")} == course


def test_small_is_one_gymnasial_group_of_three_with_test_personnummer(docs):
    doc = docs["small"]
    assert len(doc["schoolUnits"]) == 1 and len(doc["groups"]) == 1
    group = doc["groups"][0]
    assert LEVEL[group["course"]] == "gymnasial"
    assert [e["status"] for e in group["enrolments"]] == ["Antagen"] * 3
    assert group["graders"]
    known = set(reference.test_personnummer())
    assert all(p["civicNo"] in known for p in doc["students"] + doc["staff"])
    assert _clock_day(doc) == _end(group) + dt.timedelta(days=1)


def test_mixed_holds_every_case(docs):
    doc = docs["mixed"]
    day = _clock_day(doc)
    groups = doc["groups"]
    assert {LEVEL[g["course"]] for g in groups} == {"gymnasial", "grundläggande"}
    assert any((day - _end(g)).days > 14 for g in groups), "a late group"
    assert any(_end(g) > day for g in groups), "a group not yet gradeable"
    assert any(0 <= (day - _end(g)).days <= 14 and g["graders"] for g in groups), "a gradeable group"
    assert any(not g["graders"] for g in groups), "a group without grading teachers"
    statuses = collections.Counter(e["status"] for g in groups for e in g["enrolments"])
    assert statuses["Avbrott"] and statuses["Avslutad"] and statuses["Ej antagen"]
    graders = collections.Counter(k for g in groups for k in g["graders"])
    assert max(graders.values()) >= 2, "a teacher grading several groups"
    known = set(reference.test_personnummer())
    used = {p["civicNo"] for p in doc["staff"] + doc["students"]} & known
    assert len(used) == len(known), "every Skatteverket test number is used before generated ones"


def test_mixed_has_the_200_student_catalogue_group(docs):
    doc = docs["mixed"]
    (big,) = [g for g in doc["groups"] if g["name"] == "SVESVE01 HT26 Stor"]
    assert big["course"] == "SVESVE01"
    assert len(big["enrolments"]) == 200
    assert {e["status"] for e in big["enrolments"]} == {"Antagen"}
    assert big["graders"]
    assert _clock_day(doc) == _end(big) + dt.timedelta(days=1)
    other_groups = [g for g in doc["groups"] if g is not big and big["graders"][0] in g["graders"]]
    assert other_groups, "the big group's grader also grades other groups"


def test_generated_20_is_twenty_gradeable_groups_with_graders(docs):
    doc = docs["generated-20"]
    groups = doc["groups"]
    assert len(groups) == 20
    for g in groups:
        assert g["graders"]
        assert _clock_day(doc) == _end(g) + dt.timedelta(days=1)
        assert 8 <= len(g["enrolments"]) <= 12
        assert {e["status"] for e in g["enrolments"]} == {"Antagen"}


def test_mixed_loads_into_ber_with_its_earlier_grades(docs):
    from betyg_harness.mock_ber import create_app

    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "SCENARIO": "mixed"})
    grades = app.test_client().get("/ss12000/v2.1/grades", headers={"Authorization": "Bearer ber-dev-token"})
    expected = sum(len(s.get("earlierGrades", [])) for s in docs["mixed"]["students"])
    assert expected and len(grades.get_json()["data"]) == expected
    assert sum(1 for g in grades.get_json()["data"] if g.get("correctionType") == "Rättelse") == 1
    app.extensions["mock_kit"].db.dispose()

"""One identity format on the flows' results (YYYYMMDD-NNNN), any usual form accepted on the way in;
the robot's files keep their 12-digit keys; ``mock=`` takes anything that advances a clock."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

import pytest

from betyg_harness import flows
from betyg_harness.flows.api import parse_grades
from betyg_harness.flows.models import BerGrade, GradeResult, GradingState, PersonGrades, StudentRow, SummaryRow
from betyg_harness.flows.pingpong import plan_grades

PNR = "19900602-2397"
FORMS = ["19900602-2397", "199006022397", "900602-2397", "9006022397"]
SAMORDNING = "19900662-2394"
CENTENARIAN = "010105+2389"  # '+': born 1901


@pytest.mark.parametrize("form", FORMS)
def test_grade_result_is_keyed_by_the_shown_form_and_looked_up_by_any(form):
    result = GradeResult(group="g", already={"199107172380": "B"})
    result.set = {"199006022397": "A"}  # what flows/pingpong.py assigns: 12-digit keys
    assert list(result.set) == [PNR] and list(result.already) == ["19910717-2380"]
    assert result.set[form] == "A" and form in result.set and result.set.get(form) == "A"
    assert result.set == {form: "A"} and not result.set != {form: "A"}
    assert result.set != {form: "B"} and result.set != {form: "A", "19910717-2380": "B"}
    assert "19910717-2380" not in result.set and result.set.get("19910717-2380", "-") == "-"
    with pytest.raises(KeyError):
        result.set["19910717-2380"]


def test_person_grades_reads_every_usual_form_and_samordningsnummer():
    grades = PersonGrades({SAMORDNING.replace("-", ""): "C", CENTENARIAN: "E"})
    assert set(grades) == {SAMORDNING, "19010105-2389"}
    assert grades["900662-2394"] == "C" and grades["190101052389"] == "E"
    assert "nonsense" not in grades and grades.get("19900602-2398") is None  # wrong check digit: no entry
    with pytest.raises(ValueError, match="kontrollsiffran"):
        grades["19900602-2398"] = "A"
    assert grades.pop("9006622394") == "C" and list(grades) == ["19010105-2389"]


def test_person_grades_stay_a_plain_dict_for_json_and_dataclasses():
    result = GradeResult(group="g", set={"199006022397": "A"})
    assert isinstance(result.set, dict)
    assert json.loads(json.dumps(result.set)) == {PNR: "A"}
    assert asdict(result)["set"] == {PNR: "A"}
    assert result.set.by_digits() == {"199006022397": "A"} and type(result.set.by_digits()) is dict


def test_rows_read_off_the_screens_hold_the_one_form():
    row = StudentRow(personnummer="900602-2397", name="Åsa Öberg", grade=None, steps=["A"], locked=False)
    assert row.personnummer == PNR and row.personnummer_shown == "900602-2397"
    assert SummaryRow("Åsa Öberg", "199006022397", "A", True).personnummer == PNR
    assert (
        BerGrade(
            "SVESVE01 Svenska 1", "A", "2026-12-18", "Anna Lindqvist", "2026-12-18", personnummer="9006022397"
        ).personnummer
        == PNR
    )
    assert BerGrade("SVESVE01 Svenska 1", "A", "", "", "").personnummer == ""
    # A value that is no valid number is kept as shown: a reading reports, it does not fail.
    assert StudentRow(personnummer="okänt", name="x", grade=None, steps=[], locked=False).personnummer == "okänt"


def test_expected_grade_holds_the_one_form_and_refuses_a_wrong_number():
    assert flows.ExpectedGrade("g", "199006022397", "SVESVE01", "A") == flows.ExpectedGrade("g", PNR, "SVESVE01", "A")
    assert flows.ExpectedGrade("g", "900602-2397", "SVESVE01", "A").personnummer == PNR
    with pytest.raises(ValueError, match="kontrollsiffran"):
        flows.ExpectedGrade("g", "19900602-2398", "SVESVE01", "A")


def test_grading_state_finds_a_student_by_any_form():
    row = StudentRow(personnummer=PNR, name="Åsa Öberg", grade="A", steps=["A"], locked=True)
    state = GradingState(
        name="g",
        facts={},
        students=[row],
        teachers=[],
        teachers_ticked=[],
        status_text="",
        alerts=[],
        can_save=True,
        not_before=None,
        catalogue_ready=False,
    )
    assert all(state.student(form) is row for form in FORMS)
    assert state.student("19910717-2380") is None and state.student("inget") is None
    plan = plan_grades(state, {"9006022397": "A"}, lock=True)
    assert GradeResult(group="g", already=plan.already).already == {PNR: "A"}


def test_person_key_is_the_one_rule():
    assert {flows.person_key(f) for f in FORMS} == {PNR}
    assert flows.person_key(CENTENARIAN) == "19010105-2389"
    with pytest.raises(ValueError):
        flows.person_key("1990-06-02")


class _Clock:
    def __init__(self):
        self.moved = []

    def advance(self, *, seconds: float):
        self.moved.append(seconds)


def test_mock_control_and_the_plugins_mock_clock_advance_a_clock():
    from betyg_harness.plugin import MockClockControl

    assert isinstance(flows.MockControl("http://127.0.0.1:1"), flows.AdvancesClock)
    assert isinstance(MockClockControl(pair=None), flows.AdvancesClock)
    assert isinstance(_Clock(), flows.AdvancesClock)
    assert not isinstance(object(), flows.AdvancesClock)


def test_wait_until_visible_refuses_a_mock_that_cannot_advance_before_any_page_is_opened():
    with pytest.raises(TypeError, match="AdvancesClock"):
        flows.wait_until_visible_in_ber(None, [], mock=object())


GRADE_XML = b"""<?xml version='1.0' encoding='UTF-8'?>
<betyg xmlns="http://pingpong.se/schemas/grades/v1.1" from="2026-12-18T08:00:00" tom="2026-12-18T09:00:00">
  <elev id="{11111111-1111-1111-1111-111111111111}">
    <kursbetyg><value>A</value><datum>2026-12-18</datum><pr\xc3\xb6vning>false</pr\xc3\xb6vning>
      <betygsgrupp>{22222222-2222-2222-2222-222222222222}</betygsgrupp>
      <skola>{33333333-3333-3333-3333-333333333333}</skola>
      <beslutsfattare roll="L\xc3\x84RARE"><person>{44444444-4444-4444-4444-444444444444}</person></beslutsfattare>
      <skolform>VUX</skolform><kurskod>SVESVE01</kurskod><omd\xc3\xb6me>false</omd\xc3\xb6me></kursbetyg>
  </elev>
</betyg>"""


def test_the_grade_api_answer_is_parsed_into_records():
    [record] = parse_grades(GRADE_XML)
    assert record == flows.GradeRecord(
        student_id="11111111-1111-1111-1111-111111111111",
        course_code="SVESVE01",
        grade="A",
        date="2026-12-18",
        group_id="22222222-2222-2222-2222-222222222222",
        school_id="33333333-3333-3333-3333-333333333333",
        teacher_ids=("44444444-4444-4444-4444-444444444444",),
        school_form="VUX",
        trial=False,
        remark=False,
    )


def test_the_mocks_grade_document_parses_the_same():
    from betyg_harness.mock_pingpong.api import build_document
    from lxml import etree

    class Row:
        value, course_code, deciders = "B", "ENGENG05", ["t1", "t2"]
        locked_at, group_id, school_unit_id = datetime(2026, 12, 18, 8, 30), "g1", "s1"

    xml = etree.tostring(
        build_document(datetime(2026, 12, 18), datetime(2026, 12, 19), {"p1": [Row]}),
        xml_declaration=True,
        encoding="UTF-8",
    )
    [record] = parse_grades(xml)
    assert (record.student_id, record.grade, record.teacher_ids, record.group_id) == ("p1", "B", ("t1", "t2"), "g1")

"""The helpers a suite would otherwise write in its own conftest, used as a user would: the APIs'
clients, other users' sessions, a group's state, a student's grades in BER, one identity format."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from betyg_harness import flows
from betyg_harness.mock_kit import scenario as scenarios

SVE = "SVESVE01 HT26 Kista A"
GRN = "GRNMAT2 HT26 Kista A"
SVE_GRADES = {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "C", "20000105-2380": "-"}
ASA = "19900602-2397"


def _second_admin() -> dict:
    document = copy.deepcopy(scenarios.load("default"))
    document["accounts"]["pingpong"].append(
        {"username": "per.admin", "password": "per.admin", "name": "Per Andersson", "role": "Betygsadministratör"}
    )
    return document


def test_grade_results_speak_the_screens_form(pingpong):
    """The three red tests of the trial suite: the key is what the screen shows, any form finds it."""
    result = pingpong.grade_group(SVE, {"900602-2397": "A", "199107172380": "B"}, teachers=["Anna Lindqvist"])
    assert result.set["19900602-2397"] == "A" and result.set["199006022397"] == "A"
    assert sorted(result.set) == ["19900602-2397", "19910717-2380"]
    again = pingpong.grade_group(SVE, {"19900602-2397": "A"}, teachers=["Anna Lindqvist"])
    assert again.done_before and again.already == {"19900602-2397": "A"} and "900602-2397" in again.already
    assert {s.personnummer for s in result.state.students} >= {"19900602-2397", "19910717-2380"}


def test_group_state_opens_the_group_and_reads_it(pingpong):
    pingpong.grade_group(SVE, {ASA: "A"}, teachers=["Anna Lindqvist"])
    state = pingpong.group_state(SVE)
    assert state.name == SVE and state.teachers == ["Anna Lindqvist"]
    row = state.student("9006022397")
    assert (row.personnummer, row.grade, row.locked) == (ASA, "A", True)
    assert state.student("19910717-2380").grade is None


def test_pingpong_as_a_teacher_sees_their_own_groups(pingpong, pingpong_as):
    pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    anna = pingpong_as("Anna Lindqvist")
    assert anna.username == "anna.lindqvist" and anna.page.context is not pingpong.page.context
    assert anna.group_state(SVE).student(ASA).locked
    omar = pingpong_as("omar.haddad")
    assert SVE not in {hit.name for hit in omar.find_groups(group="")}
    with pytest.raises(LookupError, match="finns inte bland scenariots konton.*anna.lindqvist"):
        pingpong_as("Ingen Alls")


@pytest.mark.scenario(_second_admin())
def test_pingpong_as_a_second_administrator_meets_the_first_ones_grades(pingpong, pingpong_as):
    pingpong.grade_group(SVE, {ASA: "A"}, teachers=["Anna Lindqvist"])
    per = pingpong_as("Per Andersson")
    with pytest.raises(flows.GradeConflict):
        per.grade_group(SVE, {ASA: "B"}, teachers=["Anna Lindqvist"])
    assert per.grade_group(SVE, {ASA: "A"}, teachers=["Anna Lindqvist"]).already == {ASA: "A"}


def test_ber_grades_of_a_student_with_and_without_the_group(pingpong, ber, mock_clock):
    pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert [g for g in ber.grades_of(ASA, SVE) if g.course_code == "SVESVE01"] == []  # before BER's import
    mock_clock.advance(minutes=15)
    by_group = [g for g in ber.grades_of("900602-2397", SVE) if g.course_code == "SVESVE01"]
    assert [(g.grade, g.teachers, g.personnummer) for g in by_group] == [("A", "Anna Lindqvist", ASA)]
    assert ber.grades_of("199006022397") == ber.grades_of(ASA, SVE)  # found through BER's search
    with pytest.raises(flows.BerError, match="19910717-2380 finns inte i gruppen"):
        ber.grades_of("19910717-2380", GRN)


def test_ber_unlinks_a_grading_teacher(ber):
    ber.unlink_grading_teacher(GRN, "Omar Haddad")
    ber.unlink_grading_teacher(GRN, "Omar Haddad")  # no longer linked: nothing to do
    ber.link_grading_teacher(GRN, "Omar Haddad")
    ber.unlink_grading_teacher(GRN, "Omar Haddad")
    from betyg_harness.flows.pages.ber import BerGroupSearchPage

    assert BerGroupSearchPage(ber.page).goto().search(GRN).open(GRN).grading_teachers() == []


def test_wait_until_visible_takes_the_plugins_mock_clock(pingpong, ber, mock_clock, journal):
    assert isinstance(mock_clock, flows.AdvancesClock)
    pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    expected = [flows.ExpectedGrade(SVE, pnr.replace("-", ""), "SVESVE01", g) for pnr, g in SVE_GRADES.items()]
    journal.clear()
    rounds = ber.wait_until_visible(expected, timeout=timedelta(minutes=30), mock=mock_clock)
    assert 1 < rounds <= 7
    # Both mocks' clocks moved (no real waiting): BER imported from Ping Pong's grade API.
    assert journal.pingpong(method="GET", path="/api/skolplattform/betyg")


def test_ss12000_reads_every_page_and_finds_a_person_by_any_form(ss12000, scenario, journal):
    people = len(scenario["students"]) + len(scenario["staff"])
    journal.clear()
    everyone = ss12000.all("/persons", limit=2)
    assert len(everyone) == people == len({p["id"] for p in everyone})
    pages = journal.ber(method="GET", path="/ss12000/v2.1/persons")
    assert len(pages) == -(-people // 2)  # every page asked for once, by its page token
    asa = ss12000.person_by_civic_no("900602-2397")
    assert (asa["givenName"], asa["civicNo"]["value"]) == ("Åsa", "199006022397")
    assert ss12000.person(asa["id"])["familyName"] == "Öberg"
    assert ss12000.person_by_civic_no("19910101-0008") is None
    with pytest.raises(flows.ApiError) as caught:
        ss12000.person("00000000-0000-0000-0000-000000000000")
    assert (caught.value.status, caught.value.code) == (404, "not_found")
    assert any(g["displayName"] == SVE for g in ss12000.groups())


def test_the_grade_api_and_ss12000_agree_on_a_graded_student(pingpong, grade_api, ss12000, mock_clock):
    before = datetime.fromisoformat(mock_clock.now()).replace(tzinfo=None, second=0, microsecond=0)
    pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    records = grade_api.grades(before - timedelta(minutes=1), before + timedelta(days=1))
    asa = ss12000.person_by_civic_no(ASA)
    mine = [r for r in records if r.student_id == asa["id"] and r.course_code == "SVESVE01"]
    assert [r.grade for r in mine] == ["A"] and mine[0].school_form == "VUX"
    anna = ss12000.person_by_civic_no("197912309296")
    assert mine[0].teacher_ids == (anna["id"],)  # beslutsfattare: the person GUID
    mock_clock.advance(minutes=15)  # BER's import
    assert "A" in {g["gradeValue"] for g in ss12000.grades_of("9006022397")}
    with pytest.raises(flows.ApiError) as caught:
        grade_api.grades("igår", "idag")
    assert (caught.value.status, caught.value.code) == (400, "bad_request") and "from" in caught.value.message


def test_ber_as_logs_in_as_a_user_of_the_scenario(ber_as):
    admin = ber_as("BER-administratör")
    assert admin.username == "beradmin"
    assert [g.course_code for g in admin.grades_of(ASA, SVE)] == [g.course_code for g in admin.grades_of(ASA)]


def test_the_grade_api_client_takes_dates_and_iso_texts(pingpong, grade_api):
    from datetime import date, timezone

    pingpong.grade_group(SVE, {ASA: "A"}, teachers=["Anna Lindqvist"])
    as_text = grade_api.grades("2026-12-01T00:00:00", "2027-01-01")
    as_dates = grade_api.grades(date(2026, 12, 1), date(2027, 1, 1))
    as_aware = grade_api.grades(datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc), "2027-01-01T00:00")
    assert as_text == as_dates == as_aware and any(r.grade == "A" for r in as_text)

"""The grading routine's rules on the embedded default, as a QA engineer checks them."""

from datetime import timedelta

import pytest

from betyg_harness import flows

SVENSKA = "SVESVE01 HT26 Kista A"  # ended 2026-12-17, Anna Lindqvist grades
MATTE_VT = "MATMAT01a VT27 Kista A"  # ends 2027-01-22: not gradeable yet
ENGELSKA = "ENGENG05 HT26 Kista B"  # ended 2026-11-27: grades now are late
GRUNDMATTE = "GRNMAT2 HT26 Kista A"  # Omar Haddad's
ANNA = "Anna Lindqvist"
ASA, LUKASZ, AYSE, LAN = "19900602-2397", "19910717-2380", "19961020-2385", "20000105-2380"
ALL_OF_SVENSKA = {ASA: "A", LUKASZ: "C", AYSE: "E", LAN: "F"}


def test_grades_are_set_and_locked(pingpong):
    result = pingpong.grade_group(SVENSKA, {ASA: "A", LUKASZ: "B"}, teachers=[ANNA])
    assert result.set == {ASA: "A", LUKASZ: "B"}
    state = pingpong.group_state(SVENSKA)
    assert state.student(ASA).grade == "A" and state.student(ASA).locked
    assert state.student("910717-2380").grade == "B"  # any form of the number


def test_grading_again_changes_nothing(pingpong, journal):
    pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    journal.clear()
    again = pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    assert again.set == {} and again.already == {ASA: "A"}
    assert not journal.pingpong(method="POST")


def test_a_locked_grade_is_never_overwritten(pingpong):
    pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    with pytest.raises(flows.GradeConflict, match="Inget sparades"):
        pingpong.grade_group(SVENSKA, {ASA: "B", LUKASZ: "C"}, teachers=[ANNA])
    state = pingpong.group_state(SVENSKA)
    assert state.student(ASA).grade == "A" and state.student(LUKASZ).grade is None


def test_a_course_not_yet_ended_cannot_be_graded(pingpong):
    with pytest.raises(flows.GroupNotYetGradeable, match="2027-01-22"):
        pingpong.grade_group(MATTE_VT, {"20000103-2382": "A"})


def test_a_teacher_sees_only_their_own_groups(pingpong_as):
    anna = pingpong_as(ANNA)
    names = {hit.name for hit in anna.find_groups(group="")}
    assert SVENSKA in names and GRUNDMATTE not in names


def test_a_teacher_cannot_open_another_teachers_group(pingpong, pingpong_as):
    hit = pingpong.find_groups(group=GRUNDMATTE)[0]
    with pytest.raises(flows.NoAccess):
        pingpong_as(ANNA).group_state(hit)


def test_grades_outside_the_scale_and_students_not_admitted_are_refused(pingpong):
    with pytest.raises(flows.GradeNotInScale):
        pingpong.grade_group(SVENSKA, {ASA: "G"}, teachers=[ANNA])
    with pytest.raises(flows.StudentNotAdmitted, match="19931217-2381"):  # Avbrott
        pingpong.grade_group(SVENSKA, {"19931217-2381": "C"}, teachers=[ANNA])
    assert pingpong.group_state(SVENSKA).student(ASA).grade is None


def test_late_grades_are_marked_forsenad(pingpong, assert_catalogue, tmp_path):
    grades = {"19900728-2388": "B", "19900730-2384": "C", LUKASZ: "A"}
    result = pingpong.grade_group(ENGELSKA, grades, teachers=["Karin Östberg", ANNA])
    assert result.late
    pdf = pingpong.download_catalogue(ENGELSKA, tmp_path)
    assert_catalogue(pdf, grades, teachers=["Karin Östberg", ANNA], late=True)


def test_the_catalogue_waits_for_every_grade(pingpong, assert_catalogue, tmp_path):
    pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    with pytest.raises(flows.CatalogueNotReady):
        pingpong.download_catalogue(SVENSKA, tmp_path)
    pingpong.grade_group(SVENSKA, ALL_OF_SVENSKA, teachers=[ANNA])
    pdf = pingpong.download_catalogue(SVENSKA, tmp_path)
    assert_catalogue(pdf, ALL_OF_SVENSKA, teachers=[ANNA], late=False, pages=1, Betygsgrupp=SVENSKA)


def test_grades_reach_ber_only_with_its_import(pingpong, ber, mock_clock):
    pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    assert [g for g in ber.grades_of(ASA, SVENSKA) if g.course_code == "SVESVE01"] == []
    expected = [flows.ExpectedGrade(SVENSKA, ASA, "SVESVE01", "A")]
    ber.wait_until_visible(expected, timeout=timedelta(minutes=30), mock=mock_clock)
    [grade] = [g for g in ber.grades_of(ASA, SVENSKA) if g.course_code == "SVESVE01"]
    assert (grade.grade, grade.teachers, grade.personnummer) == ("A", ANNA, ASA)


def test_ss12000_and_the_grade_api_agree(pingpong, ss12000, grade_api, mock_clock):
    pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    records = grade_api.grades("2026-12-01T00:00:00", "2027-01-01T00:00:00")
    asa = ss12000.person_by_civic_no(ASA)
    assert [r.grade for r in records if r.student_id == asa["id"] and r.course_code == "SVESVE01"] == ["A"]
    mock_clock.advance(minutes=15)
    assert "A" in {g["gradeValue"] for g in ss12000.grades_of(ASA)}


# -- the mistakes people make: each refused at once, in Ping Pong's or BER's words -----------------
def test_a_misspelled_teacher_gets_a_suggestion(pingpong):
    with pytest.raises(flows.TeacherNotFound, match="Menade du «Anna Lindqvist»"):
        pingpong.find_groups(teacher="Anna Lindkvist")


def test_reversed_dates_are_refused(pingpong):
    with pytest.raises(flows.SearchRefused, match="T.o.m. får inte vara före Fr.o.m."):
        pingpong.find_groups(group="", date_from="2026-12-31", date_to="2026-12-01")


def test_a_group_name_with_a_typo_gets_a_suggestion(pingpong):
    with pytest.raises(flows.GroupNotFound, match="Menade du «SVESVE01 HT26 Kista A»"):
        pingpong.grade_group("svesve01 ht26  kista a", {ASA: "A"}, teachers=[ANNA])


def test_an_unknown_teacher_in_ber_gets_a_suggestion(ber):
    with pytest.raises(flows.TeacherNotFound, match="Menade du «Omar Haddad»"):
        ber.link_grading_teacher(SVENSKA, "Omar Hadad")


@pytest.mark.fail_fast
def test_a_server_error_on_save_is_reported_once(pingpong, faults, journal):
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", status=500)
    journal.clear()
    with pytest.raises(flows.ServerError):
        pingpong.grade_group(SVENSKA, {ASA: "A"}, teachers=[ANNA])
    assert len(journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")) == 1
    assert pingpong.group_state(SVENSKA).student(ASA).grade is None

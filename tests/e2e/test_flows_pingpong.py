"""Each Ping Pong flow against the running mocks (default scenario: the day after SVESVE01 ended)."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from betyg_harness.flows import (GradeConflict, GroupNotFound, GroupNotYetGradeable, LoginFailed, PingPong, StudentNotAdmitted,
                                 TeacherNotLinked, download_catalogue, find_groups, grade_group, login, preview_catalogue)
from betyg_harness.flows.errors import CatalogueNotReady
from betyg_harness.flows.pages.pingpong import BetygPage, GradingPage

SVE = "SVESVE01 HT26 Kista A"
SVE_GRADES = {"19900602-2397": "A", "199107172380": "B", "199610202385": "-", "200001052380": "E"}


@pytest.fixture
def pp_page(page, scenario, pingpong_server):
    page.set_default_timeout(10_000)
    login(page)
    return page


def test_bad_login_says_so(page, scenario):
    with pytest.raises(LoginFailed, match="Fel användarnamn eller lösenord."):
        login(page, "betygsadmin", "fel")


def test_find_groups_by_teacher_and_by_group(pp_page):
    BetygPage(pp_page).goto().open_from_menu().open_search_by_group()  # Verktyg → Betyg → Sök grupp
    by_teacher = find_groups(pp_page, teacher="Anna Lindqvist")
    assert {h.name for h in by_teacher} == {SVE, "ENGENG05 HT26 Kista B"}
    by_group = find_groups(pp_page, group="GRNMAT2", term="HT 2026")
    assert [(h.name, h.course_code, h.course_end) for h in by_group] == [("GRNMAT2 HT26 Kista A", "GRNMAT2", "2026-12-18")]
    assert {h.status for h in find_groups(pp_page, group="")} >= {"Försenad"}  # ENGENG05 ended 2026-11-27
    assert find_groups(pp_page, group="finns inte") == []


def test_grade_group_locks_every_grade_then_the_catalogue_is_printable(pp_page, tmp_path, journal):
    journal.clear()
    result = grade_group(pp_page, SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert result.set == {"199006022397": "A", "199107172380": "B", "199610202385": "-", "200001052380": "E"}
    assert [(r.grade, r.locks) for r in result.summary.rows].count(("A", True)) == 1
    assert result.summary.teachers == ["Anna Lindqvist"]
    assert all(s.locked and s.locked_text.startswith("Låst 2026-12-18") for s in result.state.students)
    assert result.state.catalogue_ready
    # One store, and the grade API publishes the locked grades.
    assert len(journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")) == 1

    pdf = download_catalogue(pp_page, GradingPage(pp_page, name=SVE), tmp_path)
    assert pdf.name.startswith("betygskatalog_SVESVE01_") and pdf.suffix == ".pdf"
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Betygskatalog" in text and "19900602-2397" in text
    assert "Betygskatalog" in preview_catalogue(pp_page, SVE)

    assert result.late is False  # graded the day after course end: on time
    again = grade_group(pp_page, SVE, SVE_GRADES)  # idempotent: nothing clicked, nothing stored
    assert again.set == {} and again.done_before
    with pytest.raises(GradeConflict, match="har låst A, inte B"):
        grade_group(pp_page, SVE, {"19900602-2397": "B"})
    assert len(journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")) == 1


def test_dry_run_stops_at_the_summary_and_stores_nothing(pp_page, tmp_path, journal):
    journal.clear()
    result = grade_group(pp_page, SVE, {"19900602-2397": "A"}, dry_run=True, screenshot_dir=tmp_path,
                         clicks="mouse")
    assert result.dry_run and result.screenshot.exists()
    assert [(r.personnummer, r.grade, r.locks) for r in result.summary.rows] == [("19900602-2397", "A", True)]
    assert journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning") == []
    with pytest.raises(CatalogueNotReady):
        download_catalogue(pp_page, SVE, tmp_path)


def test_business_refusals_in_the_users_words(pp_page):
    with pytest.raises(GroupNotYetGradeable, match="Betyg kan sättas från och med 2027-01-22"):
        grade_group(pp_page, "MATMAT01a VT27 Kista A", {"200001032382": "A"})
    with pytest.raises(StudentNotAdmitted, match="19931217-2381"):  # Søren: Avbrott in BER
        grade_group(pp_page, SVE, {"199312172381": "A"})
    with pytest.raises(TeacherNotLinked, match="Omar Haddad"):
        grade_group(pp_page, SVE, {"19900602-2397": "A"}, teachers=["Omar Haddad"])
    with pytest.raises(GroupNotFound, match="HISHIS01a1"):  # no grading teacher linked in BER
        grade_group(pp_page, "HISHIS01a1 HT26 Kista A", {"19900602-2397": "A"})


def test_a_server_error_is_retried_with_a_fresh_login(page, scenario, pingpong_server, faults, journal):
    pp = PingPong(page, pingpong_server.url, base_delay=0.05).login()
    faults.pingpong(path="/betyg/grupp/*", method="GET", status=503, times=1)
    page.context.clear_cookies()  # and the session is gone too
    result = pp.grade_group("GRNMAT2 HT26 Kista A", {"20000103-2382": "G"})
    assert result.set == {"200001032382": "G"}
    assert len(journal.pingpong(method="POST", path="/login")) >= 2


def test_a_late_group_is_reported_late(pp_page):
    """ENGENG05 ended 2026-11-27; the last day on time was 2026-12-11, so it is graded "Försenad"."""
    result = grade_group(pp_page, "ENGENG05 HT26 Kista B", {"19900728-2388": "A", "19900730-2384": "B",
                                                             "19910717-2380": "C"},
                         teachers=["Karin Östberg"])
    assert result.late is True
    assert len(result.set) == 3


def test_grading_by_role_and_name_clicks_gives_the_same_result(pp_page):
    """``clicks="locator"`` clicks every control by role and accessible name (no positions)."""
    grades = {"20000103-2382": "G", "20000104-2399": "IG", "19931216-2390": "G"}
    result = grade_group(pp_page, "GRNMAT2 HT26 Kista A", grades, teachers=["Omar Haddad"], clicks="locator")
    assert result.set == {k.replace("-", ""): v for k, v in grades.items()}
    assert all(s.locked for s in result.state.students)


def test_a_stray_mouse_click_is_caught_by_the_summary_and_redone_by_role(pp_page, monkeypatch, journal):
    """Nothing is stored from a summary that differs from the request: the flow starts the group
    afresh and clicks each control by role and name."""
    by_mouse = GradingPage.set_grades_by_mouse

    def astray(self, items, *, lock):  # every click lands on the scale's first step
        by_mouse(self, [(row, row.steps[0]) for row, _ in items], lock=lock)

    by_role = []
    set_grade = GradingPage.set_grade
    monkeypatch.setattr(GradingPage, "set_grades_by_mouse", astray)
    monkeypatch.setattr(GradingPage, "set_grade",
                        lambda self, row, grade, **kw: (by_role.append(grade), set_grade(self, row, grade, **kw)))
    journal.clear()
    result = grade_group(pp_page, SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert result.set == {"199006022397": "A", "199107172380": "B", "199610202385": "-", "200001052380": "E"}
    assert sorted(by_role) == sorted(SVE_GRADES.values())
    assert len(journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")) == 1  # one store


def test_lost_mouse_clicks_refused_at_the_first_spara_are_redone_by_role(pp_page, monkeypatch, journal):
    """When the grade clicks are lost but the lock boxes ticked, Ping Pong refuses the first Spara
    ("Välj ett betyg … innan du låser det"); nothing is stored, so the flow redoes it by role and name."""
    def locks_only(self, items, *, lock):
        for row, _ in items:
            self.page.get_by_role("checkbox", name=f"Lås betyg för {row.name}", exact=True).check()

    monkeypatch.setattr(GradingPage, "set_grades_by_mouse", locks_only)
    journal.clear()
    result = grade_group(pp_page, SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert result.set == {"199006022397": "A", "199107172380": "B", "199610202385": "-", "200001052380": "E"}
    assert all(s.locked for s in result.state.students)
    assert len(journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")) == 1  # one store

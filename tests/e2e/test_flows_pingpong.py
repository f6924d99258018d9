"""Each Ping Pong flow against the running mocks (default scenario: the day after SVESVE01 ended)."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from betyg_harness.flows import (
    GradeConflict,
    GroupNotFound,
    GroupNotYetGradeable,
    LoginFailed,
    LoginThrottled,
    PingPong,
    StudentNotAdmitted,
    TeacherNotLinked,
    download_catalogue,
    find_groups,
    grade_group,
    login,
    preview_catalogue,
)
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


def test_a_throttled_login_is_refused_at_once_in_the_systems_words(page, scenario):
    """After five wrong passwords the sixth attempt, even the right one, meets the 429 page: the flow
    says so at once (LoginThrottled, not retried) instead of waiting for a logout button."""
    for _ in range(5):
        with pytest.raises(LoginFailed, match="Fel användarnamn"):
            login(page, "betygsadmin", "fel")
    with pytest.raises(LoginThrottled, match="För många förfrågningar"):
        login(page, "betygsadmin", "betygsadmin")


def test_find_groups_by_teacher_and_by_group(pp_page):
    BetygPage(pp_page).goto().open_from_menu().open_search_by_group()  # Verktyg → Betyg → Sök grupp
    by_teacher = find_groups(pp_page, teacher="Anna Lindqvist")
    assert {h.name for h in by_teacher} == {SVE, "ENGENG05 HT26 Kista B"}
    by_group = find_groups(pp_page, group="GRNMAT2", term="HT 2026")
    assert [(h.name, h.course_code, h.course_end) for h in by_group] == [
        ("GRNMAT2 HT26 Kista A", "GRNMAT2", "2026-12-18")
    ]
    assert {h.status for h in find_groups(pp_page, group="")} >= {"Försenad"}  # ENGENG05 ended 2026-11-27
    assert find_groups(pp_page, group="finns inte") == []


def test_grade_group_locks_every_grade_then_the_catalogue_is_printable(pp_page, tmp_path, journal):
    journal.clear()
    result = grade_group(pp_page, SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert result.set == {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "-", "20000105-2380": "E"}
    # Keys as the screen shows them; any written form finds an entry.
    assert set(result.set) == {"19900602-2397", "19910717-2380", "19961020-2385", "20000105-2380"}
    assert result.set["199006022397"] == result.set["900602-2397"] == "A"
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
    result = grade_group(pp_page, SVE, {"19900602-2397": "A"}, dry_run=True, screenshot_dir=tmp_path)
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
    assert result.set == {"20000103-2382": "G"}
    assert len(journal.pingpong(method="POST", path="/login")) >= 2


def test_a_late_group_is_reported_late(pp_page):
    """ENGENG05 ended 2026-11-27; the last day on time was 2026-12-11, so it is graded "Försenad"."""
    result = grade_group(
        pp_page,
        "ENGENG05 HT26 Kista B",
        {"19900728-2388": "A", "19900730-2384": "B", "19910717-2380": "C"},
        teachers=["Karin Östberg"],
    )
    assert result.late is True
    assert len(result.set) == 3


def test_a_click_that_did_not_take_is_caught_by_the_summary_and_nothing_is_stored(pp_page, monkeypatch, journal):
    """Every control is clicked by role and name, once; if one did not take (here: every click lands
    on the scale's first step), the summary differs from the request and nothing is stored."""
    from betyg_harness.flows import SummaryMismatch

    set_grade = GradingPage.set_grade
    monkeypatch.setattr(
        GradingPage, "set_grade", lambda self, row, grade, **kw: set_grade(self, row, row.steps[0], **kw)
    )
    journal.clear()
    with pytest.raises(SummaryMismatch, match="Sammanfattningen stämmer inte"):
        grade_group(pp_page, SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning") == []


def test_same_names_in_one_group_are_clicked_in_their_own_rows(pp_page):
    """GRNMAT2 by role and name: the grading state is read in one evaluation and every grade shows
    locked after the second Spara."""
    grades = {"20000103-2382": "G", "20000104-2399": "IG", "19931216-2390": "G"}
    result = grade_group(pp_page, "GRNMAT2 HT26 Kista A", grades, teachers=["Omar Haddad"])
    assert result.set == grades
    assert all(s.locked for s in result.state.students)

"""A refusal on a screen is the system's answer, not a transient failure: the typed error at once,
in the system's words, after one attempt and no back-off (issue 18)."""

from __future__ import annotations

import pytest

from betyg_harness import flows
from betyg_harness.flows import retry

SEARCH_BY_GROUP = "/betyg/sok-grupp"


@pytest.fixture
def no_backoff(monkeypatch):
    """Any back-off sleep of the retry loop fails the test: a refusal must never be retried."""

    def refuse(seconds):
        raise AssertionError(f"the flow backed off {seconds} s to retry a refusal")

    monkeypatch.setattr(retry.time, "sleep", refuse)


@pytest.fixture
def short_patience(grade_admin_page):
    """A few seconds per step: a hidden wait for something a refusal replaced surfaces as a wrong
    (transient) error instead of the typed one."""
    flows.set_timeout(grade_admin_page, 3_000)


def test_reversed_dates_are_refused_in_ping_pongs_words(pingpong, journal, no_backoff, short_patience):
    journal.clear()
    with pytest.raises(flows.SearchRefused, match="T.o.m. får inte vara före Fr.o.m."):
        pingpong.find_groups(group="", date_from="2026-12-31", date_to="2026-12-01")
    searches = [e for e in journal.pingpong(method="GET", path=SEARCH_BY_GROUP) if "sok=" in e["query"]]
    assert len(searches) == 1, "one search, no second attempt"


def test_a_misspelled_teacher_is_refused_with_a_suggestion(pingpong, no_backoff, short_patience):
    with pytest.raises(flows.TeacherNotFound, match="Menade du «Anna Lindqvist»") as refused:
        pingpong.find_groups(teacher="Anna Lindkvist")
    assert refused.value.suggestions == ["Anna Lindqvist"]


def test_an_unknown_teacher_gets_no_guess(pingpong, no_backoff, short_patience):
    with pytest.raises(flows.TeacherNotFound) as refused:
        pingpong.find_groups(teacher="Ingen Sådan Person")
    assert refused.value.suggestions == []
    assert "Menade du" not in str(refused.value)


def test_an_unknown_term_is_refused_listing_the_terms(pingpong, no_backoff, short_patience):
    with pytest.raises(flows.SearchRefused, match="Terminen «HT 2099» finns inte i listan"):
        pingpong.find_groups(group="", term="HT 2099")


def test_a_valid_search_still_finds_groups(pingpong, short_patience):
    assert pingpong.find_groups(group="SVESVE01", date_from="2026-01-01", date_to="2027-12-31")


# -- the grading view --------------------------------------------------------------------------------
SVE = "SVESVE01 HT26 Kista A"
GRN = "GRNMAT2 HT26 Kista A"  # Omar Haddad's group
NOT_YET = "MATMAT01a VT27 Kista A"  # its course ends 2027-01-22
GRADING_VIEW = "/betyg/grupp/*"


@pytest.fixture
def impatient(no_backoff):
    """``impatient(session_or_page)``: three seconds per step for a session of another user too."""

    def make(target):
        flows.set_timeout(getattr(target, "page", target), 3_000)
        return target

    return make


def test_a_group_not_yet_gradeable_is_refused_before_anything_is_clicked(pingpong, journal, no_backoff, short_patience):
    journal.clear()
    with pytest.raises(flows.GroupNotYetGradeable, match="från och med 2027-01-22"):
        pingpong.grade_group(NOT_YET, {"20000103-2382": "A"})
    assert not journal.pingpong(method="POST", path=GRADING_VIEW)


def test_betygen_sparades_inte_comes_with_ping_pongs_reasons(pingpong, journal, no_backoff, short_patience):
    journal.clear()
    with pytest.raises(flows.ValidationFailed, match="Bocka i minst en betygssättande lärare") as refused:
        pingpong.grade_group(SVE, {"19900602-2397": "A"}, teachers=[])
    assert str(refused.value).startswith("Betygen sparades inte.")
    assert len(journal.pingpong(method="POST", path=GRADING_VIEW)) == 1, "one Spara, no second attempt"


def test_a_stale_form_is_refused_at_the_first_spara(grade_admin_page, pingpong_as, impatient, short_patience):
    view = flows.open_group(grade_admin_page, SVE)
    state = view.state()
    impatient(pingpong_as("Anna Lindqvist")).grade_group(SVE, {"19910717-2380": "B"}, lock=False)
    view.set_grade(state.student("19900602-2397"), "A", lock=True)
    view.tick_teachers(["Anna Lindqvist"], state)
    with pytest.raises(flows.StaleForm, match="Någon annan har sparat betyg i gruppen"):
        view.save()


def test_the_catalogue_of_an_unfinished_group_is_refused(pingpong, no_backoff, short_patience, tmp_path):
    with pytest.raises(flows.CatalogueNotReady, match="först när alla betyg i gruppen är registrerade och låsta"):
        pingpong.download_catalogue(SVE, tmp_path)
    with pytest.raises(flows.CatalogueNotReady):
        pingpong.preview_catalogue(SVE)
    assert not list(tmp_path.iterdir())


def test_the_catalogue_preview_by_its_address_is_refused(grade_admin_page, no_backoff, short_patience):
    from betyg_harness.flows.pages.pingpong import CataloguePreviewPage

    hit = flows.find_groups(grade_admin_page, group=SVE)[0]
    with pytest.raises(flows.CatalogueNotReady, match="först när alla betyg"):
        CataloguePreviewPage(grade_admin_page).goto(f"{hit.href}/betygskatalog")


def test_open_group_on_an_unknown_group_id_is_not_found(pingpong, journal, no_backoff, short_patience):
    gone = flows.GroupHit(
        name=SVE, course="SVESVE01", course_end="2026-12-17", teachers="", status="", href="/betyg/grupp/finns-inte"
    )
    journal.clear()
    with pytest.raises(flows.GroupNotFound, match="Sidan eller posten finns inte") as refused:
        pingpong.group_state(gone)
    assert isinstance(refused.value, flows.BusinessError)
    assert len(journal.pingpong(method="GET", path="/betyg/grupp/finns-inte")) == 1, "opened once, no retry"


def test_a_group_whose_grading_teachers_were_removed_is_not_found(pingpong, ber, impatient, short_patience):
    hit = pingpong.find_groups(group=SVE)[0]
    impatient(ber).unlink_grading_teacher(SVE, "Anna Lindqvist")
    with pytest.raises(flows.GroupNotFound, match=SVE):
        pingpong.group_state(hit)


def test_a_teacher_opening_another_teachers_group_has_no_access(pingpong, pingpong_as, impatient, short_patience):
    hit = pingpong.find_groups(group=GRN)[0]
    anna = impatient(pingpong_as("Anna Lindqvist"))
    with pytest.raises(flows.NoAccess, match="Du har inte behörighet till den här betygsgruppen."):
        anna.group_state(hit)
    with pytest.raises(flows.NoAccess):
        anna.grade_group(hit, {"20000103-2382": "A"})


# -- BER -------------------------------------------------------------------------------------------
def test_an_unknown_group_in_undervisningsgrupper_is_not_found(ber, impatient):
    impatient(ber)
    with pytest.raises(flows.GroupNotFound, match="SVESVE01 HT26 Kista Q"):
        ber.link_grading_teacher("SVESVE01 HT26 Kista Q", "Anna Lindqvist")


def test_a_misspelled_teacher_in_bers_link_form_gets_a_suggestion(ber, impatient):
    impatient(ber)
    with pytest.raises(flows.TeacherNotFound, match="Menade du «Omar Haddad»") as refused:
        ber.link_grading_teacher(SVE, "Omar Hadad")
    assert refused.value.suggestions == ["Omar Haddad"]


def test_an_unknown_address_in_ber_is_not_found(ber_admin_page, impatient):
    impatient(ber_admin_page)
    with pytest.raises(flows.PageNotFound, match="Sidan eller posten finns inte") as refused:
        flows.student_grades(ber_admin_page, "/elever/999999")
    assert refused.value.status == 404
    with pytest.raises(flows.PageNotFound):
        flows.pages.ber.BerGroupPage(ber_admin_page).goto("/grupper/999999")


def test_a_student_not_in_the_group_is_refused(ber, impatient):
    impatient(ber)
    with pytest.raises(flows.BerError, match="19900602-2397 finns inte i gruppen «GRNMAT2 HT26 Kista A»"):
        ber.grades_of("199006022397", group=GRN)


def test_a_student_has_no_access_to_betyg(pingpong_as, impatient):
    asa = impatient(pingpong_as("Åsa Öberg"))
    with pytest.raises(flows.NoAccess, match="Du har inte behörighet till Betyg.") as refused:
        asa.find_groups(group="")
    assert refused.value.status == 403


def test_a_wrong_password_is_refused_at_once(page, mock_servers, scenario, no_backoff):
    flows.set_timeout(page, 3_000)
    session = flows.PingPong(page, mock_servers.pingpong.url, "betygsadmin", "fel-lösenord")
    with pytest.raises(flows.LoginFailed, match="Fel användarnamn eller lösenord."):
        session.login()


@pytest.mark.parametrize("written", ["svesve01 ht26 kista a", "SVESVE01  HT26 Kista A", "SVESVE01 HT26 Kista B"])
def test_a_group_name_written_another_way_gets_did_you_mean(pingpong, written, no_backoff, short_patience):
    with pytest.raises(flows.GroupNotFound, match="Menade du «SVESVE01 HT26 Kista A»") as refused:
        pingpong.grade_group(written, {"19900602-2397": "A"})
    assert refused.value.suggestions[0] == SVE


# -- what a new user met (the trial of issue 18) -----------------------------------------------------
@pytest.mark.parametrize("written", ["2026-13-01", "2026-02-30", "31/12/2026", "igår"])
def test_a_date_that_is_no_date_is_refused_not_dropped(pingpong, journal, written, no_backoff, short_patience):
    journal.clear()
    with pytest.raises(flows.SearchRefused, match=f"Fr.o.m.: «{written}» är inget datum"):
        pingpong.find_groups(group="", date_from=written)
    assert not [e for e in journal.pingpong(method="GET", path=SEARCH_BY_GROUP) if "sok=" in e["query"]]


def test_refusals_read_as_sentences(pingpong, pingpong_as, impatient):
    with pytest.raises(flows.GroupNotFound) as typo:
        pingpong.grade_group("svesve01 ht26  kista a", {"19900602-2397": "A"})
    assert "betygsgrupp. Menade du «SVESVE01 HT26 Kista A»?" in str(typo.value)
    with pytest.raises(flows.NoAccess) as student:
        impatient(pingpong_as("Åsa Öberg")).find_groups(group="")
    assert "visade «Betyg»: Du har inte behörighet till Betyg." in str(student.value)


def test_a_group_without_grading_teachers_names_the_cause_even_with_suggestions(pingpong, no_backoff, short_patience):
    with pytest.raises(flows.GroupNotFound, match="har den betygssättande lärare kopplade i BER"):
        pingpong.grade_group("HISHIS01a1 HT26 Kista A", {"19900602-2397": "A"})


@pytest.mark.parametrize("number", ["199006022398", "abc"])
def test_a_bad_personnummer_is_a_flow_error(pingpong, number, no_backoff, short_patience):
    with pytest.raises(flows.BadPersonnummer) as bad:
        pingpong.grade_group(SVE, {number: "A"})
    assert isinstance(bad.value, flows.BusinessError) and isinstance(bad.value, ValueError)


def test_a_dry_runs_screenshot_folder_may_be_a_string(pingpong, tmp_path):
    result = pingpong.grade_group(
        SVE, {"19900602-2397": "A"}, teachers=["Anna Lindqvist"], dry_run=True, screenshot_dir=str(tmp_path / "bilder")
    )
    assert result.screenshot is not None and result.screenshot.exists()

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

"""The page objects read Ping Pong's screens with one evaluation (``aria.read``); Playwright's own
ARIA snapshot (``aria.parse``) must give the same grading state, summary and search hits — on a
fresh view, with validation errors, after locking, and on the search results."""

from __future__ import annotations

from betyg_harness.flows import aria, grade_group, login
from betyg_harness.flows.pages.pingpong import BetygSearchByGroupPage, GradingPage, SearchResults, SummaryPage

SVE = "SVESVE01 HT26 Kista A"


def both(page):
    return aria.read(page), aria.parse(page.locator("body").aria_snapshot())


def test_one_evaluation_reads_what_the_aria_snapshot_shows(page, scenario, pingpong_server):
    login(page, base_url=pingpong_server.url)
    results = BetygSearchByGroupPage(page, pingpong_server.url).goto().search("")
    ours, playwrights = both(page)
    hits = SearchResults.hits_from(ours)
    assert hits and hits == SearchResults.hits_from(playwrights)
    assert hits == results.hits()

    view = results.open(SVE)
    ours, playwrights = both(page)
    fresh = GradingPage.state_from(ours)
    assert fresh == GradingPage.state_from(playwrights)
    assert fresh.students and fresh.teachers == ["Anna Lindqvist"] and not fresh.catalogue_ready

    # A lock box without its grade: Ping Pong refuses the first Spara with a message at the field.
    first = fresh.students[0]
    page.get_by_role("checkbox", name=f"Lås betyg för {first.name}", exact=True).check()
    page.get_by_role("checkbox", name="Anna Lindqvist", exact=True).check()
    page.get_by_role("button", name="Spara", exact=True).click()
    page.get_by_role("alert").wait_for()
    ours, playwrights = both(page)
    refused = GradingPage.state_from(ours)
    assert refused == GradingPage.state_from(playwrights) and refused.alerts
    invalid = [n.attrs.get("description") for n in ours.walk() if n.attrs.get("invalid")]
    assert invalid and all(invalid), "the message next to the field at fault is read too"

    result = grade_group(page, view, {s.personnummer: s.steps[0] for s in fresh.students}, teachers=["Anna Lindqvist"])
    assert result.summary.rows
    ours, playwrights = both(page)
    locked = GradingPage.state_from(ours)
    assert locked == GradingPage.state_from(playwrights) == result.state
    assert all(s.locked and s.locked_text for s in locked.students) and locked.catalogue_ready
    assert locked.status_text == "Betygen är sparade och låsta."


def test_the_summary_reads_the_same_both_ways(page, scenario, pingpong_server):
    login(page, base_url=pingpong_server.url)
    result = grade_group(
        page,
        SVE,
        {"19900602-2397": "A", "19910717-2380": "B"},
        teachers=["Anna Lindqvist"],
        dry_run=True,
        base_url=pingpong_server.url,
    )
    ours, playwrights = both(page)
    assert SummaryPage.summary_from(ours) == SummaryPage.summary_from(playwrights) == result.summary
    assert result.summary.teachers == ["Anna Lindqvist"] and result.summary.counts["A"] == "1"

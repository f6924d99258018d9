"""BER → Ping Pong over real HTTP: full and incremental sync, paging, group refresh, BER down."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from betyg_harness.contracts import validate_ss12000_response
from betyg_harness.mock_pingpong import create_app
from tests.api.pingpong_support import RESOURCES, frozen_default, gid, text_of
from tests.support.pingpong_forms import PingPongForms


def names(browser, query="") -> list[str]:
    section = browser.get(f"/betyg/sok-grupp?sok=1&q={query}").get_data(as_text=True).split("Sökresultat", 1)[-1]
    return sorted(re.findall(r'<a href="/betyg/grupp/[^"]+">([^<]+)</a>', section))


def advance(app, minutes: int):
    return app.extensions["mock_kit"].scheduler.advance(timedelta(minutes=minutes))


def test_the_ber_served_speaks_ss12000(ber):
    """The BER these tests sync from answers in the shape of the official OpenAPI file, page by page."""
    import requests

    headers = {"Authorization": f"Bearer {ber.token}"}
    for resource in RESOURCES:
        body = requests.get(f"{ber.url}/ss12000/v2.1/{resource}", headers=headers, timeout=5).json()
        validate_ss12000_response(f"/ss12000/v2.1/{resource}", 200, body)  # raises on any deviation
        assert body["data"], f"{resource}: BER serves nothing"


def test_full_sync_follows_page_tokens(fresh, ber):
    listed = [(path, args) for path, args in ber.calls if path.endswith("/persons")]
    assert len(listed) > 1  # 16 persons, pages of 4
    assert all(set(args) == {"pageToken"} for _, args in listed[1:])  # filters only on page one
    assert "meta.modified.after" not in listed[0][1]  # a load starts with a full sync


def test_incremental_sync_runs_on_the_mock_clock(admin, ber):
    assert "HISHIS01a1 HT26 Kista A" not in names(admin)
    ber.set_grader("hishis01a1-ht26-utan", "karin.ostberg", True, at="2026-12-18T08:01:00+01:00")
    advance(admin.app, 4)
    assert "HISHIS01a1 HT26 Kista A" not in names(admin)  # not synced yet
    ber.forget_calls()
    ran = advance(admin.app, 1)
    assert [r["job"] for r in ran] == ["ber_sync"]
    lists = [(path, args) for path, args in ber.calls if path.rsplit("/", 1)[-1] in RESOURCES]
    assert lists and all(args.get("meta.modified.after") for path, args in lists if "pageToken" not in args)
    assert [args.get("after") for path, args in ber.calls if path.endswith("/deletedEntities")] == [
        "2026-12-01T07:59:59+01:00"
    ]  # removals too: since the watermark
    assert "HISHIS01a1 HT26 Kista A" in names(admin)


def test_unlinking_the_last_grader_hides_the_group(admin, ber):
    ber.set_grader("svesve01-ht26-a", "anna.lindqvist", False, at="2026-12-18T08:02:00+01:00")
    advance(admin.app, 5)
    assert "SVESVE01 HT26 Kista A" not in names(admin)


def test_opening_a_group_refreshes_its_roster_and_teachers(admin, ber):
    ber.end_membership("svesve01-ht26-a", "s04", "2026-12-01", at="2026-12-18T08:03:00+01:00")
    ber.set_grader("svesve01-ht26-a", "karin.ostberg", True, at="2026-12-18T08:03:00+01:00")
    ber.forget_calls()
    html = admin.open_group("svesve01-ht26-a").get_data(as_text=True)
    assert f"/ss12000/v2.1/groups/{gid('svesve01-ht26-a')}" in ber.paths()
    assert "Betyg för Nguyễn Thị Lan" not in html  # Avbrott before course end: not admitted
    assert "Karin Östberg" in html  # a newly linked grading teacher can be ticked


def test_interval_zero_reads_ber_on_every_search(ber):
    application = create_app(
        {"BER_URL": ber.url, "SCENARIO": frozen_default(), "SCHEDULER": False, "SYNC_INTERVAL_MINUTES": 0}
    )
    browser = PingPongForms(application)
    browser.sign_in("betygsadmin")
    ber.rename_group("grnmat2-ht26-a", "GRNMAT2 HT26 Kista Omdöpt", at="2026-12-18T08:05:00+01:00")
    assert "GRNMAT2 HT26 Kista Omdöpt" in names(browser)
    assert application.extensions["mock_kit"].scheduler.jobs == []


def test_ber_unreachable_keeps_working_on_the_copy(admin, ber):
    ber.failing = True
    advance(admin.app, 12)
    page = admin.get("/betyg/sok-grupp?sok=1&q=kista")
    text = text_of(page)
    assert "BER kunde inte nås. Uppgifterna är från 2026-12-18 08:00 (12 minuter gamla)" in text
    assert "SVESVE01 HT26 Kista A" in text  # the copy still answers
    view = admin.open_group("svesve01-ht26-a")
    assert view.status_code == 200 and "BER kunde inte nås" in text_of(view)
    saved = admin.save_by_key("svesve01-ht26-a", {"s01": "B"}, locks=["s01"], teachers=["anna.lindqvist"])
    assert saved.status_code == 302  # grading goes on; nothing lost
    ber.failing = False
    advance(admin.app, 5)
    page = admin.get("/betyg/sok-grupp?sok=1&q=kista")
    assert "BER kunde inte nås" not in text_of(page)
    assert "Låst 2026-12-18 av Maria Betygsadministratör" in text_of(admin.open_group("svesve01-ht26-a"))


def test_ber_down_at_load_then_back(fresh, ber):
    # ``fresh`` first: the module's BER back at the scenario's start, whatever ran before.
    ber.failing = True
    try:
        application = create_app({"BER_URL": ber.url, "SCENARIO": frozen_default(), "SCHEDULER": False})
        browser = PingPongForms(application)
        browser.sign_in("betygsadmin")
        first = browser.get("/betyg/sok-grupp?sok=1")
        assert "BER kunde inte nås. Det finns ännu ingen kopia av BER:s uppgifter." in text_of(first)
    finally:
        ber.failing = False
    assert "SVESVE01 HT26 Kista A" in names(browser)  # the pending full sync runs on the next search


def test_restart_on_the_same_database_keeps_grades_and_catches_up(tmp_path, ber):
    ber.reset()
    database = str(tmp_path / "pingpong.sqlite3")
    config = {"BER_URL": ber.url, "SCENARIO": frozen_default(), "SCHEDULER": False, "DATABASE": database}
    first = create_app(config)
    browser = PingPongForms(first)
    browser.sign_in("betygsadmin")
    browser.save_by_key("svesve01-ht26-a", {"s01": "A"}, locks=["s01"], teachers=["anna.lindqvist"])
    first.extensions["mock_kit"].db.dispose()
    ber.rename_group("grnmat2-ht26-a", "GRNMAT2 efter omstart", at="2026-12-18T09:00:00+01:00")
    ber.forget_calls()
    second = create_app(config)
    assert any(args.get("meta.modified.after") for _, args in ber.calls)  # incremental at start
    again = PingPongForms(second)
    again.sign_in("betygsadmin")
    assert "Låst 2026-12-18 av Maria Betygsadministratör" in text_of(again.open_group("svesve01-ht26-a"))
    assert "GRNMAT2 efter omstart" in names(again)


@pytest.mark.parametrize("token", ["fel-token"])
def test_wrong_ber_token_counts_as_unreachable(ber, token):
    application = create_app(
        {"BER_URL": ber.url, "BER_API_TOKEN": token, "SCENARIO": frozen_default(), "SCHEDULER": False}
    )
    assert application.extensions["pingpong_syncer"].state()["pending_full"] is True
    assert "401" in application.extensions["pingpong_syncer"].state()["error"]


def test_a_sync_failing_midway_changes_nothing(admin, ber):
    ber.rename_group("grnmat2-ht26-a", "GRNMAT2 halvvägs", at="2026-12-18T08:04:00+01:00")
    ber.set_grader("hishis01a1-ht26-utan", "karin.ostberg", True, at="2026-12-18T08:04:00+01:00")
    ber.fail_on = {"activities"}  # groups arrive, then BER fails
    advance(admin.app, 5)
    assert "GRNMAT2 halvvägs" not in names(admin)  # the whole sync was rolled back
    assert "BER kunde inte nås" in text_of(admin.last)
    ber.fail_on = set()
    advance(admin.app, 5)
    assert {"GRNMAT2 halvvägs", "HISHIS01a1 HT26 Kista A"} <= set(names(admin))

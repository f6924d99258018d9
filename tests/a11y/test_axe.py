"""axe-core (axe-playwright-python) over every screen of both mocks, in each state a user meets it:
no critical or serious violation of WCAG 2.1 A/AA or of axe's best practices."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from betyg_harness.flows import ber_login, login
from betyg_harness.scenario import stable_id

SVE, MAT = stable_id("group", "svesve01-ht26-a"), stable_id("group", "matmat01a-vt27-a")
S01 = stable_id("person", "s01")
AXE = Axe()
FAILING_IMPACTS = ("critical", "serious")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
REPORTS = Path("artifacts") / "axe"  # every screen's findings, all impacts, for the record


def violations(page: Page) -> list[dict]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return results.response["violations"]


def assert_accessible(page: Page, screen: str) -> None:
    found = violations(page)
    REPORTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "screen": screen,
        "url": page.url,
        "impacts": dict(Counter(v["impact"] for v in found for _ in v["nodes"])),
        "violations": [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
            for v in found
        ],
    }
    (REPORTS / f"{screen}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    bad = [v for v in found if v["impact"] in FAILING_IMPACTS]
    assert not bad, f"{screen}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in bad
    )


def _grading_form_submit(page: Page) -> None:
    page.get_by_role("button", name="Spara", exact=True).click()


# -- Ping Pong ---------------------------------------------------------------------------------------
def pp_login(page: Page, server):
    page.goto(f"{server.url}/login")


def pp_login_error(page: Page, server):
    page.goto(f"{server.url}/login")
    page.get_by_label("Användarnamn").fill("betygsadmin")
    page.get_by_label("Lösenord").fill("fel")
    page.get_by_role("button", name="Logga in").click()


def _admin(page: Page, server, path: str):
    login(page, base_url=server.url)
    page.goto(f"{server.url}{path}")


def pp_home(page, server):
    _admin(page, server, "/")


def pp_home_menu_open(page, server):
    _admin(page, server, "/")
    page.get_by_role("navigation", name="Huvudmeny").get_by_text("Verktyg", exact=True).click()


def pp_betyg(page, server):
    _admin(page, server, "/betyg")


def pp_search_group_empty(page, server):
    _admin(page, server, "/betyg/sok-grupp")


def pp_search_group_results(page, server):
    _admin(page, server, "/betyg/sok-grupp?q=&sok=1")


def pp_search_group_error(page, server):
    _admin(page, server, "/betyg/sok-grupp?sok=1&from=2026-02-30&tom=2026-01-01")


def pp_search_group_none(page, server):
    _admin(page, server, "/betyg/sok-grupp?q=finns-inte&sok=1")


def pp_search_teacher_results(page, server):
    _admin(page, server, f"/betyg/sok-larare?sok=1&larare={stable_id('person', 'anna.lindqvist')}")


def pp_grading(page, server):
    _admin(page, server, f"/betyg/grupp/{SVE}")


def pp_grading_read_only(page, server):
    _admin(page, server, f"/betyg/grupp/{MAT}")


def pp_grading_errors(page, server):
    _admin(page, server, f"/betyg/grupp/{SVE}")
    page.get_by_role("checkbox", name=re.compile("^Lås betyg för")).first.check()
    _grading_form_submit(page)


def pp_summary(page, server):
    _admin(page, server, f"/betyg/grupp/{SVE}")
    for row in page.get_by_role("radiogroup").all():
        row.get_by_role("radio", name="C", exact=True).check()
    for box in page.get_by_role("checkbox", name=re.compile("^Lås betyg för")).all():
        box.check()
    page.get_by_role("checkbox", name="Anna Lindqvist").check()
    _grading_form_submit(page)


def pp_saved(page, server):
    pp_summary(page, server)
    page.get_by_role("button", name="Spara", exact=True).click()
    page.get_by_role("status").filter(has_text="sparade").wait_for()


def pp_catalogue_preview(page, server):
    pp_saved(page, server)
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_role("heading", name="Betygskatalog").first.wait_for()


def pp_not_found(page, server):
    _admin(page, server, "/betyg/grupp/finns-inte")


def pp_no_access(page, server):
    login(page, "elev.asa", "elev.asa", base_url=server.url)
    page.goto(f"{server.url}/betyg")


# -- BER -------------------------------------------------------------------------------------------------
def ber_login_page(page, server):
    page.goto(f"{server.url}/login")


def _ber(page, server, path: str):
    ber_login(page, base_url=server.url)
    page.goto(f"{server.url}{path}")


def ber_groups(page, server):
    _ber(page, server, "/grupper?name=&submit=S%C3%B6k")


def ber_groups_error(page, server):
    _ber(page, server, "/grupper?date_from=2026-02-30&submit=S%C3%B6k")


def ber_group(page, server):
    _ber(page, server, f"/grupper/{SVE}")


def ber_student(page, server):
    _ber(page, server, f"/elever/{S01}")


def ber_imports(page, server):
    _ber(page, server, "/betygsimport")


def ber_not_found(page, server):
    _ber(page, server, "/grupper/finns-inte")


PINGPONG = [
    pp_login,
    pp_login_error,
    pp_home,
    pp_home_menu_open,
    pp_betyg,
    pp_search_group_empty,
    pp_search_group_results,
    pp_search_group_error,
    pp_search_group_none,
    pp_search_teacher_results,
    pp_grading,
    pp_grading_read_only,
    pp_grading_errors,
    pp_summary,
    pp_saved,
    pp_catalogue_preview,
    pp_not_found,
    pp_no_access,
]
BER = [ber_login_page, ber_groups, ber_groups_error, ber_group, ber_student, ber_imports, ber_not_found]


@pytest.mark.parametrize("screen", PINGPONG, ids=lambda f: f.__name__)
def test_ping_pong_screen_has_no_serious_violation(page, scenario, pingpong_server, screen):
    screen(page, pingpong_server)
    assert_accessible(page, screen.__name__)


@pytest.mark.parametrize("screen", BER, ids=lambda f: f.__name__)
def test_ber_screen_has_no_serious_violation(browser, scenario, ber_server, screen):
    context = browser.new_context()
    page = context.new_page()
    try:
        screen(page, ber_server)
        assert_accessible(page, screen.__name__)
    finally:
        context.close()


def test_the_checker_finds_a_serious_violation(page):
    """The same check on a page with a known fault (an unlabelled field, text too pale) fails."""
    page.set_content(
        '<html lang="sv"><title>x</title><main><h1>x</h1><input type="text">'
        '<p style="color:#bbb;background:#fff">blek text</p></main></html>'
    )
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, "known-fault-sample")

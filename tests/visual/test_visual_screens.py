"""The main screens of both mocks against their golden images: a fixed viewport and scale, the
pages' own DejaVu Sans (served by the mocks, never the machine's fonts), sv-SE, and the mock
clock frozen at the scenario's start — so a golden image made here matches on CI.

After an intended change to a screen: ``make golden`` (``pytest --update-golden -k visual``), look at
the new images, commit them.
"""

from __future__ import annotations

import os
import shutil
import pytest
import requests

from betyg_harness import flows, visual
from betyg_harness.flows.browser import find_browser, launch_args
from betyg_harness.mock_kit import webfonts
from betyg_harness.flows.pages.ber import BerGroupPage, BerStudentPage
from betyg_harness.flows.pages.pingpong import BetygPage, GradingPage, LoginPage
from tests.support.clock import START
from tests.support.pingpong_forms import PingPongForms

SVE = "SVESVE01 HT26 Kista A"


@pytest.fixture
def frozen(scenario, mock_clock):
    mock_clock.set(START)
    mock_clock.freeze()
    return mock_clock


@pytest.fixture
def pp(visual_page, frozen, mock_servers):
    flows.login(visual_page, base_url=mock_servers.pingpong.url)
    return visual_page


def test_login_screen(visual_page, frozen, mock_servers, assert_matches_golden):
    LoginPage(visual_page, mock_servers.pingpong.url).goto()
    assert_matches_golden(visual_page, "screen-pingpong-login")


def test_betyg_and_search_screens(pp, assert_matches_golden):
    BetygPage(pp).goto()
    assert_matches_golden(pp, "screen-pingpong-betyg")
    flows.find_groups(pp, group="")
    assert_matches_golden(pp, "screen-pingpong-sok-grupp")


def test_grading_view_and_summary(pp, assert_matches_golden):
    flows.open_group(pp, SVE)
    assert_matches_golden(pp, "screen-pingpong-grading")
    flows.grade_group(pp, SVE, {"19900602-2397": "A", "19910717-2380": "B"}, teachers=["Anna Lindqvist"], dry_run=True)
    assert_matches_golden(pp, "screen-pingpong-summary")


def test_locked_grading_view_and_catalogue_preview(pp, mock_servers, assert_matches_golden):
    other = PingPongForms(mock_servers.pingpong.url).login()
    group_id = other.group_id(SVE)
    form = other.open(group_id)
    grades = dict(zip(form.students, "ABC-"))
    assert (
        other.confirm(group_id, other.first_save(form, grades, lock=True, teachers=list(form.teachers))).status_code
        == 302
    )
    view = GradingPage(pp, name=SVE, group_id=group_id).goto()
    assert_matches_golden(pp, "screen-pingpong-grading-locked")
    view.preview_catalogue()
    assert_matches_golden(pp, "screen-pingpong-preview")


def test_ber_group_and_student_screens(browser, frozen, mock_servers, assert_matches_golden):
    from betyg_harness.visual import CONTEXT_ARGS

    context = browser.new_context(base_url=mock_servers.ber.url, **CONTEXT_ARGS)
    page = context.new_page()
    try:
        flows.ber_login(page, base_url=mock_servers.ber.url)
        group: BerGroupPage = flows.ber.open_ber_group(page, SVE)
        assert_matches_golden(page, "screen-ber-group")
        student = group.students()[0]
        BerStudentPage(page, path=student["url"], name=student["Namn"]).goto()
        assert_matches_golden(page, "screen-ber-student")
    finally:
        context.close()


@pytest.mark.skipif(bool(os.environ.get("PW_CONNECT_URL")), reason="a remote browser's fonts are not ours to set")
def test_the_screens_use_the_served_fonts_not_the_machines(playwright, visual_page, scenario, mock_servers, tmp_path):
    """A Chromium whose only system font is DejaVu Sans Bold draws the login screen exactly as the
    usual one does — the text comes from the @font-face the mocks serve — while the same screen
    with those font requests refused does not."""
    store = visual.GoldenStore(tmp_path / "golden", tmp_path / "evidence", update=True)
    LoginPage(visual_page, mock_servers.pingpong.url).goto()
    store.check("login", visual.screenshot(visual_page))
    store.update = False
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copy(webfonts.font_dir() / "DejaVuSans-Bold.ttf", fonts)
    config = tmp_path / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>{fonts}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    browser = playwright.chromium.launch(
        **launch_args(find_browser()), env={**os.environ, "FONTCONFIG_FILE": str(config)}
    )
    try:
        served = browser.new_context(**visual.CONTEXT_ARGS).new_page()
        LoginPage(served, mock_servers.pingpong.url).goto()
        store.check("login", visual.screenshot(served))
        used = served.evaluate("() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert {family.strip('"') for family in used} == {"DejaVu Sans"}
        refused = browser.new_context(**visual.CONTEXT_ARGS).new_page()
        refused.route("**/static/fonts/*", lambda route: route.abort())
        LoginPage(refused, mock_servers.pingpong.url).goto()
        with pytest.raises(visual.VisualMismatch):
            store.check("login", visual.screenshot(refused))
    finally:
        browser.close()


def test_both_mocks_serve_the_one_copy_of_the_font(mock_servers):
    for server in mock_servers:
        for name in webfonts.FONT_FILES:
            answer = requests.get(f"{server.url}{webfonts.URL_PREFIX}/{name}", timeout=10)
            assert answer.status_code == 200 and answer.headers["Content-Type"] == "font/ttf"
            assert answer.content == (webfonts.font_dir() / name).read_bytes()
        assert requests.get(f"{server.url}{webfonts.URL_PREFIX}/LICENSE.txt", timeout=10).status_code == 404

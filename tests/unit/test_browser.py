"""``flows.browser``: the browser is found the Playwright way first, on every platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from betyg_harness.flows import browser
from betyg_harness.flows.browser import (
    BrowserNotFound,
    find_browser,
    playwright_browsers_root,
    playwright_chromium_installed,
)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("PW_CONNECT_URL", "CHROMIUM_BIN", "PLAYWRIGHT_BROWSERS_PATH", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize(
    "platform, env, expected",
    [
        ("linux", {}, "home/.cache/ms-playwright"),
        ("linux", {"XDG_CACHE_HOME": "{tmp}/xdg"}, "xdg/ms-playwright"),
        ("darwin", {}, "home/Library/Caches/ms-playwright"),
        ("win32", {"LOCALAPPDATA": "{tmp}/AppData/Local"}, "AppData/Local/ms-playwright"),
        ("win32", {}, "home/AppData/Local/ms-playwright"),
        ("darwin", {"PLAYWRIGHT_BROWSERS_PATH": "{tmp}/browsers"}, "browsers"),
    ],
)
def test_playwrights_own_folder_on_each_platform(clean_env, monkeypatch, platform, env, expected):
    monkeypatch.setattr(browser.sys, "platform", platform)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=clean_env))
    assert playwright_browsers_root() == clean_env / expected


def _install(root: Path, kind: str) -> None:
    (root / f"{kind}-1200" / "chrome-linux").mkdir(parents=True)


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_playwrights_own_chromium_comes_before_the_machines(clean_env, monkeypatch, platform):
    monkeypatch.setattr(browser.sys, "platform", platform)
    monkeypatch.setenv("XDG_CACHE_HOME", str(clean_env / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(clean_env / "local"))
    _install(playwright_browsers_root(), "chromium")
    choice = find_browser()
    assert choice.executable_path is None and choice.source == "Playwrights egen nedladdning"


def test_the_headless_shell_alone_serves_headless_runs_only(clean_env, monkeypatch):
    monkeypatch.setattr(browser.sys, "platform", "linux")
    _install(playwright_browsers_root(), "chromium_headless_shell")
    assert playwright_chromium_installed(headless=True)
    assert not playwright_chromium_installed(headless=False)


class _Chromium:
    def __init__(self, path):
        self.executable_path = str(path)


class _Playwright:
    def __init__(self, path):
        self.chromium = _Chromium(path)


def test_a_running_playwright_is_asked_first(clean_env, monkeypatch):
    monkeypatch.setattr(browser.sys, "platform", "linux")
    own = clean_env / "somewhere" / "chrome"
    own.parent.mkdir()
    own.write_text("")
    assert playwright_chromium_installed(_Playwright(own))
    assert not playwright_chromium_installed(_Playwright(clean_env / "missing"))
    assert find_browser(playwright=_Playwright(own)).executable_path is None


def test_no_browser_names_the_three_ways(clean_env, monkeypatch):
    monkeypatch.setattr(browser.sys, "platform", "darwin")
    monkeypatch.setattr(browser, "DEBIAN_HEADLESS_SHELL", clean_env / "none")
    monkeypatch.setattr(browser, "DEBIAN_CHROMIUM", clean_env / "none")
    with pytest.raises(BrowserNotFound) as missing:
        find_browser()
    for way in (
        "playwright install chromium",
        "apt-get install chromium-headless-shell",
        "CHROMIUM_BIN",
        "PW_CONNECT_URL",
    ):
        assert way in str(missing.value)

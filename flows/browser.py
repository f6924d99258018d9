"""Finding and starting a browser: a remote one over ``connect``, or a local Chromium.

Order: ``PW_CONNECT_URL`` (a Playwright browser server: ``browser_type.connect``), then a local
binary — ``CHROMIUM_BIN``, Playwright's own Chromium when installed (asked of Playwright itself,
else looked for where ``playwright install`` puts it on this platform: ``PLAYWRIGHT_BROWSERS_PATH``,
``%LOCALAPPDATA%``, ``~/Library/Caches``, ``XDG_CACHE_HOME``), then Debian's
``chromium-headless-shell`` (fast, headless only) or ``chromium`` (needed for headed runs).
``/usr/bin/chromium`` is a wrapper script that adds flags of its own, so it is never used.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

DEBIAN_HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")

NO_BROWSER_MESSAGE = (
    "Ingen Chromium hittades. Tre sätt: `python -m playwright install chromium` (Playwrights egen, "
    "alla plattformar); på Debian/Ubuntu som root `apt-get install chromium-headless-shell` (huvudlöst) "
    "eller `apt-get install chromium` (med fönster), eller CHROMIUM_BIN satt till en Chromium-binär; "
    "eller PW_CONNECT_URL till en Playwright-webbläsarserver."
)


NO_HEADED_BROWSER_MESSAGE = (
    "Ingen Chromium med fönster hittades (det som finns här är bara huvudlös). Ett fönster kräver "
    "Playwrights egen Chromium (`python -m playwright install chromium`) eller på Debian/Ubuntu som root "
    "`apt-get install chromium`, eller CHROMIUM_BIN satt till en sådan; och en skärm att visa det på."
)


class BrowserNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class BrowserChoice:
    """Where the browser comes from: ``connect_url`` for a remote one, else ``executable_path``
    (None means Playwright's own download)."""

    connect_url: str | None = None
    executable_path: str | None = None
    source: str = ""


def playwright_browsers_root() -> Path:
    """Where ``playwright install`` puts browsers here, by Playwright's own rule."""
    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if env == "0":  # "inside the package"
        import playwright

        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ms-playwright"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"


def playwright_chromium_installed(playwright=None, *, headless: bool = True) -> bool:
    """Playwright's own Chromium is installed: asked of a running Playwright (its
    ``chromium.executable_path`` exists), else looked for under :func:`playwright_browsers_root`
    (headless runs also take Playwright's ``chromium_headless_shell``)."""
    if playwright is not None:
        try:
            if Path(playwright.chromium.executable_path).exists():
                return True
        except Exception:  # a Playwright that cannot say: look where it installs
            pass
    root = playwright_browsers_root()
    kinds = ("chromium-", "chromium_headless_shell-") if headless else ("chromium-",)
    return root.is_dir() and any(d.name.startswith(kinds) and any(d.iterdir()) for d in root.iterdir() if d.is_dir())


def find_browser(*, headless: bool = True, playwright=None) -> BrowserChoice:
    """Where the browser comes from (the order in the module's docstring); ``playwright``: a started
    ``sync_playwright()`` to ask where its own Chromium is. BrowserNotFound says the three ways."""
    connect_url = os.environ.get("PW_CONNECT_URL")
    if connect_url:
        return BrowserChoice(connect_url=connect_url, source="PW_CONNECT_URL")
    env_bin = os.environ.get("CHROMIUM_BIN")
    if env_bin:
        if not Path(env_bin).exists() and not shutil.which(env_bin):
            raise BrowserNotFound(f"CHROMIUM_BIN pekar på {env_bin}, som inte finns.")
        return BrowserChoice(executable_path=env_bin, source="CHROMIUM_BIN")
    if playwright_chromium_installed(playwright, headless=headless):
        return BrowserChoice(executable_path=None, source="Playwrights egen nedladdning")
    candidates = [DEBIAN_HEADLESS_SHELL, DEBIAN_CHROMIUM] if headless else [DEBIAN_CHROMIUM]
    for candidate in candidates:
        if candidate.exists():
            return BrowserChoice(executable_path=str(candidate), source=f"Debian {candidate.name}")
    if not headless and (DEBIAN_HEADLESS_SHELL.exists() or playwright_chromium_installed(playwright, headless=True)):
        raise BrowserNotFound(NO_HEADED_BROWSER_MESSAGE)
    raise BrowserNotFound(NO_BROWSER_MESSAGE)


def launch_args(choice: BrowserChoice, *, headless: bool = True, **extra) -> dict:
    """Keyword arguments for ``browser_type.launch`` (pytest-playwright's ``browser_type_launch_args``)."""
    args = {"headless": headless, **extra}
    if choice.executable_path:
        args["executable_path"] = choice.executable_path
    return args


def open_browser(playwright, *, headless: bool = True, **extra):
    """A connected or launched Chromium from a started ``sync_playwright()``."""
    choice = find_browser(headless=headless, playwright=playwright)
    if choice.connect_url:
        return playwright.chromium.connect(choice.connect_url)
    return playwright.chromium.launch(**launch_args(choice, headless=headless, **extra))

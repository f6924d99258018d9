"""Finding and starting a browser: a remote one over ``connect``, or a local Chromium.

Order: ``PW_CONNECT_URL`` (a Playwright browser server: ``browser_type.connect``), then a local
binary — ``CHROMIUM_BIN``, Playwright's own download if present, Debian's
``chromium-headless-shell`` (fast, headless only) or ``chromium`` (needed for headed runs).
``/usr/bin/chromium`` is a wrapper script that adds flags of its own, so it is never used.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

DEBIAN_HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")

NO_BROWSER_MESSAGE = (
    "Ingen Chromium hittades. Installera Debians paket: "
    "`apt-get install chromium-headless-shell` (huvudlöst) eller `apt-get install chromium` (med fönster), "
    "sätt CHROMIUM_BIN till en Chromium-binär, eller PW_CONNECT_URL till en Playwright-webbläsarserver."
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


def _playwright_download_present() -> bool:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return root.is_dir() and any(root.glob("chromium*/*"))


def find_browser(*, headless: bool = True) -> BrowserChoice:
    connect_url = os.environ.get("PW_CONNECT_URL")
    if connect_url:
        return BrowserChoice(connect_url=connect_url, source="PW_CONNECT_URL")
    env_bin = os.environ.get("CHROMIUM_BIN")
    if env_bin:
        if not Path(env_bin).exists() and not shutil.which(env_bin):
            raise BrowserNotFound(f"CHROMIUM_BIN pekar på {env_bin}, som inte finns.")
        return BrowserChoice(executable_path=env_bin, source="CHROMIUM_BIN")
    if _playwright_download_present():
        return BrowserChoice(executable_path=None, source="Playwrights egen nedladdning")
    candidates = [DEBIAN_HEADLESS_SHELL, DEBIAN_CHROMIUM] if headless else [DEBIAN_CHROMIUM]
    for candidate in candidates:
        if candidate.exists():
            return BrowserChoice(executable_path=str(candidate), source=f"Debian {candidate.name}")
    raise BrowserNotFound(NO_BROWSER_MESSAGE)


def launch_args(choice: BrowserChoice, *, headless: bool = True, **extra) -> dict:
    """Keyword arguments for ``browser_type.launch`` (pytest-playwright's ``browser_type_launch_args``)."""
    args = {"headless": headless, **extra}
    if choice.executable_path:
        args["executable_path"] = choice.executable_path
    return args


def open_browser(playwright, *, headless: bool = True, **extra):
    """A connected or launched Chromium from a started ``sync_playwright()``."""
    choice = find_browser(headless=headless)
    if choice.connect_url:
        return playwright.chromium.connect(choice.connect_url)
    return playwright.chromium.launch(**launch_args(choice, headless=headless, **extra))

"""A person's login, saved for the robot: ``betygsrobot login --save-state FILE``.

Ping Pong behind a real single sign-on asks for a second factor that no robot can give. So a
person logs in once in a browser window, and the robot reuses that session from the file
(Playwright's own storage state: cookies and local storage) with ``grade --storage-state FILE``.
The file opens Ping Pong as that person until the session ends: it is written readable by its
owner only, and should be treated as a password.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from betyg_harness.flows.browser import open_browser
from betyg_harness.flows.errors import BusinessError, SessionLost
from betyg_harness.flows.pages.pingpong import BetygSearchByGroupPage, LoginPage
from betyg_harness.text import os_error_sv


class SavedLoginProblem(BusinessError):
    """A saved login that cannot be used or made: said in Swedish, before anything is opened."""


def check_saved_login_file(path: Path) -> None:
    """The file is Playwright's storage state (JSON with ``cookies`` and ``origins``), or
    SavedLoginProblem says what it is instead."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SavedLoginProblem(
            f"Filen {path} finns inte. Spara en inloggning först: betygsrobot login --save-state {path}"
        ) from None
    except OSError as exc:
        raise SavedLoginProblem(f"{path} kan inte läsas: {os_error_sv(exc)}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (rad {exc.lineno}, kolumn {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise SavedLoginProblem(
            f"{path} är ingen sparad inloggning: Playwrights storage state är JSON, och "
            f"filen kan inte läsas som JSON{where}. Spara den med betygsrobot login "
            "--save-state."
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("cookies"), list):
        raise SavedLoginProblem(
            f"{path} är ingen sparad inloggning: Playwrights storage state har en lista "
            "«cookies». Spara den med betygsrobot login --save-state."
        )


def save_login(
    path: Path,
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    headless: bool = False,
    wait_seconds: float = 300,
) -> Path:
    """Open Ping Pong's login in a browser window and wait (``wait_seconds``) until the person has
    logged in — and passed any second factor — and Ping Pong's "Sök grupp" opens; then save the
    session to ``path`` (mode 0600). With ``username`` and ``password`` the form is filled in for
    them (a second factor is still theirs to give)."""
    with sync_playwright() as p:
        browser = open_browser(p, headless=headless, handle_sigint=False, handle_sigterm=False)
        try:
            context = browser.new_context(base_url=url, locale="sv-SE", timezone_id="Europe/Stockholm")
            page = context.new_page()
            search = BetygSearchByGroupPage(page, "", timeout=wait_seconds * 1000)
            page.goto(search.url(), wait_until="domcontentloaded")
            if username and password and "/login" in page.url:
                LoginPage(page, "").login(username, password)
            try:
                # Wherever the sign-on leads, it ends back in Ping Pong, no longer on its login page.
                page.wait_for_url(
                    lambda u: u.startswith(url.rstrip("/")) and "/login" not in u, timeout=wait_seconds * 1000
                )
                search.goto()
            except (PlaywrightTimeout, SessionLost):
                raise SavedLoginProblem(
                    f"Ingen inloggning i Ping Pong inom {wait_seconds:.0f} s: inget sparades."
                ) from None
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created private, before any secret is in it.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            path.chmod(0o600)
            context.storage_state(path=str(path))
            return path
        finally:
            browser.close()

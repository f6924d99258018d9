"""The probe's browser context may only read: every request passes through a Playwright route that
lets GET and HEAD through and refuses everything else — except the login form's POST, and only
while the probe is logging in (:meth:`ReadOnlyGuard.login_window`), and only to that form's path.

Searching is a GET form in both systems, so it needs no exception. A refused request is aborted in
the browser (it never reaches the server) and recorded, so a read-only step that starts to write
after an upgrade is reported as drift rather than done.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Request, Route

READ_METHODS = frozenset({"GET", "HEAD"})


class ReadOnlyGuard:
    def __init__(self, system: str, base_url: str, login_path: str):
        self.system = system
        self.origin = _origin(base_url)
        self.login_path = login_path
        self._login_open = False
        self.refused: list[dict[str, str]] = []
        self.allowed_writes = 0
        self.step = ""  # what the probe is doing, for the record of a refusal

    def install(self, context: BrowserContext) -> "ReadOnlyGuard":
        context.route("**/*", self._handle)
        return self

    @contextmanager
    def login_window(self):
        """The one write the probe makes: the login form's POST, while inside this block."""
        self._login_open = True
        try:
            yield
        finally:
            self._login_open = False

    def allows(self, method: str, url: str) -> bool:
        if method.upper() in READ_METHODS:
            return True
        parts = urlsplit(url)
        return (
            self._login_open
            and method.upper() == "POST"
            and _origin(url) == self.origin
            and parts.path.rstrip("/") == self.login_path.rstrip("/")
        )

    def _handle(self, route: Route, request: Request) -> None:
        if self.allows(request.method, request.url):
            if request.method.upper() not in READ_METHODS:
                self.allowed_writes += 1
            route.continue_()
            return
        parts = urlsplit(request.url)
        # The path only: a query string could carry anything, and the body is never kept.
        self.refused.append(
            {
                "method": request.method,
                "url": f"{parts.scheme}://{parts.netloc}{parts.path}",
                "step": self.step,
                "resource": request.resource_type,
            }
        )
        route.abort("blockedbyclient")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()

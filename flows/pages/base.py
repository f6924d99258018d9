"""What every page object shares: URLs, navigation with status checks, 'am I on my page'."""

from __future__ import annotations

import re
import weakref
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Error as PlaywrightError, Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from betyg_harness.flows import aria
from betyg_harness.flows.errors import FlowError, ServerError, SessionLost, TransientError, refusal


DEFAULT_TIMEOUT_MS = 10_000
_timeouts: "weakref.WeakKeyDictionary[BrowserContext, float]" = weakref.WeakKeyDictionary()
# The HTTP status of the document a page object last loaded in each page (what a refusal page said).
_answers: "weakref.WeakKeyDictionary[Page, int]" = weakref.WeakKeyDictionary()


def set_timeout(target: Page | BrowserContext, milliseconds: float) -> None:
    """The user's patience for every step of the flows in this browser context: Playwright's own
    default timeouts and every wait of the page objects (none of ours is shorter)."""
    context = target.context if isinstance(target, Page) else target
    context.set_default_timeout(milliseconds)
    context.set_default_navigation_timeout(milliseconds)
    _timeouts[context] = milliseconds


def timeout_for(page: Page) -> float:
    """The timeout :func:`set_timeout` gave this page's context, else 10 s."""
    return _timeouts.get(page.context, DEFAULT_TIMEOUT_MS)


@dataclass(frozen=True)
class Expectation:
    """What one named locator of a screen should find there (read by the drift probe).

    ``count``: "one" (exactly one match), "some" (one or more) or "maybe" (any number);
    ``columns``: a table's column headers, in this order; ``form_fields``: the labels of the
    required fields of the form around the match that the flows know how to fill (glob patterns;
    None: not checked); ``unless``: the method name of another named locator whose presence
    explains this one's absence (a "Spara" missing while "Betyg kan sättas från och med …" shows);
    ``revealed_by``: the method name of a named toggle (a menu) that shows this one when clicked.
    """

    label: str
    count: str = "one"
    columns: tuple[str, ...] = ()
    form_fields: tuple[str, ...] | None = None
    unless: str = ""
    revealed_by: str = ""


def named(label: str, **expect):
    """Mark a page-object method that takes no arguments and returns a Locator as a named
    locator of its screen. The flows call the method as before; :meth:`BasePage.named_locators`
    lists them, so the drift probe checks exactly the selectors the flows use."""
    expectation = Expectation(label, **expect)

    def mark(method):
        method.expectation = expectation
        return method

    return mark


class BasePage:
    """A screen of one system. ``base_url`` "" means: relative to the context's ``base_url``.
    ``timeout`` (ms) defaults to the context's, from :func:`set_timeout`."""

    system = "Ping Pong"
    path = "/"

    def __init__(self, page: Page, base_url: str = "", *, timeout: float | None = None):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout if timeout is not None else timeout_for(page)

    # -- where am I -----------------------------------------------------------------------
    def url(self, path: str | None = None) -> str:
        return f"{self.base_url}{self.path if path is None else path}"

    @named("sidans kännetecken")
    def marker(self) -> Locator:
        """The locator that proves this page is shown (usually its h1). A subclass's override
        keeps this mark unless it marks its own."""
        raise NotImplementedError

    @classmethod
    def named_locators(cls) -> dict[str, Expectation]:
        """Method name → expectation of every named locator, base classes' first, in the order
        they are defined; an override without a mark keeps the base class's."""
        found: dict[str, Expectation] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                expectation = getattr(value, "expectation", None)
                if isinstance(expectation, Expectation):
                    found[attr] = expectation
        return found

    def locators(self) -> dict[str, Locator]:
        """Method name → the Locator itself, for every named locator of this screen."""
        return {attr: getattr(self, attr)() for attr in self.named_locators()}

    def _login_heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Logga in", exact=True)

    def expect_loaded(self, timeout: float | None = None):
        """Wait for this page. The login page instead means the session was lost (SessionLost); the
        system's own refusal instead (an alert and not this page: its 403 or 404 page) is raised at
        once as :meth:`refusal` says, never waited out or retried."""
        marker = self.marker()
        login = self._login_heading()
        try:
            expect(marker.or_(login).or_(self.page.get_by_role("alert")).first).to_be_visible(
                timeout=timeout or self.timeout
            )
        except AssertionError as exc:
            raise TransientError(f"{type(self).__name__} visades inte: {self.page.url}") from exc
        if marker.first.is_visible():
            return self
        if login.is_visible():
            raise SessionLost(self.system)
        # An alert came first; a document still being parsed may show this page after it.
        self.page.wait_for_load_state("domcontentloaded", timeout=self.timeout)
        if marker.first.is_visible():
            return self
        raise self.refusal()

    def refusal(self) -> FlowError:
        """The typed error for the system's refusal shown where this page was expected, in its words
        (the h1 and the alerts) and by the answer's status: NoAccess (401/403), PageNotFound
        (404/410), else PageRefused. Page objects narrow it (a grading view's 404: GroupNotFound)."""
        root = aria.read(self.page)
        title = next((n.name for n in root.walk() if n.role == "heading" and n.attrs.get("level") == "1"), "")
        message = " ".join(a.all_text().strip() for a in root.find_all("alert"))
        return refusal(self.system, _answers.get(self.page), title, message, self.page.url)

    # -- moving ---------------------------------------------------------------------------
    def goto(self, path: str | None = None):
        """Open this page by URL, check the answer and that this page is shown."""
        self.open_url(path)
        return self.expect_loaded()

    def open_url(self, path: str | None = None) -> None:
        """Navigate (DOM loaded) and check the HTTP answer; the caller checks the page."""
        target = self.url(path)
        try:
            # The page object waits for its own marker; no need to wait for every stylesheet.
            response = self.page.goto(target, timeout=self.timeout, wait_until="domcontentloaded")
        except PlaywrightTimeout as exc:
            raise TransientError(f"Ingen sida inom {self.timeout / 1000:.0f} s: {target}") from exc
        except PlaywrightError as exc:
            raise TransientError(f"Kunde inte öppna {target}: {exc.message.splitlines()[0]}") from exc
        check_response(response, target, self.page)

    @contextmanager
    def navigation(self):
        """Wrap an action that loads a new document (a form submit, a link): the final answer after
        any redirects; fails fast on 5xx and on a connection that broke before an answer came."""
        try:
            # expect_navigation (not expect_response): it also ends, at once, when the connection
            # is dropped (net::ERR_EMPTY_RESPONSE), instead of waiting out the whole timeout.
            with self.page.expect_navigation(wait_until="commit", timeout=self.timeout) as info:
                yield
            response = info.value
        except PlaywrightTimeout as exc:
            raise TransientError(f"Inget svar inom {self.timeout / 1000:.0f} s från {self.page.url}") from exc
        except PlaywrightError as exc:
            # Chromium shows its own error page next; let it settle, so the next step (a retry's
            # goto) is not interrupted by it.
            try:
                self.page.wait_for_url(lambda url: url.startswith("chrome-error:"), timeout=2_000)
                self.page.wait_for_load_state("load", timeout=self.timeout)
            except PlaywrightError:  # another browser, or no error page: nothing to wait for
                pass
            raise TransientError(f"Förbindelsen bröts innan svaret kom: {exc.message.splitlines()[0]}") from exc
        check_response(response, response.url if response is not None else self.page.url, self.page)


def check_response(response: Response | None, url: str, page: Page | None = None) -> None:
    """ServerError on 5xx; remember the status of the document ``page`` now shows (:meth:`BasePage.refusal`)."""
    if page is not None:
        if response is None:
            _answers.pop(page, None)
        else:
            _answers[page] = response.status
    if response is not None and response.status >= 500:
        raise ServerError(response.status, url)


def exact(text: str) -> re.Pattern:
    """A regex matching ``text`` exactly (for ``has_text`` filters, which are otherwise substrings)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")

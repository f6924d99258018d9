"""A logged-in user of one system: the flows with retries and a fresh login on transient failures.

    pp = PingPong(page, "http://127.0.0.1:5001", "betygsadmin", "betygsadmin").login()
    pp.grade_group("SVESVE01 HT26 Kista A", {"19900602-2397": "A"})
    pp.group_state("SVESVE01 HT26 Kista A").student("900602-2397").grade   # → "A"

Personnummer go in in any written form and come back as ``YYYYMMDD-NNNN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from playwright.sync_api import Page

from betyg_harness.flows import ber as ber_flows
from betyg_harness.flows import pingpong as pp_flows
from betyg_harness.flows.errors import SavedLoginExpired, SessionLost
from betyg_harness.flows.models import BerGrade, GradingState, PersonGrades
from betyg_harness.flows.pages.ber import BerGroupSearchPage
from betyg_harness.flows.pages.pingpong import BetygSearchByGroupPage
from betyg_harness.flows.retry import with_retry


@dataclass
class _Session:
    """What both systems' sessions share: where, as whom, and how to retry with a fresh login."""

    page: Page
    url: str = ""
    username: str = ""
    password: str = ""
    attempts: int = 3
    base_delay: float = 0.5
    # A saved login (Playwright's storage state, already in the page's context): the session comes
    # from it and is never replaced by a password login; its end is SavedLoginExpired.
    saved_login: str | None = None

    ENV: ClassVar[str]
    DEFAULTS: ClassVar[tuple[str, str, str]]  # url, user, password
    WHAT: ClassVar[str]
    SYSTEM: ClassVar[str]

    def __post_init__(self):
        self.username = self.username or self.DEFAULTS[1]
        self.password = self.password or self.DEFAULTS[2]

    def _login(self) -> None:
        raise NotImplementedError

    def _check_saved_login(self) -> None:
        raise NotImplementedError

    def _recover(self) -> None:
        if self.saved_login:
            raise SavedLoginExpired(self.SYSTEM, self.saved_login)
        self._login()

    def _retry(self, action, what: str):
        return with_retry(action, recover=self._recover, attempts=self.attempts, base_delay=self.base_delay, what=what)

    def login(self):
        """Log in with the password, or, with ``saved_login``, check that the saved session still
        opens the system (SavedLoginExpired before anything else is done when it does not)."""
        action = self._check_saved_login if self.saved_login else self._login
        with_retry(action, attempts=self.attempts, base_delay=self.base_delay, what=self.WHAT)
        return self


@dataclass
class PingPong(_Session):
    ENV: ClassVar[str] = "PINGPONG"
    DEFAULTS: ClassVar[tuple[str, str, str]] = ("http://127.0.0.1:5001", "betygsadmin", "betygsadmin")
    WHAT: ClassVar[str] = "inloggning"
    SYSTEM: ClassVar[str] = "Ping Pong"

    def _login(self) -> None:
        pp_flows.login(self.page, self.username, self.password, base_url=self.url)

    def _check_saved_login(self) -> None:
        try:
            BetygSearchByGroupPage(self.page, self.url).goto()
        except SessionLost:
            # Only called with a saved login (str() as the message's f-string would).
            raise SavedLoginExpired(self.SYSTEM, str(self.saved_login)) from None

    def find_groups(self, **kwargs):
        return self._retry(lambda: pp_flows.find_groups(self.page, base_url=self.url, **kwargs), "sökning")

    def grade_group(self, group, grades, **kwargs):
        """:func:`flows.grade_group` with retries. Safe to repeat: it skips what is already locked
        with the asked grade. ``result.set`` is what this call stored, also when an attempt's Spara
        went through and its answer was lost (the next attempt finds those grades locked)."""
        clicked: dict[str, str] = {}

        def attempt():
            try:
                result = pp_flows.grade_group(self.page, group, grades, base_url=self.url, **kwargs)
            except Exception as exc:
                clicked.update(getattr(exc, "unconfirmed_save", None) or {})
                raise
            ours = {p: g for p, g in clicked.items() if result.already.get(p) == g}
            if ours:
                result.set = PersonGrades({**result.set, **ours})
                result.already = PersonGrades({p: g for p, g in result.already.items() if p not in result.set})
            return result

        return self._retry(attempt, f"betyg {getattr(group, 'name', group)}")

    def download_catalogue(self, group, directory: Path | str = ".") -> Path:
        return self._retry(
            lambda: pp_flows.download_catalogue(self.page, group, directory, base_url=self.url), "betygskatalog"
        )

    def preview_catalogue(self, group) -> str:
        return self._retry(lambda: pp_flows.preview_catalogue(self.page, group, base_url=self.url), "förhandsgranska")

    def group_state(self, group, *, term: str | None = None) -> GradingState:
        """Open ``group`` (a name, a search hit or an open grading view) and read what its grading
        view shows: students (``state.student(personnummer)``), grades, locks, teachers, status."""
        return self._retry(
            lambda: pp_flows.open_group(self.page, group, term=term, base_url=self.url).state(),
            f"öppna {getattr(group, 'name', group)}",
        )


@dataclass
class Ber(_Session):
    ENV: ClassVar[str] = "BER"
    DEFAULTS: ClassVar[tuple[str, str, str]] = ("http://127.0.0.1:5002", "beradmin", "beradmin")
    WHAT: ClassVar[str] = "inloggning i BER"
    SYSTEM: ClassVar[str] = "BER"

    def _login(self) -> None:
        ber_flows.ber_login(self.page, self.username, self.password, base_url=self.url)

    def _check_saved_login(self) -> None:
        try:
            BerGroupSearchPage(self.page, self.url).goto()
        except SessionLost:
            # Only called with a saved login (str() as the message's f-string would).
            raise SavedLoginExpired(self.SYSTEM, str(self.saved_login)) from None

    def link_grading_teacher(self, group: str, teacher: str) -> None:
        self._retry(
            lambda: ber_flows.link_grading_teacher(self.page, group, teacher, base_url=self.url), "koppla lärare"
        )

    def unlink_grading_teacher(self, group: str, teacher: str) -> None:
        """ "Ta bort <teacher>" on the group's page (a no-op when not linked)."""
        self._retry(
            lambda: ber_flows.unlink_grading_teacher(self.page, group, teacher, base_url=self.url), "ta bort lärare"
        )

    def grades_of(self, personnummer: str, group: str | None = None) -> list[BerGrade]:
        """The student's grades in BER (their page's table "Betyg"), found through ``group``'s page or,
        without it, through every group BER's search lists. Each ``BerGrade.personnummer`` is
        ``YYYYMMDD-NNNN``."""
        return self._retry(
            lambda: ber_flows.grades_of(self.page, personnummer, group, base_url=self.url), "betyg i BER"
        )

    def wait_until_visible(self, grades, **kwargs) -> int:
        """:func:`flows.wait_until_visible_in_ber` on this page (``mock=`` an :class:`flows.AdvancesClock`)."""
        return self._retry(
            lambda: ber_flows.wait_until_visible_in_ber(self.page, grades, base_url=self.url, **kwargs), "vänta på BER"
        )

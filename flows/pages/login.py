"""The login form both systems share (same words, same roles)."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from betyg_harness.flows.errors import LoginFailed, LoginThrottled, TransientError
from betyg_harness.flows.pages.base import BasePage, named

BAD_LOGIN = "Fel användarnamn eller lösenord."
THROTTLED = "För många förfrågningar"  # the heading of both systems' 429 page


class LoginForm(BasePage):
    path = "/login"

    @named("Logga in")
    def marker(self) -> Locator:
        return self._login_heading()

    @named("Användarnamn")
    def username_box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Användarnamn", exact=True)

    @named("Lösenord")
    def password_box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Lösenord", exact=True)

    @named("Logga in (knapp)", form_fields=("Användarnamn", "Lösenord"))
    def submit_button(self) -> Locator:
        return self.page.get_by_role("button", name="Logga in", exact=True)

    def expect_loaded(self, timeout: float | None = None):
        try:
            expect(self.marker()).to_be_visible(timeout=timeout or self.timeout)
        except AssertionError as exc:
            raise TransientError(f"Inloggningssidan i {self.system} visades inte.") from exc
        return self

    def logout_button(self) -> Locator:
        return self.page.get_by_role("button", name="Logga ut", exact=True)

    def login(self, username: str, password: str) -> None:
        """Fill in and send the form; LoginFailed on "Fel användarnamn eller lösenord.", LoginThrottled
        (at once, with the system's words) when too many failed logins have closed it for a while."""
        self.username_box().fill(username)
        self.password_box().fill(password)
        with self.navigation():
            self.submit_button().click()
        bad = self.page.get_by_role("alert").filter(has_text=BAD_LOGIN)
        throttled = self.page.get_by_role("heading", name=THROTTLED, exact=True)
        try:
            expect(self.logout_button().or_(bad).or_(throttled).first).to_be_visible(timeout=self.timeout)
        except AssertionError as exc:
            raise TransientError(f"Inget svar på inloggningen i {self.system}.") from exc
        if throttled.count():
            said = self.page.get_by_role("alert").first.text_content() or ""
            raise LoginThrottled(f"{self.system}: {said.strip()} (användare {username})")
        if bad.count():
            raise LoginFailed(f"{self.system}: {BAD_LOGIN} (användare {username})")

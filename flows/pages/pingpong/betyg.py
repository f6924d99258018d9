"""Betyg `/betyg`: reached through "Verktyg" → "Betyg"; its left menu "Betygsmeny"."""
from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows.errors import NoAccess
from betyg_harness.flows.pages.base import BasePage

NO_ACCESS = "Du har inte behörighet till Betyg."


class BetygPage(BasePage):
    path = "/betyg"

    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Betyg", exact=True)

    def expect_loaded(self, timeout: float | None = None):
        super().expect_loaded(timeout)
        if self.page.get_by_role("alert").filter(has_text=NO_ACCESS).count():
            raise NoAccess(NO_ACCESS)
        return self

    def open_from_menu(self) -> "BetygPage":
        """Verktyg → Betyg, as a person clicks it."""
        nav = self.page.get_by_role("navigation", name="Huvudmeny")
        nav.get_by_text("Verktyg", exact=True).click()
        with self.navigation():
            nav.get_by_role("link", name="Betyg", exact=True).click()
        return self.expect_loaded()

    def menu(self) -> Locator:
        return self.page.get_by_role("navigation", name="Betygsmeny")

    def open_search_by_teacher(self):
        from betyg_harness.flows.pages.pingpong.search import BetygSearchByTeacherPage
        with self.navigation():
            self.menu().get_by_role("link", name="Sök lärare", exact=True).click()
        return BetygSearchByTeacherPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

    def open_search_by_group(self):
        from betyg_harness.flows.pages.pingpong.search import BetygSearchByGroupPage
        with self.navigation():
            self.menu().get_by_role("link", name="Sök grupp", exact=True).click()
        return BetygSearchByGroupPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

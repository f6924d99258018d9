"""Betyg `/betyg`: reached through "Verktyg" → "Betyg"; its left menu "Betygsmeny"."""

from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows.errors import NoAccess
from betyg_harness.flows.pages.base import BasePage, named

NO_ACCESS = "Du har inte behörighet till Betyg."


class BetygPage(BasePage):
    path = "/betyg"

    @named("Betyg")
    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Betyg", exact=True)

    @named("Huvudmeny")
    def main_menu(self) -> Locator:
        return self.page.get_by_role("navigation", name="Huvudmeny")

    @named("Verktyg")
    def tools_menu(self) -> Locator:
        return self.main_menu().get_by_text("Verktyg", exact=True)

    @named("Verktyg › Betyg", revealed_by="tools_menu")
    def betyg_link(self) -> Locator:
        return self.main_menu().get_by_role("link", name="Betyg", exact=True)

    def expect_loaded(self, timeout: float | None = None):
        super().expect_loaded(timeout)
        if self.page.get_by_role("alert").filter(has_text=NO_ACCESS).count():
            raise NoAccess(NO_ACCESS)
        return self

    def open_from_menu(self) -> "BetygPage":
        """Verktyg → Betyg, as a person clicks it."""
        self.tools_menu().click()
        with self.navigation():
            self.betyg_link().click()
        return self.expect_loaded()

    @named("Betygsmeny")
    def menu(self) -> Locator:
        return self.page.get_by_role("navigation", name="Betygsmeny")

    @named("Sök lärare")
    def search_by_teacher_link(self) -> Locator:
        return self.menu().get_by_role("link", name="Sök lärare", exact=True)

    @named("Sök grupp")
    def search_by_group_link(self) -> Locator:
        return self.menu().get_by_role("link", name="Sök grupp", exact=True)

    def open_search_by_teacher(self):
        from betyg_harness.flows.pages.pingpong.search import BetygSearchByTeacherPage

        with self.navigation():
            self.search_by_teacher_link().click()
        return BetygSearchByTeacherPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

    def open_search_by_group(self):
        from betyg_harness.flows.pages.pingpong.search import BetygSearchByGroupPage

        with self.navigation():
            self.search_by_group_link().click()
        return BetygSearchByGroupPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

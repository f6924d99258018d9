"""Förhandsgranska: the catalogue preview `/betyg/grupp/<id>/betygskatalog`."""

from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows.errors import CatalogueNotReady, FlowError
from betyg_harness.flows.pages.base import BasePage


class CataloguePreviewPage(BasePage):
    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Betygskatalog", exact=True)

    def expect_loaded(self, timeout: float | None = None):
        """The preview, or Ping Pong's refusal under the same heading (409 while a grade is
        unlocked: CatalogueNotReady in its words)."""
        super().expect_loaded(timeout)
        if self.page.get_by_role("alert").count():
            raise self.refusal()
        return self

    def refusal(self) -> FlowError:
        refused = super().refusal()
        if getattr(refused, "status", None) == 409:
            return CatalogueNotReady(" ".join(self.page.get_by_role("alert").all_inner_texts()).strip())
        return refused

    def text(self) -> str:
        return self.page.locator("body").inner_text()

"""Förhandsgranska: the catalogue preview `/betyg/grupp/<id>/betygskatalog`."""
from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows.pages.base import BasePage


class CataloguePreviewPage(BasePage):
    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Betygskatalog", exact=True)

    def text(self) -> str:
        return self.page.locator("body").inner_text()

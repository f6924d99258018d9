"""BER `/betygsimport`: the grade import's runs (one row per run)."""

from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows import aria
from betyg_harness.flows.pages.base import BasePage, named


class BerImportLogPage(BasePage):
    system = "BER"
    path = "/betygsimport"

    @named("Betygsimport")
    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Betygsimport", exact=True)

    def runs(self) -> list[dict[str, str]]:
        """Each run as {column header: cell text}; [] before the first run."""
        tables = aria.parse(self.page.locator("body").aria_snapshot()).find_all("table")
        for table in tables:
            headers, rows = aria.table_rows(table)
            if "Mottagna betyg" in headers:
                return [{h: (cells[i].name if i < len(cells) else "") for i, h in enumerate(headers)} for cells in rows]
        return []

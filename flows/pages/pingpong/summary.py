"""Sammanfattning: what the first "Spara" shows; its "Spara" stores and locks."""

from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows import aria
from betyg_harness.flows.models import Summary, SummaryRow
from betyg_harness.flows.pages.base import BasePage


class SummaryPage(BasePage):
    # The screen as read when the grading view's Spara landed here (None: read it anew).
    loaded: aria.Node | None = None

    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Sammanfattning", exact=True)

    def read(self, root: aria.Node | None = None) -> Summary:
        """The rows, counts and teachers shown, in one round trip (or from ``root``, a reading
        already made — by default the one made when the first Spara landed here)."""
        root = root or self.loaded or aria.read(self.page)
        return self.summary_from(root)

    @classmethod
    def summary_from(cls, root: aria.Node) -> Summary:
        rows: list[SummaryRow] = []
        counts: dict[str, str] = {}
        for table in root.find_all("table"):
            headers, body = aria.table_rows(table)
            col = {h: i for i, h in enumerate(headers)}
            if {"Namn", "Personnummer", "Betyg", "Låses"} <= col.keys():
                for cells in body:
                    rows.append(
                        SummaryRow(
                            name=cells[col["Namn"]].name,
                            personnummer=cells[col["Personnummer"]].name,
                            grade=cells[col["Betyg"]].name,
                            locks=cells[col["Låses"]].name == "Ja",
                        )
                    )
            elif table.name == "Antal per betyg" or len(headers) == 2:
                for cells in body:
                    if len(cells) >= 2:
                        counts[cells[0].name] = cells[1].name
        return Summary(rows=rows, counts=counts, teachers=cls._teachers(root))

    @staticmethod
    def _teachers(root: aria.Node) -> list[str]:
        """Names listed after the heading "Betygssättande lärare", up to the next heading or button."""
        names: list[str] = []
        inside = False
        for node in root.walk():
            if node.role == "heading":
                inside = node.name == "Betygssättande lärare"
                continue
            if not inside:
                continue
            if node.role in ("button", "table"):
                break
            if node.role in ("listitem", "paragraph", "text", "cell") and (node.name or node.text):
                if node.role == "text" and any(n == (node.text.strip()) for n in names):
                    continue
                names.append((node.name or node.text).strip())
        return names

    def confirm(self):
        """The summary's "Spara": store (and lock); back on the grading view."""
        from betyg_harness.flows.pages.pingpong.grading import GradingPage

        grading = GradingPage(self.page, self.base_url, timeout=self.timeout)
        self.loaded = None
        with self.navigation():
            self.page.get_by_role("button", name="Spara", exact=True).click()
        grading.loaded = grading.raise_for_alerts(expected=grading.students_table())
        if grading.loaded is None:
            return grading.expect_loaded()  # reports what is shown instead
        return grading

    def back(self):
        from betyg_harness.flows.pages.pingpong.grading import GradingPage

        with self.navigation():
            (
                self.page.get_by_role("button", name="Tillbaka", exact=True).or_(
                    self.page.get_by_role("link", name="Tillbaka", exact=True)
                )
            ).first.click()
        return GradingPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

"""BER `/elever/<id>`: a student's received grades (table "Betyg")."""

from __future__ import annotations

from playwright.sync_api import Locator

from betyg_harness.flows import aria
from betyg_harness.flows.errors import SessionLost
from betyg_harness.flows.models import BerGrade
from betyg_harness.flows.pages.base import BasePage, named

NONE_RECEIVED = "Inga betyg har tagits emot."


class BerStudentPage(BasePage):
    system = "BER"

    def __init__(
        self,
        page,
        base_url: str = "",
        *,
        path: str | None = None,
        name: str | None = None,
        timeout: float | None = None,
    ):
        super().__init__(page, base_url, timeout=timeout)
        self.name = name
        if path:
            self.path = path

    def marker(self) -> Locator:
        if self.name:
            return self.page.get_by_role("heading", level=1, name=self.name, exact=True)
        return self.grades_table().or_(self.none_received())

    def load(self) -> list[BerGrade]:
        """Open the page and read its grades from one snapshot (cheap enough to poll hundreds).

        The page is server-rendered, so the DOM is complete when loaded; only when the snapshot
        shows neither the table nor "Inga betyg …" does it fall back to waiting for the page."""
        self.open_url()
        root = aria.parse(self.page.locator("body").aria_snapshot())
        heading = next((n for n in root.walk() if n.role == "heading" and n.attrs.get("level") == "1"), None)
        if heading is not None and heading.name == "Logga in":
            raise SessionLost(self.system)
        table = root.find("table", "Betyg")
        if (self.name and (heading is None or heading.name != self.name)) or (
            table is None and NONE_RECEIVED not in root.all_text()
        ):
            return self.expect_loaded().grades()
        return self._rows(table) if table else []

    @named(
        "Betyg", columns=("Kurs", "Betyg", "Datum", "Betygssättande lärare", "Mottaget i BER"), unless="none_received"
    )
    def grades_table(self) -> Locator:
        return self.page.get_by_role("table", name="Betyg", exact=True)

    @named(NONE_RECEIVED, count="maybe")
    def none_received(self) -> Locator:
        return self.page.get_by_text(NONE_RECEIVED, exact=True)

    def grades(self) -> list[BerGrade]:
        table = self.grades_table()
        if not table.count():
            return []
        found = aria.parse(table.aria_snapshot()).find("table")
        assert found is not None  # the snapshot of a table that is shown
        return self._rows(found)

    @staticmethod
    def _rows(table: aria.Node) -> list[BerGrade]:
        headers, rows = aria.table_rows(table)
        col = {h: i for i, h in enumerate(headers)}

        def cell(cells, name):
            i = col.get(name)
            return cells[i].name if i is not None and i < len(cells) else ""

        return [
            BerGrade(
                course=cell(c, "Kurs"),
                grade=cell(c, "Betyg"),
                date=cell(c, "Datum"),
                teachers=cell(c, "Betygssättande lärare"),
                received=cell(c, "Mottaget i BER"),
            )
            for c in rows
        ]

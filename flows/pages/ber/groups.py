"""BER `/grupper` (Undervisningsgrupper) and `/grupper/<id>` (a group, its grading teachers)."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from betyg_harness.flows import aria
from betyg_harness.flows.errors import BerError, GroupNotFound, TeacherNotFound, TransientError
from betyg_harness.flows.pages.base import BasePage, named
from betyg_harness.identity import same_number


class BerGroupSearchPage(BasePage):
    system = "BER"
    path = "/grupper"

    @named("Undervisningsgrupper")
    def marker(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name="Undervisningsgrupper", exact=True)

    @named("Gruppnamn")
    def name_box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Gruppnamn", exact=True)

    @named("Kurs")
    def course_box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Kurs", exact=True)

    @named("Skolenhet")
    def school_box(self) -> Locator:
        return self.page.get_by_role("combobox", name="Skolenhet", exact=True)

    @named("Fr.o.m.")
    def date_from_box(self) -> Locator:
        return self.page.get_by_label("Fr.o.m.", exact=True)

    @named("T.o.m.")
    def date_to_box(self) -> Locator:
        return self.page.get_by_label("T.o.m.", exact=True)

    @named("Sök", form_fields=("Gruppnamn", "Kurs", "Skolenhet", "Fr.o.m.", "T.o.m."))
    def search_button(self) -> Locator:
        return self.page.get_by_role("button", name="Sök", exact=True)

    def search(
        self, name: str = "", *, course: str = "", school: str | None = None, date_from=None, date_to=None
    ) -> "BerGroupSearchPage":
        self.name_box().fill(name)
        self.course_box().fill(course)
        if school:
            self.school_box().select_option(label=school)
        self.date_from_box().fill(str(date_from or ""))
        self.date_to_box().fill(str(date_to or ""))
        with self.navigation():
            self.search_button().click()
        return self.expect_loaded()

    def open(self, name: str) -> "BerGroupPage":
        link = self.page.get_by_role("table").get_by_role("link", name=name, exact=True)
        if not link.count():
            raise GroupNotFound(name, "den finns inte i BER:s sökresultat")
        with self.navigation():
            link.first.click()
        return BerGroupPage(self.page, self.base_url, name=name, timeout=self.timeout).expect_loaded()


class BerGroupPage(BasePage):
    system = "BER"

    def __init__(self, page, base_url: str = "", *, name: str | None = None, timeout: float | None = None):
        super().__init__(page, base_url, timeout=timeout)
        self.name = name

    def marker(self) -> Locator:
        if self.name:
            return self.page.get_by_role("heading", level=1, name=self.name, exact=True)
        return self.page.get_by_role("heading", name="Koppla betygsättande lärare", exact=True)

    @named("Elever", columns=("Personnummer", "Namn", "Status", "Datum"))
    def students_table(self) -> Locator:
        return self.page.get_by_role("table", name="Elever", exact=True)

    @named("Lärare")
    def teacher_box(self) -> Locator:
        return self.page.get_by_role("combobox", name="Lärare", exact=True)

    @named("Koppla", form_fields=("Lärare",))
    def link_button(self) -> Locator:
        return self.page.get_by_role("button", name="Koppla", exact=True)

    def students(self) -> list[dict]:
        """Rows of "Elever": Personnummer, Namn, Status, Datum and the student page's URL."""
        table = aria.parse(self.students_table().aria_snapshot())
        headers, rows = aria.table_rows(table)
        out = []
        for cells in rows:
            row: dict[str, str | None] = {h: (cells[i].name if i < len(cells) else "") for i, h in enumerate(headers)}
            link = next((c.find("link") for c in cells if c.find("link")), None)
            row["url"] = link.prop("url") if link else None
            out.append(row)
        return out

    def student_url(self, personnummer12: str) -> str | None:
        for row in self.students():
            if same_number(row.get("Personnummer", ""), personnummer12):
                return row["url"]
        return None

    def grading_teachers(self) -> list[str]:
        """Names with a "Ta bort <name>" button under "Betygssättande lärare"."""
        root = aria.parse(self.page.locator("body").aria_snapshot())
        return [
            b.name.removeprefix("Ta bort ").strip() for b in root.find_all("button") if b.name.startswith("Ta bort ")
        ]

    def _expect_status(self, text: str) -> None:
        """BER's confirmation ``text``, or its refusal (an alert) at once as BerError."""
        confirmed = self.page.get_by_text(text, exact=True)
        alert = self.page.get_by_role("alert")
        try:
            expect(confirmed.or_(alert).first).to_be_visible(timeout=self.timeout)
        except AssertionError as exc:
            raise TransientError(f"BER bekräftade inte: {text}") from exc
        if not confirmed.count():
            raise BerError(" ".join(alert.all_inner_texts()).strip())

    def link_teacher(self, teacher: str) -> None:
        """Koppla betygsättande lärare: pick the teacher, "Koppla", expect BER's confirmation."""
        box = self.teacher_box()
        # The teachers offered: options with a value (not the "Välj lärare" placeholder).
        options = box.locator("option").evaluate_all("os => os.filter(o => o.value).map(o => o.textContent.trim())")
        if teacher not in options:
            raise TeacherNotFound.among(teacher, options, where="Koppla betygsättande lärare i BER")
        box.select_option(label=teacher)
        with self.navigation():
            self.link_button().click()
        self._expect_status(f"{teacher} är kopplad som betygssättande lärare.")

    def unlink_teacher(self, teacher: str) -> None:
        with self.navigation():
            self.page.get_by_role("button", name=f"Ta bort {teacher}", exact=True).click()
        self._expect_status(f"{teacher} är inte längre betygssättande lärare.")

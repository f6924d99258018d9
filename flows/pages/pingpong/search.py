"""Sök lärare, Sök grupp and their "Sökresultat"."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Locator, expect

from betyg_harness.flows import aria
from betyg_harness.flows.errors import GroupNotFound, SearchRefused, TeacherNotFound, TransientError
from betyg_harness.flows.models import GroupHit
from betyg_harness.flows.pages.base import BasePage, named

ALL_TERMS = "Alla terminer"
NO_HITS = "Inga betygsgrupper hittades."
REFUSED = "Sökningen kunde inte göras."
RESULT_COLUMNS = ["Betygsgrupp", "Kurs", "Kursslut", "Betygssättande lärare", "Status"]


class _SearchForm(BasePage):
    @named("Termin")
    def term_box(self) -> Locator:
        return self.page.get_by_role("combobox", name="Termin", exact=True)

    @named("Fr.o.m.")
    def date_from_box(self) -> Locator:
        return self.page.get_by_label("Fr.o.m.", exact=True)

    @named("T.o.m.")
    def date_to_box(self) -> Locator:
        return self.page.get_by_label("T.o.m.", exact=True)

    @named("Sök", form_fields=("Lärare", "Gruppnamn, kurs eller lärare", "Termin", "Fr.o.m.", "T.o.m."))
    def search_button(self) -> Locator:
        return self.page.get_by_role("button", name="Sök", exact=True)

    def _fill_common(self, term: str | None, date_from: date | str | None, date_to: date | str | None) -> None:
        wanted = term or ALL_TERMS
        terms = [t.strip() for t in self.term_box().locator("option").all_inner_texts()]
        if wanted not in terms:
            # select_option would wait out the whole timeout for an option that never comes.
            raise SearchRefused([f"Terminen «{wanted}» finns inte i listan ({', '.join(t for t in terms if t)})."])
        self.term_box().select_option(label=wanted)
        self.date_from_box().fill(_day(date_from, "Fr.o.m."))
        self.date_to_box().fill(_day(date_to, "T.o.m."))

    def _submit(self) -> "SearchResults":
        with self.navigation():
            self.search_button().click()
        results = SearchResults(self.page, self.base_url, timeout=self.timeout).expect_loaded()
        results.raise_if_refused()
        return results


def _day(value: date | str | None, field: str) -> str:
    """A date for the form's date field as ÅÅÅÅ-MM-DD. A date field drops a value it cannot read
    (the search then runs unfiltered): refused here instead, in the form's words."""
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise SearchRefused([f"{field}: «{value}» är inget datum (skriv ÅÅÅÅ-MM-DD)."]) from None


class BetygSearchByTeacherPage(_SearchForm):
    """Sök lärare: a teacher's grade groups between two dates."""

    path = "/betyg/sok-larare"

    @named("Lärare")
    def marker(self) -> Locator:
        return self.page.get_by_role("combobox", name="Lärare", exact=True)

    def search(self, teacher: str, *, term: str | None = None, date_from=None, date_to=None) -> "SearchResults":
        offered = self.teachers()
        if teacher not in offered:
            raise TeacherNotFound.among(teacher, offered)
        self.marker().select_option(label=teacher)
        self._fill_common(term, date_from, date_to)
        return self._submit()

    def teachers(self) -> list[str]:
        return [t.strip() for t in self.marker().locator("option").all_inner_texts() if t.strip()]


class BetygSearchByGroupPage(_SearchForm):
    """Sök grupp: by group name, course or teacher."""

    path = "/betyg/sok-grupp"

    @named("Gruppnamn, kurs eller lärare")
    def marker(self) -> Locator:
        return self.page.get_by_role("textbox", name="Gruppnamn, kurs eller lärare", exact=True)

    def search(self, text: str = "", *, term: str | None = None, date_from=None, date_to=None) -> "SearchResults":
        self.marker().fill(text)
        self._fill_common(term, date_from, date_to)
        return self._submit()


class SearchResults(BasePage):
    """The "Sökresultat" part of either search page (or "Inga betygsgrupper hittades.")."""

    @named("Sökresultat")
    def marker(self) -> Locator:
        # A refused search shows no results part, only its alert: that is an answer too.
        return self.page.get_by_role("heading", name="Sökresultat", exact=True).or_(self.no_hits()).or_(self.refused())

    @named(REFUSED, count="maybe")
    def refused(self) -> Locator:
        return self.page.get_by_role("alert").filter(has_text=REFUSED)

    def raise_if_refused(self) -> None:
        """SearchRefused with the form's own messages when Ping Pong refused the search."""
        if not self.refused().count():
            return
        fields = [
            t.strip()
            for t in self.page.locator("[aria-invalid='true'], select, input").evaluate_all(
                "els => els.map(e => (e.getAttribute('aria-describedby') || '').split(' ')"
                ".map(id => document.getElementById(id)).filter(Boolean).map(n => n.textContent).join(' '))"
            )
            if t.strip()
        ]
        raise SearchRefused(list(dict.fromkeys(fields)) or [self.refused().first.inner_text().strip()])

    @named(NO_HITS, count="maybe")
    def no_hits(self) -> Locator:
        return self.page.get_by_text(NO_HITS, exact=True)

    @named("tabellen med sökresultat", columns=tuple(RESULT_COLUMNS), unless="no_hits")
    def table(self) -> Locator:
        return self.page.get_by_role("table").filter(
            has=self.page.get_by_role("columnheader", name="Betygsgrupp", exact=True)
        )

    @named("betygsgruppernas länkar", count="some", unless="no_hits")
    def group_links(self) -> Locator:
        return self.table().get_by_role("link")

    def hits(self) -> list[GroupHit]:
        """Every row, read in one round trip."""
        if self.no_hits().count():
            return []
        try:
            expect(self.table()).to_be_visible(timeout=self.timeout)
        except AssertionError as exc:
            raise TransientError("Sökresultatet visade ingen tabell.") from exc
        return self.hits_from(aria.read(self.page))

    @staticmethod
    def hits_from(root: aria.Node) -> list[GroupHit]:
        """The rows of the table with the column "Betygsgrupp", from a reading of the screen."""
        table = next((t for t in root.find_all("table") if "Betygsgrupp" in aria.table_rows(t)[0]), None)
        if table is None:
            return []
        headers, rows = aria.table_rows(table)
        col = {h: i for i, h in enumerate(headers)}
        hits = []
        for cells in rows:

            def cell(name: str) -> str:
                i = col.get(name)
                return cells[i].name if i is not None and i < len(cells) else ""

            link = cells[col.get("Betygsgrupp", 0)].find("link")
            hits.append(
                GroupHit(
                    name=link.name if link else cell("Betygsgrupp"),
                    course=cell("Kurs"),
                    course_end=cell("Kursslut"),
                    teachers=cell("Betygssättande lärare"),
                    status=cell("Status"),
                    href=link.prop("url") if link else None,
                )
            )
        return hits

    def open(self, group: str):
        """Click the grade group's link → the grading view."""
        from betyg_harness.flows.pages.pingpong.grading import GradingPage

        link = self.table().get_by_role("link", name=group, exact=True)
        if not link.count():
            raise GroupNotFound(group, "den finns inte i sökresultatet")
        with self.navigation():
            link.first.click()
        return GradingPage(self.page, self.base_url, name=group, timeout=self.timeout).expect_loaded()

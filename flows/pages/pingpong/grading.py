"""The grading view `/betyg/grupp/<id>`: students, grade steps, lock boxes, teachers, Spara."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from betyg_harness.flows import aria
from betyg_harness.flows.errors import (CatalogueNotReady, SessionLost, StaleForm, TeacherNotLinked, TransientError,
                                        ValidationFailed)
from betyg_harness.flows.models import GradingState, StudentRow
from betyg_harness.flows.pages.base import BasePage, named

NOT_SAVED = "Betygen sparades inte."
STALE = "Någon annan har sparat betyg i gruppen sedan du öppnade den."
SAVED_LOCKED = "Betygen är sparade och låsta."
SAVED = "Betygen är sparade."
CATALOGUE_NOT_READY = "Betygskatalogen kan skrivas ut först när alla betyg i gruppen är registrerade och låsta."
_LOCKED = re.compile(r"Låst \d{4}-\d{2}-\d{2}(?: av .*)?$")
_NOT_BEFORE = re.compile(r"Betyg kan sättas från och med (\d{4}-\d{2}-\d{2})")
TEACHERS = "Betygssättande lärare"
# Document-coordinate centre of each control; a visually hidden input is clicked through its label.
_CENTRES = """els => els.map(e => {
  let r = e.getBoundingClientRect();
  if ((r.width < 4 || r.height < 4) && e.labels && e.labels.length) r = e.labels[0].getBoundingClientRect();
  return [r.left + r.width / 2 + scrollX, r.top + r.height / 2 + scrollY];
})"""


def _terms(root: aria.Node) -> dict[str, str]:
    """Pairs of a description list (term → definition), in document order."""
    facts, last = {}, None
    for node in root.walk():
        if node.role == "term":
            last = node.name or node.all_text()
        elif node.role == "definition" and last is not None:
            facts[last] = node.name or node.all_text()
            last = None
    return facts


class GradingPage(BasePage):
    """One grade group's grading view. ``name`` (the h1) is checked when given."""

    def __init__(self, page, base_url: str = "", *, name: str | None = None, group_id: str | None = None,
                 timeout: float | None = None):
        super().__init__(page, base_url, timeout=timeout)
        self.name = name
        self.group_id = group_id
        if group_id:
            self.path = f"/betyg/grupp/{group_id}"

    def marker(self) -> Locator:
        if self.name:
            return self.page.get_by_role("heading", level=1, name=self.name, exact=True)
        return self.students_table()

    @named("Elever", columns=("Personnummer", "Namn", "Betyg", "Lås"), form_fields=())
    def students_table(self) -> Locator:
        return self.page.get_by_role("table", name="Elever", exact=True)

    @named(TEACHERS)
    def teachers_group(self) -> Locator:
        return self.page.get_by_role("group", name=TEACHERS, exact=True)

    @named("Spara", unless="not_yet_gradeable")
    def save_button(self) -> Locator:
        return self.page.get_by_role("button", name="Spara", exact=True)

    @named("Betyg kan sättas från och med …", count="maybe")
    def not_yet_gradeable(self) -> Locator:
        return self.page.get_by_text(_NOT_BEFORE)

    @named("Förhandsgranska")
    def preview_button(self) -> Locator:
        return self._action("Förhandsgranska")

    @named("Ladda ned pdf")
    def pdf_button(self) -> Locator:
        return self._action("Ladda ned pdf")

    def _action(self, name: str) -> Locator:
        return (self.page.get_by_role("link", name=name, exact=True)
                .or_(self.page.get_by_role("button", name=name, exact=True)))

    # -- reading --------------------------------------------------------------------------
    def state(self) -> GradingState:
        """Everything on the screen, from one ARIA snapshot."""
        root = aria.parse(self.page.locator("body").aria_snapshot())
        heading = next((n for n in root.walk() if n.role == "heading" and n.attrs.get("level") == "1"), None)
        students: list[StudentRow] = []
        table = root.find("table", "Elever")
        if table:
            headers, rows = aria.table_rows(table)
            col = {h: i for i, h in enumerate(headers)}
            radio_count = box_count = 0
            for cells in rows:
                def cell(name: str) -> aria.Node | None:
                    i = col.get(name)
                    return cells[i] if i is not None and i < len(cells) else None
                radios = [n for c in cells for n in c.find_all("radio")]
                boxes = [n for c in cells for n in c.find_all("checkbox")]
                lock_cell = cell("Lås")
                locked_match = next((m for n in (lock_cell.walk() if lock_cell else ())
                                     if (m := _LOCKED.search(n.text or n.name))), None)
                checked = next((r.name for r in radios if r.checked), None)
                locked = bool(locked_match) or bool(boxes and boxes[0].checked and boxes[0].disabled)
                students.append(StudentRow(
                    personnummer=cell("Personnummer").name if cell("Personnummer") else "",
                    name=cell("Namn").name if cell("Namn") else "",
                    grade=checked, steps=[r.name for r in radios], locked=locked,
                    locked_text=locked_match.group(0).strip() if locked_match else "",
                    lock_ticked=bool(boxes and boxes[0].checked),
                    radio_index=radio_count if radios else -1, checkbox_index=box_count if boxes else -1))
                radio_count += len(radios)
                box_count += len(boxes)
        fieldset = root.find("group", TEACHERS)
        teachers = [c.name for c in fieldset.find_all("checkbox")] if fieldset else []
        ticked = [c.name for c in fieldset.find_all("checkbox") if c.checked] if fieldset else []
        text = root.all_text()
        not_before = _NOT_BEFORE.search(text)
        statuses = [n.all_text() for n in root.walk() if n.role == "status"]
        save = next((n for n in root.find_all("button", "Spara")), None)
        pdf = next((n for n in root.walk() if n.role in ("link", "button") and n.name == "Ladda ned pdf"), None)
        return GradingState(
            name=heading.name if heading else (self.name or ""), facts=_terms(root), students=students,
            teachers=teachers, teachers_ticked=ticked, status_text=" ".join(statuses) or (SAVED_LOCKED if SAVED_LOCKED in text else ""),
            alerts=[n.all_text() for n in root.find_all("alert")],
            can_save=bool(save and not save.disabled), not_before=not_before.group(1) if not_before else None,
            catalogue_ready=bool(pdf and not pdf.disabled and CATALOGUE_NOT_READY not in text))

    # -- acting ---------------------------------------------------------------------------
    def row(self, personnummer_shown: str) -> Locator:
        return self.students_table().get_by_role("row").filter(
            has=self.page.get_by_role("cell", name=personnummer_shown, exact=True))

    def set_grade(self, student: StudentRow, grade: str, *, lock: bool, unique_name: bool = True) -> None:
        """Click the grade step (and tick the lock box) in the student's row, by role and name.

        The clicks skip Playwright's actionability waits (``force``): the controls were just read
        as present and enabled from the ARIA snapshot of this server-rendered page, and the
        summary is compared with the request before anything is stored, so a lost click is
        caught there. This makes a click ~15 ms instead of ~55 ms.
        """
        # Scope by name when it is unique on the page (cheap); by the personnummer cell otherwise.
        scope = self.page if unique_name else self.row(student.personnummer)
        group = scope.get_by_role("radiogroup", name=f"Betyg för {student.name}", exact=True)
        radio = group.get_by_role("radio", name=grade, exact=True)
        # Click the step as drawn: the label around the radio when there is one (styled scales hide
        # the input under the label's text), else the radio.
        group.locator("label").filter(has=radio).or_(radio).first.click(force=True)
        if lock:
            scope.get_by_role("checkbox", name=f"Lås betyg för {student.name}", exact=True).check(force=True)

    def set_grades_by_mouse(self, items: list[tuple[StudentRow, str]], *, lock: bool) -> None:
        """The same clicks as :meth:`set_grade`, as plain mouse clicks at each control's centre.

        The positions come from one query per role over the table ("radio", "checkbox"), in
        document order — the order of the ARIA snapshot the rows were read from. ~3 ms a click;
        the summary check catches any click that went astray.
        """
        table = self.students_table()
        radios = table.get_by_role("radio").evaluate_all(_CENTRES)
        boxes = table.get_by_role("checkbox").evaluate_all(_CENTRES)
        view = self.page.evaluate("() => [scrollX, scrollY, innerWidth, innerHeight]")
        scroll_y, height = view[1], view[3]
        for student, grade in items:
            targets = [radios[student.radio_index + student.steps.index(grade)]]
            if lock and not student.lock_ticked:
                targets.append(boxes[student.checkbox_index])
            for x, y in targets:
                if not scroll_y + 8 <= y < scroll_y + height - 8:
                    scroll_y = self.page.evaluate("y => { scrollTo(scrollX, y); return scrollY; }", max(0, y - height / 2))
                self.page.mouse.click(x - view[0], y - scroll_y)

    def tick_teachers(self, names: list[str], state: GradingState) -> None:
        missing = [n for n in names if n not in state.teachers]
        if missing:
            raise TeacherNotLinked(state.name, missing, state.teachers)
        group = self.teachers_group()
        for name in names:
            if name not in state.teachers_ticked:
                group.get_by_role("checkbox", name=name, exact=True).check(force=True)

    def save(self):
        """The first "Spara": the summary, or Ping Pong's reasons for saying no."""
        from betyg_harness.flows.pages.pingpong.summary import SummaryPage
        with self.navigation():
            self.save_button().click()
        summary = SummaryPage(self.page, self.base_url, timeout=self.timeout)
        self.raise_for_alerts(expected=summary.marker())
        return summary.expect_loaded()

    def raise_for_alerts(self, expected: Locator) -> None:
        """After a submit: raise StaleForm/ValidationFailed when the answer carries an alert, else
        return once ``expected`` shows. The alert wins: a refused confirm answers with the grading
        view itself (the students table and the alert above it), so seeing the table proves nothing."""
        alert = self.page.get_by_role("alert")
        login = self._login_heading()
        try:
            expect(expected.or_(alert).or_(login).first).to_be_visible(timeout=self.timeout)
        except AssertionError:
            return  # expect_loaded of the caller reports what is shown instead
        if login.count() and not expected.count():
            raise SessionLost(self.system)  # the login ended meanwhile: nothing was stored
        # Server-rendered: the alert stands above the content in the same document, so it is
        # already parsed when the expected part is visible.
        if not alert.count():
            return
        texts = [t.strip() for t in alert.all_inner_texts()]
        if any(STALE in t for t in texts):
            raise StaleForm(" ".join(texts))
        if any(t.startswith(NOT_SAVED) for t in texts):
            # The message next to each field at fault (aria-describedby of the invalid control).
            details = [t.strip() for t in self.page.locator("[aria-invalid=true]").evaluate_all(
                "els => els.map(e => (e.getAttribute('aria-describedby') || '').split(' ')"
                ".map(id => document.getElementById(id)?.innerText || '').join(' '))") if t.strip()]
            raise ValidationFailed(" ".join(texts), details)
        raise ValidationFailed(" ".join(texts))

    # -- catalogue ------------------------------------------------------------------------
    def _require_catalogue(self) -> Locator:
        button = self.pdf_button()
        if self.page.get_by_text(CATALOGUE_NOT_READY).count() or not button.first.is_enabled():
            raise CatalogueNotReady(CATALOGUE_NOT_READY)
        return button.first

    def preview_catalogue(self):
        from betyg_harness.flows.pages.pingpong.catalogue import CataloguePreviewPage
        self._require_catalogue()
        with self.navigation():
            self.preview_button().first.click()
        return CataloguePreviewPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

    def download_catalogue(self, directory: Path) -> Path:
        """"Ladda ned pdf" → the file saved under its suggested name in ``directory``."""
        button = self._require_catalogue()
        try:
            with self.page.expect_download(timeout=self.timeout) as info:
                button.click()
        except PlaywrightTimeout as exc:
            raise TransientError("Ingen pdf laddades ned.") from exc
        download = info.value
        if download.failure():
            raise TransientError(f"Nedladdningen misslyckades: {download.failure()}")
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / download.suggested_filename
        download.save_as(target)
        return target

"""The grading view `/betyg/grupp/<id>`: students, grade steps, lock boxes, teachers, Spara."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError, Locator, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from betyg_harness.flows import aria
from betyg_harness.flows.errors import (
    CatalogueNotReady,
    FlowError,
    GroupNotFound,
    PageNotFound,
    SessionLost,
    StaleForm,
    TeacherNotLinked,
    TransientError,
    ValidationFailed,
)
from betyg_harness.flows.models import GradingState, StudentRow
from betyg_harness.flows.pages.base import BasePage, named

NOT_SAVED = "Betygen sparades inte."
STALE = "Någon annan har sparat betyg i gruppen sedan du öppnade den."
SAVED_LOCKED = "Betygen är sparade och låsta."
CATALOGUE_NOT_READY = "Betygskatalogen kan skrivas ut först när alla betyg i gruppen är registrerade och låsta."
_LOCKED = re.compile(r"Låst \d{4}-\d{2}-\d{2}(?: av .*)?$")
_NOT_BEFORE = re.compile(r"Betyg kan sättas från och med (\d{4}-\d{2}-\d{2})")
TEACHERS = "Betygssättande lärare"


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


def _students(root: aria.Node) -> list[StudentRow]:
    """The rows of the table "Elever" (none when the table is not shown)."""
    table = root.find("table", "Elever")
    if not table:
        return []
    headers, rows = aria.table_rows(table)
    col = {h: i for i, h in enumerate(headers)}
    return [_student(col, cells) for cells in rows]


def _student(col: dict[str, int], cells: list[aria.Node]) -> StudentRow:
    """One student's row, its cells found by column header."""
    radios = [n for c in cells for n in c.find_all("radio")]
    boxes = [n for c in cells for n in c.find_all("checkbox")]
    locked_match = _locked_note(_cell(col, cells, "Lås"))
    checked = next((r.name for r in radios if r.checked), None)
    locked = bool(locked_match) or bool(boxes and boxes[0].checked and boxes[0].disabled)
    return StudentRow(
        personnummer=_cell_name(col, cells, "Personnummer"),
        name=_cell_name(col, cells, "Namn"),
        grade=checked,
        steps=[r.name for r in radios],
        locked=locked,
        locked_text=locked_match.group(0).strip() if locked_match else "",
        lock_ticked=bool(boxes and boxes[0].checked),
    )


def _cell(col: dict[str, int], cells: list[aria.Node], name: str) -> aria.Node | None:
    i = col.get(name)
    return cells[i] if i is not None and i < len(cells) else None


def _cell_name(col: dict[str, int], cells: list[aria.Node], name: str) -> str:
    found = _cell(col, cells, name)
    return found.name if found else ""


def _locked_note(lock_cell: aria.Node | None) -> re.Match[str] | None:
    """ "Låst <datum> (av <namn>)" in the lock cell, when it says so."""
    return next(
        (m for n in (lock_cell.walk() if lock_cell else ()) if (m := _LOCKED.search(n.text or n.name))),
        None,
    )


def _teachers(root: aria.Node) -> tuple[list[str], list[str]]:
    """The grading teachers offered, and those ticked."""
    fieldset = root.find("group", TEACHERS)
    if not fieldset:
        return [], []
    boxes = fieldset.find_all("checkbox")
    return [c.name for c in boxes], [c.name for c in boxes if c.checked]


def _can_save(root: aria.Node) -> bool:
    save = next((n for n in root.find_all("button", "Spara")), None)
    return bool(save and not save.disabled)


def _catalogue_ready(root: aria.Node, text: str) -> bool:
    pdf = next((n for n in root.walk() if n.role in ("link", "button") and n.name == "Ladda ned pdf"), None)
    return bool(pdf and not pdf.disabled and CATALOGUE_NOT_READY not in text)


class GradingPage(BasePage):
    """One grade group's grading view. ``name`` (the h1) is checked when given."""

    def __init__(
        self,
        page,
        base_url: str = "",
        *,
        name: str | None = None,
        group_id: str | None = None,
        timeout: float | None = None,
    ):
        super().__init__(page, base_url, timeout=timeout)
        self.name = name
        self.group_id = group_id
        # The screen as read when it loaded (by the summary's Spara), until something is clicked.
        self.loaded: aria.Node | None = None
        if group_id:
            self.path = f"/betyg/grupp/{group_id}"

    def marker(self) -> Locator:
        if self.name:
            return self.page.get_by_role("heading", level=1, name=self.name, exact=True)
        return self.students_table()

    def expect_loaded(self, timeout: float | None = None):
        """Wait for this view (its h1, or the table "Elever" when the name is not known); SessionLost
        on the login page; Ping Pong's refusal (its 404 or 403 page) at once, as :meth:`refusal`.
        Waits in the page's main world, like the reading and the click events that follow, so the
        document gets Playwright's injected script once, not twice."""
        wanted = [
            ("heading", self.name) if self.name else ("table", "Elever"),
            ("heading", "Logga in"),
            ("alert", None),
        ]
        try:
            shown = aria.first_shown(self.page, wanted, timeout=timeout or self.timeout)
        except PlaywrightTimeout as exc:
            raise TransientError(f"{type(self).__name__} visades inte: {self.page.url}") from exc
        if shown == 2:  # an alert alone so far: look again once the whole document is parsed
            self.page.wait_for_load_state("domcontentloaded", timeout=self.timeout)
            shown = aria.shown_now(self.page, wanted)
        if shown == 1:
            raise SessionLost(self.system)
        if shown == 2:
            raise self.refusal()
        return self

    def refusal(self) -> FlowError:
        """As :meth:`BasePage.refusal`; "no such page" here is GroupNotFound."""
        refused = super().refusal()
        if isinstance(refused, PageNotFound):
            return GroupNotFound(self.name or self.group_id or self.page.url, str(refused))
        return refused

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
        return self.page.get_by_role("link", name=name, exact=True).or_(
            self.page.get_by_role("button", name=name, exact=True)
        )

    # -- reading --------------------------------------------------------------------------
    def state(self, root: aria.Node | None = None) -> GradingState:
        """Everything on the screen, read in one round trip (:func:`aria.read`); ``root``: a
        reading already made (the summary's Spara reads the view it lands on)."""
        if root is None:
            root = aria.read(self.page)
            _raise_if_login(root)
        return self.state_from(root, self.name)

    @staticmethod
    def state_from(root: aria.Node, name: str | None = None) -> GradingState:
        """The grading view's state from a reading of the screen (either source of :mod:`aria`)."""
        heading = next((n for n in root.walk() if n.role == "heading" and n.attrs.get("level") == "1"), None)
        teachers, ticked = _teachers(root)
        text = root.all_text()
        not_before = _NOT_BEFORE.search(text)
        statuses = [n.all_text() for n in root.walk() if n.role == "status"]
        return GradingState(
            name=heading.name if heading else (name or ""),
            facts=_terms(root),
            students=_students(root),
            teachers=teachers,
            teachers_ticked=ticked,
            status_text=" ".join(statuses) or (SAVED_LOCKED if SAVED_LOCKED in text else ""),
            alerts=[n.all_text() for n in root.find_all("alert")],
            can_save=_can_save(root),
            not_before=not_before.group(1) if not_before else None,
            catalogue_ready=_catalogue_ready(root, text),
        )

    # -- acting ---------------------------------------------------------------------------
    def row(self, personnummer_shown: str) -> Locator:
        return (
            self.students_table()
            .get_by_role("row")
            .filter(has=self.page.get_by_role("cell", name=personnummer_shown, exact=True))
        )

    def set_grade(self, student: StudentRow, grade: str, *, lock: bool, unique_name: bool = True) -> None:
        """Choose the grade step (and tick the lock box) in the student's row, by role and name.

        Each control is found by role and accessible name ("radio" ``grade`` in the radiogroup
        "Betyg för <namn>", the checkbox "Lås betyg för <namn>") and receives a click event
        (``dispatch_event``): the browser's own activation of that very control, whatever covers
        it or however the scale is styled, without moving a pointer to a position — ~6 ms a
        control instead of ~15 ms for ``click(force=True)`` (scroll, hit test, three input
        events). The controls were just read as present and enabled, and the summary is compared
        with the request before anything is stored, so a click that did not take is caught there.
        """
        self.loaded = None
        # Scope by name when it is unique on the page (cheap); by the personnummer cell otherwise.
        scope = self.page if unique_name else self.row(student.personnummer_shown or student.personnummer)
        group = scope.get_by_role("radiogroup", name=f"Betyg för {student.name}", exact=True)
        group.get_by_role("radio", name=grade, exact=True).dispatch_event("click")
        if lock and not student.lock_ticked:
            scope.get_by_role("checkbox", name=f"Lås betyg för {student.name}", exact=True).dispatch_event("click")

    def tick_teachers(self, names: list[str], state: GradingState) -> None:
        missing = [n for n in names if n not in state.teachers]
        if missing:
            raise TeacherNotLinked(state.name, missing, state.teachers)
        group = self.teachers_group()
        for name in names:
            if name not in state.teachers_ticked:
                self.loaded = None
                group.get_by_role("checkbox", name=name, exact=True).dispatch_event("click")

    def save(self):
        """The first "Spara": the summary, or Ping Pong's reasons for saying no."""
        from betyg_harness.flows.pages.pingpong.summary import SummaryPage

        self.loaded = None
        with self.navigation():
            self.save_button().dispatch_event("click")  # submits the form, as a click on it does
        summary = SummaryPage(self.page, self.base_url, timeout=self.timeout)
        summary.loaded = self.raise_for_alerts(expected=summary.marker())
        if summary.loaded is None:
            return summary.expect_loaded()  # reports what is shown instead
        return summary

    def raise_for_alerts(self, expected: Locator) -> aria.Node | None:
        """After a submit: raise StaleForm/ValidationFailed when the answer carries an alert,
        SessionLost on the login page; else return the screen, read once ``expected`` shows (None
        when neither showed in time: the caller's expect_loaded reports what is shown instead).
        The alert wins: a refused confirm answers with the grading view itself (the students table
        and the alert above it), so seeing the table proves nothing."""
        alert = self.page.get_by_role("alert")
        try:
            expect(expected.or_(alert).or_(self._login_heading()).first).to_be_visible(timeout=self.timeout)
        except AssertionError:
            return None
        # Server-rendered: the alert stands above the content in the same document, so it is
        # already parsed when the expected part is visible.
        root = aria.read(self.page)
        _raise_if_login(root)
        alerts = root.find_all("alert")
        if not alerts:
            return root
        texts = [t.all_text().strip() for t in alerts]
        if any(STALE in t for t in texts):
            raise StaleForm(" ".join(texts))
        if any(t.startswith(NOT_SAVED) for t in texts):
            # The message next to each field at fault: the description (aria-describedby) of an
            # invalid control, or of a fieldset of choices (the teachers) that carries one.
            details = [
                str(n.attrs.get("description", "")).strip()
                for n in root.walk()
                if n.attrs.get("invalid") or (n.role == "group" and n.attrs.get("description"))
            ]
            raise ValidationFailed(" ".join(texts), [d for d in details if d])
        raise ValidationFailed(" ".join(texts))

    # -- catalogue ------------------------------------------------------------------------
    def _require_catalogue(self) -> Locator:
        button = self.pdf_button()
        if self.loaded is not None:
            ready = self.state_from(self.loaded, self.name).catalogue_ready
        else:
            ready = not self.page.get_by_text(CATALOGUE_NOT_READY).count() and button.first.is_enabled()
        if not ready:
            raise CatalogueNotReady(CATALOGUE_NOT_READY)
        return button.first

    def preview_catalogue(self):
        from betyg_harness.flows.pages.pingpong.catalogue import CataloguePreviewPage

        self._require_catalogue()
        with self.navigation():
            self.preview_button().first.click()
        return CataloguePreviewPage(self.page, self.base_url, timeout=self.timeout).expect_loaded()

    def download_catalogue(self, directory: Path) -> Path:
        """ "Ladda ned pdf" → the file saved under its suggested name in ``directory``."""
        button = self._require_catalogue()
        try:
            with self.page.expect_download(timeout=self.timeout) as info:
                button.click()
        except PlaywrightTimeout as exc:
            raise TransientError("Ingen pdf laddades ned.") from exc
        download = info.value
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / download.suggested_filename
        try:
            download.save_as(target)  # waits for the download; raises when it failed
        except PlaywrightError as exc:
            raise TransientError(f"Nedladdningen misslyckades: {exc.message.splitlines()[0]}") from exc
        return target


def _raise_if_login(root: aria.Node) -> None:
    """The login page instead of the expected one: the session was lost."""
    if any(n.role == "heading" and n.attrs.get("level") == "1" and n.name == "Logga in" for n in root.walk()):
        raise SessionLost("Ping Pong")

"""The walk: every page object of both systems, read-only, in one session per system.

Ping Pong: Logga in → Verktyg › Betyg → Sök lärare (and its results) → Sök grupp (and its
results) → a group's grading view (its state read) → Förhandsgranska when the catalogue is ready.
BER: Logga in → Undervisningsgrupper → the same group → a student's page → Betygsimport.
Sammanfattning is not visited: reaching it takes a Spara.

Each step is the flows' own page-object action (so a renamed link fails the way the flows would);
when one fails, the probe opens the next screen by its address where the page object knows it,
and goes on. Every screen reached is checked with :func:`betyg_harness.drift.checks.check_page`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from playwright.sync_api import Error as PlaywrightError, sync_playwright

from betyg_harness.drift.apis import SS12000_PREFIX, ApiSettings, check_apis
from betyg_harness.drift.checks import Shots, check_page
from betyg_harness.drift.guard import ReadOnlyGuard
from betyg_harness.drift.report import DriftReport, Finding
from betyg_harness.flows.browser import BrowserNotFound, open_browser
from betyg_harness.flows.errors import FlowError, LoginFailed
from betyg_harness.flows.pages.ber import BerGroupSearchPage, BerImportLogPage, BerLoginPage, BerStudentPage
from betyg_harness.flows.pages.pingpong import (BetygPage, BetygSearchByGroupPage, BetygSearchByTeacherPage,
                                                GradingPage, LoginPage, SearchResults)
from betyg_harness.flows.pages.pingpong.grading import CATALOGUE_NOT_READY

VIEWPORT = {"width": 1280, "height": 900}
FINISHED_STATUS = "Klar"  # a finished group shows every part of the grading view, the catalogue too


@dataclass
class Target:
    url: str
    user: str
    password: str = field(repr=False)


@dataclass
class ProbeSettings:
    pingpong: Target
    ber: Target
    pingpong_token: str | None = field(default=None, repr=False)
    ber_token: str | None = field(default=None, repr=False)
    group: str | None = None          # the group to open (default: the first "Klar" hit, else the first)
    teacher: str | None = None        # for Sök lärare (default: the first teacher listed)
    search: str | None = None         # the text for Sök grupp (default: the group's name, or "")
    delay: float = 1.0                # seconds between two steps (politeness)
    timeout: float = 10.0             # seconds a step may wait for its screen
    report_dir: Path | None = None
    screenshots: str = "all"          # all | drift | none
    api: bool = True
    grades_from: datetime | None = None
    grades_to: datetime | None = None
    ss12000_prefix: str = SS12000_PREFIX
    api_limit: int = 5

    def public(self) -> dict:
        """The settings as the report shows them: no password, no token."""
        data = asdict(self)
        for target in ("pingpong", "ber"):
            data[target].pop("password", None)
        for key in ("pingpong_token", "ber_token"):
            data[key] = "***" if data[key] else None
        return {k: (str(v) if isinstance(v, (Path, datetime)) else v) for k, v in data.items()}

    def secrets(self) -> list[str]:
        return [s for s in (self.pingpong.password, self.ber.password, self.pingpong_token, self.ber_token) if s]


class _Walk:
    """One system's walk in one browser context behind a :class:`ReadOnlyGuard`."""

    def __init__(self, report: DriftReport, settings: ProbeSettings, shots: Shots, system: str, browser,
                 target: Target, login_page_cls):
        self.report, self.settings, self.shots, self.system = report, settings, shots, system
        self.target = target
        self.timeout_ms = settings.timeout * 1000
        self.context = browser.new_context(base_url=target.url, viewport=VIEWPORT, service_workers="block",
                                           accept_downloads=False, locale="sv-SE")
        self.guard = ReadOnlyGuard(system, target.url, login_page_cls.path).install(self.context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(self.timeout_ms)
        self.page.on("dialog", self._on_dialog)
        self.login_page_cls = login_page_cls
        self.steps = 0

    def close(self) -> None:
        try:
            self.context.close()
        except PlaywrightError:
            pass
        for refused in self.guard.refused:
            self.report.add(Finding("request", self.system, refused["step"] or "", f'{refused["method"]} {refused["url"]}',
                                    "refused", detail="en skrivande begäran under en läsande körning stoppades"))

    def _on_dialog(self, dialog) -> None:
        # Dismissed, never accepted: a confirmation the probe does not expect must not confirm anything.
        self.report.add(Finding("dialog", self.system, self.guard.step, f"{dialog.type}-dialog", "dialog",
                                detail=f"«{dialog.message}» (avvisad)"))
        try:
            dialog.dismiss()
        except PlaywrightError:
            pass

    def pause(self) -> None:
        if self.steps and self.settings.delay > 0:
            self.page.wait_for_timeout(self.settings.delay * 1000)  # sleep-ok: politeness between steps
        self.steps += 1

    def step(self, name: str, action: Callable[[], object], *, fatal: bool = False):
        """Run a flow step; a failure is a finding (and, if ``fatal``, ends this system's walk)."""
        self.pause()
        self.guard.step = name
        try:
            result = action()
        except LoginFailed as exc:
            self.report.add(Finding("step", self.system, "steg", name, "error", detail=str(exc)))
            raise _Stop(f"{self.system}: {exc}") from exc
        except (FlowError, PlaywrightError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            self.report.add(Finding("step", self.system, "steg", name, "error",
                                    detail=f"{type(exc).__name__}: {message.splitlines()[0] if message else ''}"))
            if fatal:
                raise _Stop(f"{self.system}: {name} misslyckades") from exc
            return None
        self.report.add(Finding("step", self.system, "steg", name, "ok"))
        return result if result is not None else True

    def check(self, obj) -> None:
        visit, findings = check_page(obj, system=self.system, shots=self.shots)
        self.report.pages.append(visit)
        for finding in findings:
            self.report.add(finding)

    def login(self) -> None:
        login = self.login_page_cls(self.page, self.target.url, timeout=self.timeout_ms)
        self.step("inloggningssidan", login.open_url, fatal=True)
        self.check(login)  # before anything is typed: no password in any screenshot or snapshot

        def log_in():
            with self.guard.login_window():
                login.login(self.target.user, self.target.password)
        self.step("logga in", log_in, fatal=True)


class _Stop(Exception):
    pass


def _walk_pingpong(walk: _Walk, settings: ProbeSettings) -> str | None:
    """Ping Pong's walk; the name of the group it opened (for BER's walk)."""
    page, url, t = walk.page, walk.target.url, walk.timeout_ms
    walk.login()
    betyg = BetygPage(page, url, timeout=t)
    if not walk.step("Verktyg › Betyg", betyg.open_from_menu):
        walk.step("Betyg (via adress)", betyg.goto)
    walk.check(betyg)

    by_group = BetygSearchByGroupPage(page, url, timeout=t)
    if not walk.step("Sök grupp", betyg.open_search_by_group):
        walk.step("Sök grupp (via adress)", by_group.goto)
    walk.check(by_group)
    text = settings.search if settings.search is not None else (settings.group or "")
    results = walk.step(f"Sök grupp: «{text}»", lambda: by_group.search(text))
    hits = []
    if results:
        walk.check(results)
        hits = walk.step("Sökresultat: läs träffarna", results.hits)
        hits = hits if isinstance(hits, list) else []
    chosen = _choose(hits, settings.group)

    by_teacher = BetygSearchByTeacherPage(page, url, timeout=t)
    if not walk.step("Sök lärare", BetygPage(page, url, timeout=t).open_search_by_teacher):
        walk.step("Sök lärare (via adress)", by_teacher.goto)
    walk.check(by_teacher)
    listed = walk.step("Sök lärare: lärarna", by_teacher.teachers)
    teacher = _teacher(settings.teacher, chosen, listed if isinstance(listed, list) else [])
    if teacher:
        if walk.step(f"Sök lärare: {teacher}", lambda: by_teacher.search(teacher)):
            walk.check(SearchResults(page, url, timeout=t))
    else:
        walk.report.add(Finding("step", walk.system, "steg", "Sök lärare: sök", "skipped",
                                detail="ingen lärare att söka på (ange --teacher)"))

    if chosen is None:
        walk.report.add(Finding("step", walk.system, "steg", f"öppna «{settings.group or 'första träffen'}»",
                                "error" if settings.group else "skipped",
                                detail="gruppen finns inte bland träffarna" if settings.group else "inga träffar"))
        return settings.group
    grading = GradingPage(page, url, name=chosen.name, timeout=t)
    # Back to Sök grupp's results (the page object's own path) to open the group as a person does.
    reopened = walk.step(f"Sök grupp: «{text}» igen", lambda: by_group.goto().search(text))
    opened = reopened and walk.step(f"öppna «{chosen.name}»", lambda: reopened.open(chosen.name))
    if not opened and chosen.href:
        walk.step(f"öppna «{chosen.name}» (via adress)", lambda: grading.goto(chosen.href))
    walk.check(grading)
    state = walk.step("läs gruppens läge", grading.state)
    if state and state is not True:
        locked = sum(1 for s in state.students if s.locked)
        walk.report.add(Finding("step", walk.system, "GradingPage", "gruppens läge", "note",
                                detail=f"{len(state.students)} elever, {locked} låsta, lärare: "
                                       f"{', '.join(state.teachers) or '–'}; katalogen klar: "
                                       f"{'ja' if state.catalogue_ready else 'nej'}"))
        if state.catalogue_ready:
            preview = walk.step("Förhandsgranska", grading.preview_catalogue)
            if preview:
                walk.check(preview)
        else:
            walk.report.add(Finding("step", walk.system, "steg", "Förhandsgranska", "skipped",
                                    detail=CATALOGUE_NOT_READY))
    return chosen.name


def _teacher(wanted: str | None, hit, listed: list[str]) -> str | None:
    """The teacher for Sök lärare: the one asked for, else a grading teacher of the chosen group
    that the list holds, else none (the list's first entry may be a placeholder)."""
    if wanted:
        return wanted
    names = [n.strip() for n in (hit.teachers.split(",") if hit and hit.teachers else [])]
    return next((n for n in names if n in listed), None)


def _choose(hits, wanted: str | None):
    if wanted:
        return next((h for h in hits if h.name == wanted), None)
    return next((h for h in hits if h.status == FINISHED_STATUS), hits[0] if hits else None)


def _walk_ber(walk: _Walk, group: str | None) -> None:
    page, url, t = walk.page, walk.target.url, walk.timeout_ms
    walk.login()
    search = BerGroupSearchPage(page, url, timeout=t)
    walk.step("Undervisningsgrupper", search.goto)
    walk.check(search)
    if not group:
        walk.report.add(Finding("step", walk.system, "steg", "öppna en grupp", "skipped",
                                detail="ingen grupp (ange --group)"))
    else:
        if walk.step(f"sök «{group}»", lambda: search.search(group)):
            walk.check(search)
        group_page = walk.step(f"öppna «{group}»", lambda: search.open(group))
        if group_page:
            walk.check(group_page)
            students = walk.step("läs eleverna", group_page.students)
            walk.step("läs betygssättande lärare", group_page.grading_teachers)
            with_url = [s for s in students if s.get("url")] if isinstance(students, list) else []
            if with_url:
                student = BerStudentPage(page, url, path=with_url[0]["url"], name=with_url[0].get("Namn") or None,
                                         timeout=t)
                if walk.step("en elevs sida", student.load) is not None:
                    walk.check(student)
            else:
                walk.report.add(Finding("step", walk.system, "steg", "en elevs sida", "skipped",
                                        detail="gruppen har inga elever"))
    imports = BerImportLogPage(page, url, timeout=t)
    if walk.step("Betygsimport", imports.goto):
        walk.check(imports)
        walk.step("läs importkörningarna", imports.runs)


def run_probe(settings: ProbeSettings, *, browser=None) -> DriftReport:
    """Walk both systems read-only and check their APIs; the report (also written to
    ``settings.report_dir`` when given). ``browser``: a running Playwright browser to use (the
    pytest plugin passes pytest-playwright's); else one is started and closed."""
    report = DriftReport(targets={"pingpong": settings.pingpong.url, "ber": settings.ber.url},
                         options=settings.public(), secrets=settings.secrets(), folder=settings.report_dir,
                         started=_now())
    try:
        if browser is not None:
            _walk_both(report, settings, browser)
        else:
            with sync_playwright() as playwright:
                try:
                    own = open_browser(playwright)
                except (BrowserNotFound, PlaywrightError) as exc:
                    report.fatal = f"ingen webbläsare: {exc}"
                    return _finish(report)
                try:
                    _walk_both(report, settings, own)
                finally:
                    own.close()
    except PlaywrightError as exc:  # the browser went away under us
        report.fatal = f"webbläsaren avbröt: {str(exc).splitlines()[0]}"
    if settings.api:
        for finding in check_apis(ApiSettings(
                pingpong_url=settings.pingpong.url, ber_url=settings.ber.url,
                pingpong_token=settings.pingpong_token, ber_token=settings.ber_token,
                grades_from=settings.grades_from, grades_to=settings.grades_to,
                ss12000_prefix=settings.ss12000_prefix, limit=settings.api_limit, timeout=settings.timeout * 3,
                delay=settings.delay)):
            report.add(finding)
    return _finish(report)


def _walk_both(report: DriftReport, settings: ProbeSettings, browser) -> None:
    shots = Shots(settings.report_dir, settings.screenshots)
    group = settings.group
    for system, target, login_cls in (("Ping Pong", settings.pingpong, LoginPage), ("BER", settings.ber, BerLoginPage)):
        walk = _Walk(report, settings, shots, system, browser, target, login_cls)
        try:
            if login_cls is LoginPage:
                group = _walk_pingpong(walk, settings) or group
            else:
                _walk_ber(walk, group)
        except _Stop as stop:
            report.fatal = "; ".join(filter(None, (report.fatal, str(stop))))
        finally:
            walk.close()


def _finish(report: DriftReport) -> DriftReport:
    report.finished = _now()
    if report.folder:
        report.write()
    return report


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


__all__ = ["ProbeSettings", "Target", "run_probe", "VIEWPORT"]

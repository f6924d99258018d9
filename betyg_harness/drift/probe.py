"""The walk: every page object of both systems, read-only, in one session per system.

Ping Pong: Logga in → Verktyg › Betyg → Sök grupp (and its results) → Sök lärare (and its
results) → a group that is gradeable now, in its grading view (so "Spara" shows) → a finished group
(every admitted student locked) and its Förhandsgranska. BER: Logga in → Undervisningsgrupper →
the finished group (else the gradeable one) → a student's page with received grades (else one
without) → Betygsimport. Sammanfattning is not visited: reaching it takes a Spara (a POST).

Without ``group`` the walk picks the groups itself from Sök grupp's hits (:func:`_candidates`) and
says in the report which it used for what; a screen it could not reach is listed with the reason
(:mod:`betyg_harness.drift.coverage`), never silently passed.

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
from betyg_harness.drift.coverage import assess, reason_key
from betyg_harness.drift.guard import ReadOnlyGuard
from betyg_harness.drift.report import DriftReport, Finding
from betyg_harness.flows.browser import BrowserNotFound, open_browser
from betyg_harness.flows.errors import FlowError, LoginFailed
from betyg_harness.flows.pages.ber import BerGroupSearchPage, BerImportLogPage, BerLoginPage, BerStudentPage
from betyg_harness.flows.pages.pingpong import (
    BetygPage,
    BetygSearchByGroupPage,
    BetygSearchByTeacherPage,
    GradingPage,
    LoginPage,
    SearchResults,
)
from betyg_harness.flows.pages.pingpong.grading import CATALOGUE_NOT_READY, GradingState
from betyg_harness.flows.pages.pingpong.search import GroupHit

VIEWPORT = {"width": 1280, "height": 900}
FINISHED_STATUS = "Klar"  # a finished group shows every part of the grading view, the catalogue too
# Statuses of groups whose course has ended (so most likely gradeable now), tried first in this order.
ENDED_STATUSES = (FINISHED_STATUS, "Försenad", "Pågår")
MAX_GROUPS = 3  # groups opened at most while looking for a gradeable (or a finished) one
MAX_STUDENTS = 3  # BER students opened at most while looking for one with received grades
# What the report's "groups" say each group was used for.
FOR_GRADING, FOR_PREVIEW, FOR_BER = "betygsvyn (Spara)", "Förhandsgranska", "BER"


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
    group: str | None = None  # the group for every screen (default: chosen, see _candidates)
    teacher: str | None = None  # for Sök lärare (default: the first teacher listed)
    search: str | None = None  # the text for Sök grupp (default: the group's name, or "")
    delay: float = 1.0  # seconds between two steps (politeness)
    timeout: float = 10.0  # seconds a step may wait for its screen
    report_dir: Path | None = None
    screenshots: str = "all"  # all | drift | none
    api: bool = True
    grades_from: datetime | None = None
    grades_to: datetime | None = None
    ss12000_prefix: str = SS12000_PREFIX
    api_limit: int = 5
    allow_partial: bool = False  # accept a walk that could not reach every named locator (exit 0)

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

    def __init__(
        self,
        report: DriftReport,
        settings: ProbeSettings,
        shots: Shots,
        system: str,
        browser,
        target: Target,
        login_page_cls,
    ):
        self.report, self.settings, self.shots, self.system = report, settings, shots, system
        self.target = target
        self.timeout_ms = settings.timeout * 1000
        self.context = browser.new_context(
            base_url=target.url, viewport=VIEWPORT, service_workers="block", accept_downloads=False, locale="sv-SE"
        )
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
            self.report.add(
                Finding(
                    "request",
                    self.system,
                    refused["step"] or "",
                    f"{refused['method']} {refused['url']}",
                    "refused",
                    detail="en skrivande begäran under en läsande körning stoppades",
                )
            )

    def _on_dialog(self, dialog) -> None:
        # Dismissed, never accepted: a confirmation the probe does not expect must not confirm anything.
        self.report.add(
            Finding(
                "dialog",
                self.system,
                self.guard.step,
                f"{dialog.type}-dialog",
                "dialog",
                detail=f"«{dialog.message}» (avvisad)",
            )
        )
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
            self.report.add(
                Finding(
                    "step",
                    self.system,
                    "steg",
                    name,
                    "error",
                    detail=f"{type(exc).__name__}: {message.splitlines()[0] if message else ''}",
                )
            )
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
    """Ping Pong's walk; the name of the group for BER's walk."""
    walk.login()
    by_group, text, candidates = _search_groups(walk, settings)
    _search_teacher(walk, settings, candidates)
    walk.report.groups.update({FOR_GRADING: None, FOR_PREVIEW: None})
    if not candidates:
        _no_group(walk, settings, text)
        return settings.group
    opened, grading_hit = _open_gradeable(walk, settings, candidates, by_group, text)
    finished = _find_finished(walk, settings, candidates, opened, by_group, text)
    _preview(walk, settings, finished, opened, by_group, text)
    if finished:
        return finished[0].name
    return (grading_hit or (opened[0][0] if opened else candidates[0])).name


_Opened = list[tuple[GroupHit, GradingPage, GradingState]]


def _search_groups(walk: _Walk, settings: ProbeSettings) -> tuple[BetygSearchByGroupPage, str, list]:
    """Betyg › Sök grupp: the search page, the text searched for and the groups to try."""
    page, url, t = walk.page, walk.target.url, walk.timeout_ms
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
    return by_group, text, _candidates(hits, settings.group)


def _search_teacher(walk: _Walk, settings: ProbeSettings, candidates: list) -> None:
    """Betyg › Sök lärare, and a search for a teacher of the first group to try."""
    page, url, t = walk.page, walk.target.url, walk.timeout_ms
    by_teacher = BetygSearchByTeacherPage(page, url, timeout=t)
    if not walk.step("Sök lärare", BetygPage(page, url, timeout=t).open_search_by_teacher):
        walk.step("Sök lärare (via adress)", by_teacher.goto)
    walk.check(by_teacher)
    listed = walk.step("Sök lärare: lärarna", by_teacher.teachers)
    teacher = _teacher(
        settings.teacher, candidates[0] if candidates else None, listed if isinstance(listed, list) else []
    )
    if teacher:
        if walk.step(f"Sök lärare: {teacher}", lambda: by_teacher.search(teacher)):
            walk.check(SearchResults(page, url, timeout=t))
    else:
        walk.report.add(
            Finding(
                "step",
                walk.system,
                "steg",
                "Sök lärare: sök",
                "skipped",
                detail="ingen lärare att söka på (ange --teacher)",
            )
        )


def _no_group(walk: _Walk, settings: ProbeSettings, text: str) -> None:
    """No group to open: said, with the screens that could not be reached for it."""
    why = (
        f"gruppen «{settings.group}» finns inte bland träffarna"
        if settings.group
        else f"Sök grupp «{text}» gav inga träffar"
    )
    walk.report.add(
        Finding(
            "step",
            walk.system,
            "steg",
            f"öppna «{settings.group or 'en grupp'}»",
            "error" if settings.group else "skipped",
            detail=why,
        )
    )
    _why(walk, "GradingPage", None, why)
    _why(walk, "CataloguePreviewPage", None, why)


def _open_gradeable(
    walk: _Walk, settings: ProbeSettings, candidates: list, by_group: BetygSearchByGroupPage, text: str
) -> tuple[_Opened, GroupHit | None]:
    """The groups opened while looking for one that is gradeable now, and that one (if found)."""
    # A group that is gradeable now: its grading view shows Spara (not "Betyg kan sättas från och med …").
    opened: _Opened = []
    grading_hit: GroupHit | None = None
    for hit in candidates[:MAX_GROUPS]:
        view, state = _open_group(walk, hit, by_group, text)
        if state is None:
            continue
        opened.append((hit, view, state))
        if not state.not_before:
            grading_hit = hit
            break
    tried = ", ".join(f"«{hit.name}»" for hit, _, _ in opened)
    if grading_hit is not None:
        walk.report.groups[FOR_GRADING] = grading_hit.name
    elif opened:
        not_before = opened[-1][2].not_before
        why = (
            f"gruppen «{settings.group}» är inte betygsättningsbar än (från och med {not_before})"
            if settings.group
            else f"ingen betygsättningsbar grupp hittades (öppnade: {tried})"
        )
        _why(walk, "GradingPage", "save_button", why)
    else:
        _why(walk, "GradingPage", None, "ingen grupp kunde öppnas")
    return opened, grading_hit


def _find_finished(
    walk: _Walk,
    settings: ProbeSettings,
    candidates: list,
    opened: _Opened,
    by_group: BetygSearchByGroupPage,
    text: str,
) -> tuple[GroupHit, GradingPage] | None:
    """A finished group (every admitted student locked): its catalogue can be previewed. One more
    group is opened for it when none of those opened is (``opened`` grows by it)."""
    finished = next(((hit, view) for hit, view, state in opened if state.catalogue_ready), None)
    if finished is None and not settings.group:
        more = [h for h in candidates if h.status == FINISHED_STATUS and all(h is not o for o, _, _ in opened)]
        for hit in more[:1]:
            view, state = _open_group(walk, hit, by_group, text)
            if state is not None and state.catalogue_ready:
                finished = (hit, view)
                opened.append((hit, view, state))
                break
    return finished


def _preview(
    walk: _Walk,
    settings: ProbeSettings,
    finished: tuple[GroupHit, GradingPage] | None,
    opened: _Opened,
    by_group: BetygSearchByGroupPage,
    text: str,
) -> None:
    """Förhandsgranska of the finished group, or why there is none."""
    if finished is None:
        why = (
            f"katalogen för «{settings.group}» är inte klar: {CATALOGUE_NOT_READY}"
            if settings.group
            else "ingen avslutad grupp (alla antagna elever med låsta betyg) hittades bland träffarna"
        )
        walk.report.add(Finding("step", walk.system, "steg", "Förhandsgranska", "skipped", detail=why))
        _why(walk, "CataloguePreviewPage", None, why)
        return
    hit, view = finished
    walk.report.groups[FOR_PREVIEW] = hit.name
    if view is not opened[-1][1]:  # another group's view is shown now: back to this one
        _open_group(walk, hit, by_group, text, check=False)
    preview = walk.step("Förhandsgranska", view.preview_catalogue)
    if preview:
        walk.check(preview)
    else:
        dialogs = [f for f in walk.report.findings if f.kind == "dialog" and f.where == "Förhandsgranska"]
        _why(
            walk,
            "CataloguePreviewPage",
            None,
            "Förhandsgranska öppnades inte" + (": en oväntad dialog avvisades" if dialogs else ""),
        )


def _open_group(walk: _Walk, hit, by_group: BetygSearchByGroupPage, text: str, *, check: bool = True):
    """Open ``hit`` from Sök grupp's results as a person does (by its address if that fails); the
    grading view and its state (None when it could not be read)."""
    page, url, t = walk.page, walk.target.url, walk.timeout_ms
    grading = GradingPage(page, url, name=hit.name, timeout=t)
    reopened = walk.step(f"Sök grupp: «{text}» igen", lambda: by_group.goto().search(text))
    opened = reopened and walk.step(f"öppna «{hit.name}»", lambda: reopened.open(hit.name))
    if not opened and hit.href:
        walk.step(f"öppna «{hit.name}» (via adress)", lambda: grading.goto(hit.href))
    if not check:
        return grading, None
    walk.check(grading)
    state = walk.step(f"läs läget i «{hit.name}»", grading.state)
    if not state or state is True:
        return grading, None
    locked = sum(1 for s in state.students if s.locked)
    walk.report.add(
        Finding(
            "step",
            walk.system,
            "GradingPage",
            f"läget i «{hit.name}»",
            "note",
            detail=f"{len(state.students)} elever, {locked} låsta, lärare: "
            f"{', '.join(state.teachers) or '–'}; betygsättningsbar: "
            f"{'nej, från och med ' + state.not_before if state.not_before else 'ja'}; "
            f"katalogen klar: {'ja' if state.catalogue_ready else 'nej'}",
        )
    )
    return grading, state


def _why(walk: _Walk, page: str, attr: str | None, reason: str) -> None:
    """Why a screen (or one locator of it) could not be reached: for the report's coverage."""
    walk.report.reasons.setdefault(reason_key(walk.system, page, attr), reason)


def _teacher(wanted: str | None, hit, listed: list[str]) -> str | None:
    """The teacher for Sök lärare: the one asked for, else a grading teacher of the chosen group
    that the list holds, else none (the list's first entry may be a placeholder)."""
    if wanted:
        return wanted
    names = [n.strip() for n in (hit.teachers.split(",") if hit and hit.teachers else [])]
    return next((n for n in names if n in listed), None)


def _candidates(hits, wanted: str | None) -> list:
    """The groups to try, best first: ``wanted`` alone; else the hits whose course has ended
    (finished ones first: gradeable and with a catalogue), then the rest, each in the list's order."""
    if wanted:
        return [h for h in hits if h.name == wanted][:1]
    rank = {status: i for i, status in enumerate(ENDED_STATUSES)}
    return sorted(hits, key=lambda h: rank.get(h.status, len(rank)))


def _walk_ber(walk: _Walk, group: str | None) -> None:
    page, url, t = walk.page, walk.target.url, walk.timeout_ms
    walk.login()
    walk.report.groups[FOR_BER] = group
    search = BerGroupSearchPage(page, url, timeout=t)
    walk.step("Undervisningsgrupper", search.goto)
    walk.check(search)
    if not group:
        walk.report.add(
            Finding("step", walk.system, "steg", "öppna en grupp", "skipped", detail="ingen grupp (ange --group)")
        )
        for screen in ("BerGroupPage", "BerStudentPage"):
            _why(walk, screen, None, "ingen grupp att öppna (Ping Pong gav ingen; ange --group)")
    else:
        _walk_ber_group(walk, search, group)
    imports = BerImportLogPage(page, url, timeout=t)
    if walk.step("Betygsimport", imports.goto):
        walk.check(imports)
        walk.step("läs importkörningarna", imports.runs)


def _walk_ber_group(walk: _Walk, search: BerGroupSearchPage, group: str) -> None:
    """BER's group page of ``group``, and a student's page (one with received grades if any)."""
    if walk.step(f"sök «{group}»", lambda: search.search(group)):
        walk.check(search)
    group_page = walk.step(f"öppna «{group}»", lambda: search.open(group))
    if not group_page:
        _why(walk, "BerGroupPage", None, f"gruppen «{group}» kunde inte öppnas")
        _why(walk, "BerStudentPage", None, f"gruppen «{group}» kunde inte öppnas")
        return
    walk.check(group_page)
    students = walk.step("läs eleverna", group_page.students)
    walk.step("läs betygssättande lärare", group_page.grading_teachers)
    with_url = [s for s in students if s.get("url")] if isinstance(students, list) else []
    for n, row in enumerate(with_url[:MAX_STUDENTS], 1):
        student = BerStudentPage(
            walk.page, walk.target.url, path=row["url"], name=row.get("Namn") or None, timeout=walk.timeout_ms
        )
        grades = walk.step(f"en elevs sida ({n})", student.load)
        if grades is not None:
            walk.check(student)
        if isinstance(grades, list) and grades:
            break
    else:
        _why(
            walk,
            "BerStudentPage",
            "grades_table",
            f"ingen av de {min(len(with_url), MAX_STUDENTS)} första eleverna i «{group}» har mottagna betyg"
            if with_url
            else f"gruppen «{group}» har inga elever",
        )
    if not with_url:
        walk.report.add(
            Finding("step", walk.system, "steg", "en elevs sida", "skipped", detail="gruppen har inga elever")
        )


def run_probe(settings: ProbeSettings, *, browser=None) -> DriftReport:
    """Walk both systems read-only and check their APIs; the report (also written to
    ``settings.report_dir`` when given). ``browser``: a running Playwright browser to use (the
    pytest plugin passes pytest-playwright's); else one is started and closed."""
    report = DriftReport(
        targets={"pingpong": settings.pingpong.url, "ber": settings.ber.url},
        options=settings.public(),
        secrets=settings.secrets(),
        folder=settings.report_dir,
        started=_now(),
        allow_partial=settings.allow_partial,
    )
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
        for finding in check_apis(
            ApiSettings(
                pingpong_url=settings.pingpong.url,
                ber_url=settings.ber.url,
                pingpong_token=settings.pingpong_token,
                ber_token=settings.ber_token,
                grades_from=settings.grades_from,
                grades_to=settings.grades_to,
                ss12000_prefix=settings.ss12000_prefix,
                limit=settings.api_limit,
                timeout=settings.timeout * 3,
                delay=settings.delay,
            )
        ):
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
    assess(report)
    report.finished = _now()
    if report.folder:
        report.write()
    return report


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


__all__ = ["ProbeSettings", "Target", "run_probe", "VIEWPORT"]

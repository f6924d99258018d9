"""Running the jobs: preflight search, N workers (one browser each), journal, BER check."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

from betyg_harness.flows.ber import BerWait, ExpectedGrade
from betyg_harness.flows.browser import open_browser
from betyg_harness.flows.errors import (
    BusinessError,
    GradeConflict,
    LoginFailed,
    NotVisibleInBer,
    SavedLoginExpired,
    SearchRefused,
    StaleForm,
    Stopped,
)
from betyg_harness.flows.mockctl import MockControl
from betyg_harness.flows.models import GradingState, GroupHit
from betyg_harness.flows.scales import display_personnummer
from betyg_harness.flows.pages.base import set_timeout
from betyg_harness.flows.pages.pingpong import GradingPage
from betyg_harness.flows.robot.csvinput import BadInput, GroupJob, InputProblem
from betyg_harness.flows.robot.journal import RunJournal, open_journal
from betyg_harness.flows.robot.pgqueue import is_postgres_url
from betyg_harness.flows.robot.privacy import cookie_values, scrub_trace_zip
from betyg_harness.flows.session import Ber, PingPong
from betyg_harness.text import only_digits
from betyg_harness.text import slug as text_slug

log = logging.getLogger("betygsrobot")


@dataclass
class Settings:
    # The embedded default's addresses and logins, from the one place the flows keep them.
    pingpong_url: str = PingPong.DEFAULTS[0]
    pingpong_user: str = PingPong.DEFAULTS[1]
    pingpong_password: str = PingPong.DEFAULTS[2]
    ber_url: str = Ber.DEFAULTS[0]
    ber_user: str = Ber.DEFAULTS[1]
    ber_password: str = Ber.DEFAULTS[2]
    out_dir: Path = Path("betygsrobot-ut")
    journal_path: Path | str | None = None  # a JSONL file, or postgresql://… for a queue shared by processes
    run_name: str | None = None  # the shared run's name in PostgreSQL (default: the file's fingerprint)
    lease_seconds: float | None = None  # how long a group taken from the PostgreSQL queue stays ours unrenewed
    workers: int = 1
    dry_run: bool = False
    lock: bool = True
    verify_ber: bool = False
    ber_timeout_minutes: float = 20
    advance_mock_clock: bool = False
    keep_traces: bool = False
    trace: bool = True
    # DOM snapshots at every click make the trace viewer's "before/after" pictures, and cost about
    # half the robot's speed on a 30-student group; failed groups get a full-page screenshot anyway.
    trace_snapshots: bool = False
    headless: bool = True
    timeout_ms: float = 10_000
    term: str | None = None
    max_groups: int | None = None
    attempts: int = 3
    retry_delay: float = 0.5
    # Playwright's storage state of a person's Ping Pong login (``betygsrobot login --save-state``):
    # the robot reuses that session instead of logging in with a password.
    storage_state: Path | None = None
    # A worker's browser context grows with every group it opens (history, caches, the trace's
    # resources), and the browser and the driver with it: a fresh context (and a fresh login)
    # every ``recycle_every`` groups, a fresh browser every ``recycle_browser_every``.
    recycle_every: int = 25
    recycle_browser_every: int = 100

    @property
    def journal(self) -> Path | str:
        if is_postgres_url(self.journal_path):
            return self.journal_path
        return Path(self.journal_path) if self.journal_path else self.out_dir / "journal.jsonl"


@dataclass
class Outcome:
    """What happened to one group (a row of the report)."""

    group: str
    course: str
    # done | already | incomplete | unconfirmed | dry-run | conflict | failed | stopped | skipped | not-run
    status: str
    grades_set: dict[str, str] = field(default_factory=dict)
    already: dict[str, str] = field(default_factory=dict)
    # A dry run: what the summary showed would be set (12 digits → grade) and the teachers ticked.
    would_set: dict[str, str] = field(default_factory=dict)
    teachers: list[str] = field(default_factory=list)
    # "incomplete": admitted students the grading view still shows without a locked grade.
    missing_students: list[str] = field(default_factory=list)
    seconds: float = 0.0
    catalogue: str | None = None
    error: str | None = None
    warning: str | None = None
    trace: str | None = None
    screenshot: str | None = None
    ber_visible: bool | None = None
    students: int = 0
    late: bool = False  # "Försenad": graded after the last day on time (course end + 14 days)

    @property
    def ok(self) -> bool:
        return self.status in ("done", "already", "dry-run", "skipped") and self.ber_visible is not False


def slug(text: str) -> str:
    """A group's name as a file name of its screenshot or trace (Swedish letters kept)."""
    return text_slug(text) or "grupp"


class _BothClocks:
    """Moves BER's and Ping Pong's mock clocks together: advancing only BER's left Ping Pong behind,
    and later runs on the mocks silently stopped reaching BER (issue 21, point 8)."""

    def __init__(self, *mocks):
        self.mocks = mocks

    def advance(self, **kwargs) -> None:
        for m in self.mocks:
            m.advance(**kwargs)


# The robot stops on its own terms (StopRequest): the driver must not close the browsers on the
# terminal's Ctrl-C, which reaches every process of the foreground group.
_OWN_SIGNALS = {"handle_sigint": False, "handle_sigterm": False, "handle_sighup": False}


def _launch(playwright, settings: Settings):
    return open_browser(playwright, headless=settings.headless, **_OWN_SIGNALS)


def _new_context(browser, settings: Settings, base_url: str, *, storage_state: Path | None = None):
    context = browser.new_context(
        base_url=base_url,
        accept_downloads=True,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        storage_state=str(storage_state) if storage_state else None,
    )
    set_timeout(context, settings.timeout_ms)  # Playwright's and every page object's
    return context


class StopRequest:
    """A person's Ctrl-C (SIGINT) or the system's SIGTERM, counted. The first: no new group is
    started, the groups in hand are finished. The second: they stop at their next safe point, before
    anything of the group is stored (a group whose storing Spara was clicked is finished either way).
    Set from the main thread's signal handler, read by the workers."""

    def __init__(self) -> None:
        self.count = 0
        self.signal: int | None = None

    def request(self, signum: int | None = None) -> int:
        self.count += 1
        self.signal = self.signal or signum
        return self.count

    @property
    def requested(self) -> bool:
        return self.count >= 1

    @property
    def at_once(self) -> bool:
        return self.count >= 2


def preflight(jobs: list[GroupJob], pp: PingPong, settings: Settings) -> dict[str, GroupHit]:
    """Look every job's grade group up in Ping Pong's "Sök grupp": one search for all groups, then
    one per course code still missing. A course code no group has is bad input (exit 2).
    Returns job key → hit, so the workers open each group straight from its link."""
    found = _search_groups(jobs, pp, settings)
    _refuse_unknown_courses(jobs, {h.course_code for h in found}, settings)
    hits: dict[str, GroupHit] = {}
    for job in jobs:
        named = {h.href: h for h in found if h.name == job.grupp and h.course_code == job.kurskod}
        if len(named) == 1:
            hits[job.key] = next(iter(named.values()))
    return hits


def _search_groups(jobs: list[GroupJob], pp: PingPong, settings: Settings) -> list[GroupHit]:
    found = pp.find_groups(group="", term=settings.term)
    codes = {j.kurskod for j in jobs}
    names = {(h.name, h.course_code) for h in found}
    for code in sorted(codes):
        if any((j.grupp, j.kurskod) not in names for j in jobs if j.kurskod == code):
            found += pp.find_groups(group=code, term=settings.term)  # the list of all may be cut short
    return found


def _refuse_unknown_courses(jobs: list[GroupJob], known: set[str], settings: Settings) -> None:
    """BadInput for each job whose course code no group shown has."""
    who = f"den sparade inloggningen ({settings.storage_state})" if settings.storage_state else settings.pingpong_user
    problems = [
        InputProblem(
            min(j.lines.values()),
            f"okänd kurskod «{j.kurskod}»: Ping Pong visar ingen betygsgrupp "
            f"i den kursen för {who}"
            f"{' under ' + settings.term if settings.term else ''}. Finns "
            "kursen, kör som Betygsadministratör: en lärare ser bara sina "
            "egna grupper.",
        )
        for j in jobs
        if j.kurskod not in known
    ]
    if problems:
        raise BadInput(sorted(problems, key=lambda p: p.line or 0))


class _WorkerLost(Exception):
    """A group failed for a reason that may have taken the browser or its driver with it: the worker
    starts a fresh one before its next group."""


@dataclass
class _WorkerState:
    """What a worker carries from one browser to the next."""

    looked_up: bool = False
    losses: int = 0  # browsers lost in a row
    job: GroupJob | None = None  # the group in hand
    carried: GroupJob | None = None  # taken, not started: the next browser's first group


class Robot:
    def __init__(
        self,
        jobs: list[GroupJob],
        settings: Settings,
        on_outcome: Callable[[Outcome], None] | None = None,
        *,
        stop: StopRequest | None = None,
        on_ber_wait: Callable[[BerWait], None] | None = None,
    ):
        self.jobs = jobs
        self.settings = settings
        self.journal: RunJournal = open_journal(
            settings.journal, jobs, run=settings.run_name, lease_seconds=settings.lease_seconds
        )
        self.on_outcome = on_outcome or (lambda o: None)
        self.on_ber_wait = on_ber_wait
        self.stop = stop or StopRequest()
        self.outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()
        self.hits: dict[str, GroupHit] = {}
        # Groups whose fate the worker could not see (it failed after starting them): re-read in
        # Ping Pong before they are reported, key → (job, the outcome so far).
        self._unsure: dict[str, tuple[GroupJob, Outcome]] = {}
        # Groups an earlier run started and never confirmed: what it found stored, if it re-read them.
        self._earlier: dict[str, dict] = {}
        self._refused: Exception | None = None
        self._start_error: str | None = None  # why the last worker gave up its browser

    # -- planning -------------------------------------------------------------------------
    def pending(self) -> list[GroupJob]:
        """Jobs not finished by an earlier run (journal) — at most ``max_groups`` of them."""
        todo = []
        for job in self.jobs:
            last = self.journal.last(job.key) or {}
            if not self.settings.dry_run and self.journal.is_finished(job.key, job.digest()):
                self._finish(
                    job,
                    Outcome(
                        job.grupp,
                        job.kurskod,
                        "skipped",
                        grades_set={},
                        catalogue=last.get("catalogue"),
                        students=len(job.grades),
                        warning="klar i en tidigare körning (journalen)",
                    ),
                )
                continue
            if last.get("status") in ("started", "unconfirmed") and last.get("digest") == job.digest():
                self._earlier[job.key] = last
            todo.append(job)
        limit = self.settings.max_groups
        if limit is not None:
            for job in todo[limit:]:  # listed, so no one reads the run as the whole term
                self._finish(
                    job,
                    Outcome(
                        job.grupp,
                        job.kurskod,
                        "not-run",
                        students=len(job.grades),
                        error=f"inte påbörjad: --max-groups {limit}; kör igen för den",
                    ),
                )
            todo = todo[:limit]
        return todo

    def _finish(self, job: GroupJob, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes[job.key] = outcome
        self.on_outcome(outcome)

    # -- running --------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        try:
            return self._run()
        finally:
            self.journal.close()

    def _run(self) -> list[Outcome]:
        todo = self.pending()
        if todo and self._ber_check_due():
            self._check_ber_login()
        if todo and not self.stop.requested:
            self._grade_all(todo)
        self._account_for_others(todo)
        if self._ber_check_due():
            self.verify_in_ber()
        return [self.outcomes[j.key] for j in self.jobs if j.key in self.outcomes]

    def _ber_check_due(self) -> bool:
        return self.settings.verify_ber and not self.settings.dry_run and not self.stop.requested

    def _grade_all(self, todo: list[GroupJob]) -> None:
        """The workers grade ``todo`` (a refusal of the whole run is raised); then the groups they
        lost track of are read again."""
        self._todo = todo
        self._ready = threading.Event()
        work = self._work_source(todo)
        threads = [
            threading.Thread(target=self._worker, args=(i, work), name=f"arbetare-{i + 1}", daemon=True)
            for i in range(max(1, min(self.settings.workers, len(todo))))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self._refused is not None:
            raise self._refused
        self._reread_unsure()

    def _work_source(self, todo: list[GroupJob]) -> Callable[[], GroupJob | None]:
        """Where the workers take their next group: the journal's queue — this process's own list,
        or the run's queue in PostgreSQL, shared with every robot process on the same run. Nothing
        once a stop is asked."""
        by_key = {j.key: j for j in todo}
        self.journal.enqueue(todo)

        def take() -> GroupJob | None:
            if self.stop.requested:
                return None
            key = self.journal.take(keys=list(by_key), stop=lambda: self.stop.requested)
            return None if key is None else by_key[key]

        return take

    def _account_for_others(self, todo: list[GroupJob]) -> None:
        """Groups this process did not grade: done or failed by another robot process on the
        shared run, else not run — because a stop was asked, or because no browser would start."""
        final = self.journal.final()
        for job in todo:
            if job.key in self.outcomes:
                continue
            status, worker, entry = final.get(job.key, (None, None, None))
            entry = entry or {}
            if status == "done":
                self._finish(
                    job,
                    Outcome(
                        job.grupp,
                        job.kurskod,
                        "skipped",
                        students=len(job.grades),
                        catalogue=entry.get("catalogue"),
                        warning=f"klar i en annan robotprocess ({worker})",
                    ),
                )
            elif status in ("failed", "conflict", "incomplete"):
                self._finish(
                    job,
                    Outcome(
                        job.grupp,
                        job.kurskod,
                        status,
                        students=len(job.grades),
                        missing_students=list(entry.get("missing_students") or []),
                        error=f"i en annan robotprocess ({worker}): {entry.get('error')}",
                    ),
                )
            elif self.stop.requested:
                self._finish(
                    job,
                    Outcome(
                        job.grupp,
                        job.kurskod,
                        "not-run",
                        students=len(job.grades),
                        error="inte påbörjad: körningen stoppades",
                    ),
                )
            else:
                why = self._start_error or "ingen arbetare kunde starta en webbläsare"
                self._finish(
                    job,
                    Outcome(job.grupp, job.kurskod, "not-run", students=len(job.grades), error=f"kördes inte: {why}"),
                )

    def _session(self, browser, *, trace: bool = True) -> tuple[BrowserContext, PingPong]:
        """A fresh context on Ping Pong, logged in (or the saved login checked), tracing from then on
        when ``trace`` (so no login form is ever in a trace)."""
        s = self.settings
        context = _new_context(browser, s, s.pingpong_url, storage_state=s.storage_state)
        pp = PingPong(
            context.new_page(),
            "",
            s.pingpong_user,
            s.pingpong_password,
            attempts=s.attempts,
            base_delay=s.retry_delay,
            saved_login=str(s.storage_state) if s.storage_state else None,
        )
        pp.login()
        if s.trace and trace:
            context.tracing.start(screenshots=False, snapshots=s.trace_snapshots)
        return context, pp

    def _look_up_groups(self, index: int, pp: PingPong) -> None:
        """The first worker looks the groups up while the others start; they wait for it."""
        if index != 0:
            self._ready.wait()
            return
        try:
            self.hits = preflight(self._todo, pp, self.settings)
        except (BadInput, SearchRefused) as exc:  # the file's courses, or --termin: nothing can be done
            self._refused = exc
        finally:
            self._ready.set()

    def _worker(self, index: int, take: Callable[[], GroupJob | None]) -> None:
        # Each thread owns its Playwright: the sync API must not be shared across threads. A browser
        # lost with a group (the driver died, the connection broke) is replaced, at most
        # ``attempts`` times in a row; a fresh one also comes every ``recycle_browser_every`` groups.
        w = _WorkerState()
        while not self.stop.requested and self._refused is None:
            w.job = None
            try:
                with sync_playwright() as p:
                    browser = _launch(p, self.settings)
                    try:
                        if self._grade_with(browser, index, take, w):
                            return  # nothing left to take
                    finally:
                        _quietly(browser.close)
            except Exception as exc:
                if not self._survive(index, exc, w):
                    return
        self._not_run_carried(w, "inte påbörjad: körningen stoppades")  # stopped while it waited for its browser

    def _grade_with(self, browser, index: int, take: Callable[[], GroupJob | None], w: _WorkerState) -> bool:
        """Groups graded in one browser until there is none left to take (True), or until it is
        time for a fresh browser or the run is refused (False)."""
        s = self.settings
        context, pp = self._session(browser)
        if not w.looked_up:
            self._look_up_groups(index, pp)
            w.looked_up = True
        graded = 0
        while self._refused is None:
            w.job, w.carried = w.carried or take(), None
            if w.job is None:
                return True
            if graded and s.recycle_browser_every and graded % s.recycle_browser_every == 0:
                w.carried, w.job = w.job, None
                return False  # a fresh browser and driver for it
            if graded and s.recycle_every and graded % s.recycle_every == 0:
                _quietly(context.close)
                context, pp = self._session(browser)
            outcome = self._grade(w.job, pp, context)
            graded += 1
            if outcome is None:  # unsure: re-read later; the browser may be gone with it
                w.job = None
                if not _alive(browser, pp):
                    raise _WorkerLost("webbläsaren eller Playwright-drivrutinen försvann")
                continue
            self._finish(w.job, outcome)
            w.job = None
            w.losses = 0
        return False

    def _survive(self, index: int, exc: Exception, w: _WorkerState) -> bool:
        """After a worker's browser failed: whether it tries a fresh one (False: the worker stops)."""
        if isinstance(exc, SavedLoginExpired) or (isinstance(exc, LoginFailed) and not w.looked_up):
            # A wrong password or an ended saved login: no worker can do anything.
            self._refused = self._refused or exc
            self._ready.set()
            return False
        message = _said(exc) if not isinstance(exc, _WorkerLost) else str(exc)
        log.error("arbetare %d: %s", index + 1, message)
        if w.job is not None:
            self._doubt(w.job, message)
        if index == 0 and not self._ready.is_set():
            self._ready.set()  # the others grade without the lookup: they search each group
            w.looked_up = True
        w.losses += 1
        if w.losses < max(1, self.settings.attempts):
            return True
        self._start_error = message
        self._not_run_carried(w, f"kördes inte: webbläsaren kunde inte startas ({message})")
        return False  # the groups left are reported as not run (or stay in the shared queue)

    def _not_run_carried(self, w: _WorkerState, error: str) -> None:
        """The group a worker took but never started is reported as not run, saying why."""
        job = w.carried
        if job is not None:
            self._finish(job, Outcome(job.grupp, job.kurskod, "not-run", students=len(job.grades), error=error))

    def _doubt(self, job: GroupJob, partial: Outcome | str) -> None:
        """``job``'s fate is not known: what went wrong (its outcome so far, with any trace and
        screenshot, or just the words) waits for the re-read."""
        if isinstance(partial, str):
            partial = Outcome(job.grupp, job.kurskod, "failed", students=len(job.grades), error=partial)
        with self._lock:
            self._unsure.setdefault(job.key, (job, partial))

    def _grade(self, job: GroupJob, pp: PingPong, context) -> Outcome | None:
        """The group's outcome, or None when the worker cannot know it (a failure that is not Ping
        Pong's refusal, after the group was opened): the group is then re-read before it is reported
        (:meth:`_reread_unsure`), and the worker checks that its browser still answers."""
        s = self.settings
        out = Outcome(job.grupp, job.kurskod, "failed", students=len(job.grades))
        self.journal.record(job.key, "started", digest=job.digest())
        if s.trace:
            context.tracing.start_chunk(title=job.grupp)
        started = time.perf_counter()
        target = self.hits.get(job.key) or job.grupp
        unsure: Exception | None = None

        def grade():
            return pp.grade_group(
                target,
                job.grades,
                lock=s.lock,
                teachers=list(job.teachers),
                course_code=job.kurskod,
                dry_run=s.dry_run,
                term=s.term,
                screenshot_dir=s.out_dir / "skärmbilder" if s.dry_run else None,
                stop=lambda: self.stop.at_once,
            )

        try:
            try:
                result = grade()
            except StaleForm:
                # Someone saved the group meanwhile; the plan is made again from what they saved
                # (their locked grades count as done or as a conflict), once.
                result = grade()
            self._read_result(job, result, pp, out)
        except Stopped as exc:
            out.status, out.error = "stopped", str(exc)
        except GradeConflict as exc:
            out.status, out.error = "conflict", str(exc)
        except BusinessError as exc:
            # The system's refusal in its own words: it says what happened.
            out.status, out.error = "failed", str(exc)
        except Exception as exc:
            unsure = exc
            out.error = f"{type(exc).__name__}: {exc}"
        out.seconds = round(time.perf_counter() - started, 3)
        failed = out.status in ("failed", "conflict")
        if failed:
            with contextlib.suppress(Exception):  # a dead page cannot be photographed; the trace still helps
                shot = s.out_dir / "fel" / f"{slug(job.grupp)}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                pp.page.screenshot(path=str(shot), full_page=True)
                out.screenshot = str(shot)
        if s.trace:
            with contextlib.suppress(Exception):  # a lost driver takes the trace with it
                if failed or s.keep_traces:
                    path = s.out_dir / "spår" / f"{slug(job.grupp)}.zip"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    context.tracing.stop_chunk(path=str(path))
                    # safety net: the chunk records the session cookie (and the login if it is in it)
                    scrub_trace_zip(path, [s.pingpong_password, s.ber_password, *cookie_values(context)])
                    out.trace = str(path)
                else:
                    context.tracing.stop_chunk()
        if unsure is not None:
            self._doubt(job, out)
            return None
        self.journal.record(
            job.key,
            "done" if out.status in ("done", "already") else out.status,
            digest=job.digest(),
            grades_set=out.grades_set,
            already=out.already,
            catalogue=out.catalogue,
            error=out.error,
            seconds=out.seconds,
            missing_students=out.missing_students,
        )
        return out

    def _read_result(self, job: GroupJob, result, pp: PingPong, out: Outcome) -> None:
        s = self.settings
        # The journal and the report keep their 12-digit keys (a rerun reads older journals).
        out.grades_set, out.already = result.set.by_digits(), result.already.by_digits()
        out.late = result.late
        out.status = "dry-run" if s.dry_run else ("already" if result.done_before else "done")
        if out.status == "already" and self._earlier.get(job.key) is not None:
            _claim_earlier(job, out)
        if result.screenshot:
            out.screenshot = str(result.screenshot)
        if s.dry_run:
            _read_dry_run(result, out, lock=s.lock)
            return
        missing = _unlocked(result.state) if s.lock else []
        if missing:
            # Not "klar": Ping Pong shows admitted students without a locked grade, so the
            # group's catalogue cannot be printed (the file lacks them, or they failed).
            out.status, out.missing_students = "incomplete", missing
            who = "antagen elev saknar" if len(missing) == 1 else "antagna elever saknar"
            out.error = (
                f"{len(missing)} {who} låst betyg: {', '.join(missing)}. "
                "Betygskatalogen kan inte skrivas ut förrän de har det."
            )
        elif result.state is not None and result.state.catalogue_ready:
            view = result.view or GradingPage(pp.page, "", name=result.group, timeout=s.timeout_ms)
            out.catalogue = str(pp.download_catalogue(view, s.out_dir / "betygskataloger"))
        elif s.lock:
            out.warning = "betygskatalogen kan inte skrivas ut än: alla antagna elever i gruppen har inte låsta betyg"

    # -- the truth after a failure ----------------------------------------------------------
    def _reread_unsure(self) -> None:
        """Each group a worker lost track of is read again in Ping Pong, with a fresh browser, and
        reported as the grading view shows it — stored but not confirmed, untouched, or (when it
        cannot be read) said so. Skipped after a second stop: then the journal's "started" makes the
        next run read them."""
        unsure = [(job, partial) for key, (job, partial) in self._unsure.items() if key not in self.outcomes]
        if not unsure:
            return
        s = self.settings
        if self.stop.at_once:
            for job, partial in unsure:
                self._report_unsure(job, partial, None, "inte omläst: körningen stoppades direkt")
            return
        try:
            with sync_playwright() as p:
                browser = _launch(p, s)
                try:
                    _, pp = self._session(browser, trace=False)
                    for job, partial in unsure:
                        try:
                            state = pp.group_state(self.hits.get(job.key) or job.grupp, term=s.term)
                        except Exception as exc:
                            self._report_unsure(job, partial, None, _said(exc))
                        else:
                            self._report_unsure(job, partial, state, None)
                finally:
                    _quietly(browser.close)
        except Exception as exc:
            for job, partial in unsure:
                if job.key not in self.outcomes:
                    self._report_unsure(job, partial, None, _said(exc))

    def _report_unsure(self, job: GroupJob, partial: Outcome, state: GradingState | None, unread: str | None) -> None:
        s = self.settings
        out = partial
        why = partial.error or "okänt fel"
        out.status = "failed"
        if state is None:
            out.error = (
                f"{why} — gruppen kunde inte läsas om ({unread}): se efter i Ping Pong om betygen "
                "sparades; nästa körning läser om gruppen innan den gör något"
            )
            status = "started"  # the next run re-reads it
        else:
            stored = {
                p: g
                for p, g in job.grades.items()
                if (row := state.student(p)) is not None and row.grade == g and (row.locked or not s.lock)
            }
            out.late = state.late
            if len(stored) == len(job.grades):
                out.status, out.grades_set = "unconfirmed", stored
                out.error = (
                    f"{why} — Ping Pong visar alla {len(stored)} betyg "
                    f"{'låsta' if s.lock else 'sparade'} som filen säger, men roboten hann inte "
                    "bekräfta gruppen (ingen katalog hämtad); kör igen så bekräftas den"
                )
            elif stored:
                out.grades_set = stored
                out.error = (
                    f"{why} — Ping Pong visar {len(stored)} av {len(job.grades)} betyg som filen "
                    "säger; kör igen så sätts resten"
                )
            else:
                out.error = f"{why} — Ping Pong visar gruppen orörd: inget av filens betyg sparades"
            status = out.status
        self.journal.record(
            job.key, status, digest=job.digest(), grades_set=out.grades_set, error=out.error, reread=state is not None
        )
        self._finish(job, out)

    # -- BER ------------------------------------------------------------------------------
    def _ber_session(self, p):
        s = self.settings
        browser = _launch(p, s)
        context = _new_context(browser, s, s.ber_url)
        ber = Ber(
            context.new_page(), "", s.ber_user, s.ber_password, attempts=s.attempts, base_delay=s.retry_delay
        ).login()
        return browser, ber

    def _check_ber_login(self) -> None:
        """--verify-ber logs in to BER after every grade is locked: a wrong BER password is found
        before anything is stored, not after (LoginFailed, raised from run())."""
        with sync_playwright() as p:
            browser, _ = self._ber_session(p)
            _quietly(browser.close)

    def verify_in_ber(self) -> None:
        s = self.settings
        expected = self._expected_in_ber()
        if not expected:
            return
        mock = _BothClocks(MockControl(s.ber_url), MockControl(s.pingpong_url)) if s.advance_mock_clock else None
        missing: set[str] = set()
        error = None
        try:
            with sync_playwright() as p:
                browser, ber = self._ber_session(p)
                try:
                    ber.wait_until_visible(
                        [e for lst in expected.values() for e in lst],
                        timeout=timedelta(minutes=s.ber_timeout_minutes),
                        mock=mock,
                        stop=lambda: self.stop.requested,
                        on_wait=self.on_ber_wait,
                    )
                finally:
                    _quietly(browser.close)
        except Stopped as exc:
            for key in expected:  # not known either way: said, not guessed
                outcome = self.outcomes[key]
                outcome.warning = (outcome.warning + "; " if outcome.warning else "") + str(exc)
            return
        except NotVisibleInBer as exc:
            missing = set(exc.missing)
            error = str(exc)
        except Exception as exc:
            error = f"BER: {_said(exc)}"
            missing = {"*"}
        self._mark_ber_visibility(expected, missing, error)

    def _expected_in_ber(self) -> dict[str, list[ExpectedGrade]]:
        """Job key → the grades BER should show, for each group whose grades were locked."""
        s = self.settings
        expected: dict[str, list[ExpectedGrade]] = {}
        for job in self.jobs:
            outcome = self.outcomes.get(job.key)
            # An incomplete group's grades were stored and locked too: they must reach BER.
            if outcome and outcome.status in ("done", "already", "skipped", "incomplete", "unconfirmed") and s.lock:
                expected[job.key] = [ExpectedGrade(job.grupp, p, job.kurskod, g) for p, g in job.grades.items()]
        return expected

    def _mark_ber_visibility(
        self, expected: dict[str, list[ExpectedGrade]], missing: set[str], error: str | None
    ) -> None:
        """Each group's ``ber_visible``; the error of one with grades missing ("*": all are)."""
        for key, items in expected.items():
            outcome = self.outcomes[key]
            gone = [
                e
                for e in items
                if "*" in missing or f"{display_personnummer(e.personnummer)} {e.course_code} {e.grade}" in missing
            ]
            outcome.ber_visible = not gone
            if gone:
                outcome.error = (outcome.error + "; " if outcome.error else "") + (error or "syns inte i BER")


def _claim_earlier(job: GroupJob, out: Outcome) -> None:
    """An earlier run stored these and stopped before it could confirm them: they are ours."""
    mine = {p: g for p, g in out.already.items() if job.grades.get(p) == g}
    out.status, out.grades_set = "done", mine
    out.already = {p: g for p, g in out.already.items() if p not in mine}
    out.warning = "sparade av en tidigare körning som inte hann bekräfta dem; bekräftade nu"


def _unlocked(state: GradingState | None, skip: dict[str, str] | None = None) -> list[str]:
    """The admitted students the grading view shows without a locked grade ("namn (personnummer)"),
    but those in ``skip`` (12 digits)."""
    return [
        f"{st.name} ({st.personnummer})"
        for st in (state.students if state else [])
        if not st.locked and (skip is None or only_digits(st.personnummer) not in skip)
    ]


def _read_dry_run(result, out: Outcome, *, lock: bool) -> None:
    """A dry run's outcome: what the summary would set, and the students it would leave without a grade."""
    if result.summary is not None:
        out.would_set = {only_digits(r.personnummer): r.grade for r in result.summary.rows}
        out.teachers = list(result.summary.teachers)
    # What the real run would find: admitted students the file leaves without a grade.
    left = _unlocked(result.state, skip=out.would_set) if lock else []
    if left:
        out.missing_students = left
        who = "antagen elev" if len(left) == 1 else "antagna elever"
        out.warning = (
            f"{len(left)} {who} utan betyg i filen: {', '.join(left)}. Gruppen skulle bli "
            "ofullständig och betygskatalogen gick inte att skriva ut."
        )


def _said(exc: BaseException) -> str:
    """An error in the system's words, or with its kind for a developer."""
    return str(exc) if isinstance(exc, BusinessError) else f"{type(exc).__name__}: {exc}"


def _alive(browser, pp: PingPong) -> bool:
    """The browser and its driver still answer."""
    try:
        return browser.is_connected() and not pp.page.is_closed() and pp.page.evaluate("1") == 1
    except Exception:
        return False


def _quietly(action: Callable[[], object]) -> None:
    """Closing what may already be gone (a dead driver, a closed browser) is not a new failure."""
    with contextlib.suppress(Exception):
        action()

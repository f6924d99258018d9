"""Running the jobs: preflight search, N workers (one browser each), journal, BER check."""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

from betyg_harness.flows.ber import ExpectedGrade
from betyg_harness.flows.browser import open_browser
from betyg_harness.flows.errors import BusinessError, GradeConflict, NotVisibleInBer, StaleForm
from betyg_harness.flows.mockctl import MockControl
from betyg_harness.flows.models import GroupHit
from betyg_harness.flows.pages.base import set_timeout
from betyg_harness.flows.pages.pingpong import GradingPage
from betyg_harness.flows.robot.csvinput import BadInput, GroupJob, InputProblem
from betyg_harness.flows.robot.journal import Journal
from betyg_harness.flows.robot.pgqueue import PgJournal, is_postgres_url, run_fingerprint
from betyg_harness.flows.robot.privacy import cookie_values, scrub_trace_zip
from betyg_harness.flows.session import Ber, PingPong
from betyg_harness.text import only_digits

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
    status: str  # done | already | incomplete | dry-run | conflict | failed | skipped | not-run
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
    return re.sub(r"[^A-Za-z0-9ÅÄÖåäö_-]+", "_", text).strip("_") or "grupp"


class _BothClocks:
    """Moves BER's and Ping Pong's mock clocks together: advancing only BER's left Ping Pong behind,
    and later runs on the mocks silently stopped reaching BER (issue 21, point 8)."""

    def __init__(self, *mocks):
        self.mocks = mocks

    def advance(self, **kwargs) -> None:
        for m in self.mocks:
            m.advance(**kwargs)


def _new_context(browser, settings: Settings, base_url: str):
    context = browser.new_context(base_url=base_url, accept_downloads=True, locale="sv-SE",
                                  timezone_id="Europe/Stockholm")
    set_timeout(context, settings.timeout_ms)  # Playwright's and every page object's
    return context


def preflight(jobs: list[GroupJob], pp: PingPong, settings: Settings) -> dict[str, GroupHit]:
    """Look every job's grade group up in Ping Pong's "Sök grupp": one search for all groups, then
    one per course code still missing. A course code no group has is bad input (exit 2).
    Returns job key → hit, so the workers open each group straight from its link."""
    found = pp.find_groups(group="", term=settings.term)
    codes = {j.kurskod for j in jobs}
    names = {(h.name, h.course_code) for h in found}
    for code in sorted(codes):
        if any((j.grupp, j.kurskod) not in names for j in jobs if j.kurskod == code):
            found += pp.find_groups(group=code, term=settings.term)  # the list of all may be cut short
    known = {h.course_code for h in found}
    problems = [InputProblem(min(j.lines.values()), f"okänd kurskod «{j.kurskod}»: Ping Pong har ingen "
                                                    "betygsgrupp i den kursen.")
                for j in jobs if j.kurskod not in known]
    if problems:
        raise BadInput(sorted(problems, key=lambda p: p.line or 0))
    hits: dict[str, GroupHit] = {}
    for job in jobs:
        named = {h.href: h for h in found if h.name == job.grupp and h.course_code == job.kurskod}
        if len(named) == 1:
            hits[job.key] = next(iter(named.values()))
    return hits


class Robot:
    def __init__(self, jobs: list[GroupJob], settings: Settings,
                 on_outcome: Callable[[Outcome], None] | None = None):
        self.jobs = jobs
        self.settings = settings
        if is_postgres_url(settings.journal):
            self.journal = PgJournal(settings.journal, run=settings.run_name, lease_seconds=settings.lease_seconds)
            self.journal.run = self.journal.run or run_fingerprint(jobs)
        else:
            self.journal = Journal(settings.journal)
        self.on_outcome = on_outcome or (lambda o: None)
        self.outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()
        self.hits: dict[str, GroupHit] = {}

    # -- planning -------------------------------------------------------------------------
    def pending(self) -> list[GroupJob]:
        """Jobs not finished by an earlier run (journal) — at most ``max_groups`` of them."""
        todo = []
        for job in self.jobs:
            if not self.settings.dry_run and self.journal.is_finished(job.key, job.digest()):
                last = self.journal.last(job.key)
                self._finish(job, Outcome(job.grupp, job.kurskod, "skipped", grades_set={},
                                          catalogue=last.get("catalogue"), students=len(job.grades),
                                          warning="klar i en tidigare körning (journalen)"))
                continue
            todo.append(job)
        if self.settings.max_groups is not None:
            todo = todo[: self.settings.max_groups]
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
            if isinstance(self.journal, PgJournal):
                self.journal.close()

    def _run(self) -> list[Outcome]:
        todo = self.pending()
        if todo:
            self._todo = todo
            self._ready = threading.Event()
            self._bad_input: BadInput | None = None
            work = self._work_source(todo)
            threads = [threading.Thread(target=self._worker, args=(i, work), name=f"arbetare-{i + 1}", daemon=True)
                       for i in range(max(1, min(self.settings.workers, len(todo))))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if self._bad_input is not None:
                raise self._bad_input
            self._account_for_others(todo)
        if self.settings.verify_ber and not self.settings.dry_run:
            self.verify_in_ber()
        return [self.outcomes[j.key] for j in self.jobs if j.key in self.outcomes]

    def _work_source(self, todo: list[GroupJob]) -> Callable[[], GroupJob | None]:
        """Where the workers take their next group: this process's own list, or the run's queue
        in PostgreSQL, shared with every robot process on the same run."""
        if isinstance(self.journal, PgJournal):
            by_key = {j.key: j for j in todo}
            self.journal.enqueue(todo)

            def take() -> GroupJob | None:
                key = self.journal.take(keys=list(by_key))
                return None if key is None else by_key[key]
            return take
        work: queue.Queue[GroupJob] = queue.Queue()
        for job in todo:
            work.put(job)

        def take_local() -> GroupJob | None:
            try:
                return work.get_nowait()
            except queue.Empty:
                return None
        return take_local

    def _account_for_others(self, todo: list[GroupJob]) -> None:
        """Groups this process did not grade: done or failed by another robot process on the
        shared run, else not run."""
        final = self.journal.final() if isinstance(self.journal, PgJournal) else {}
        for job in todo:
            if job.key in self.outcomes:
                continue
            status, worker, entry = final.get(job.key, (None, None, None))
            entry = entry or {}
            if status == "done":
                self._finish(job, Outcome(job.grupp, job.kurskod, "skipped", students=len(job.grades),
                                          catalogue=entry.get("catalogue"),
                                          warning=f"klar i en annan robotprocess ({worker})"))
            elif status in ("failed", "conflict", "incomplete"):
                self._finish(job, Outcome(job.grupp, job.kurskod, status, students=len(job.grades),
                                          missing_students=list(entry.get("missing_students") or []),
                                          error=f"i en annan robotprocess ({worker}): {entry.get('error')}"))
            else:
                self._finish(job, Outcome(job.grupp, job.kurskod, "not-run", students=len(job.grades),
                                          error="kördes inte (arbetaren kunde inte starta)"))

    def _worker(self, index: int, take: Callable[[], GroupJob | None]) -> None:
        # Each thread owns its Playwright: the sync API must not be shared across threads.
        s = self.settings
        try:
            with sync_playwright() as p:
                browser = open_browser(p, headless=s.headless)
                try:
                    context = _new_context(browser, s, s.pingpong_url)
                    if s.trace:
                        context.tracing.start(screenshots=False, snapshots=s.trace_snapshots)
                    page = context.new_page()
                    pp = PingPong(page, "", s.pingpong_user, s.pingpong_password, attempts=s.attempts,
                                  base_delay=s.retry_delay).login()
                    if index == 0:  # the first worker looks the groups up while the others start
                        try:
                            self.hits = preflight(self._todo, pp, s)
                        except BadInput as exc:
                            self._bad_input = exc
                        finally:
                            self._ready.set()
                    else:
                        self._ready.wait()
                    if self._bad_input is not None:
                        return
                    while (job := take()) is not None:
                        self._finish(job, self._grade(job, pp, context))
                finally:
                    browser.close()
        except Exception as exc:  # the browser or the login: the jobs left are reported as not run
            log.error("arbetare %d: %s", index + 1, exc)
            if index == 0 and not self._ready.is_set():
                self._ready.set()  # the others grade without the lookup: they search each group
            if isinstance(self.journal, PgJournal):
                return  # the queue keeps the run's groups for the other workers and processes
            while (job := take()) is not None:
                self._finish(job, Outcome(job.grupp, job.kurskod, "not-run", students=len(job.grades),
                                          error=f"{type(exc).__name__}: {exc}"))

    def _grade(self, job: GroupJob, pp: PingPong, context) -> Outcome:
        s = self.settings
        out = Outcome(job.grupp, job.kurskod, "failed", students=len(job.grades))
        self.journal.record(job.key, "started", digest=job.digest())
        if s.trace:
            context.tracing.start_chunk(title=job.grupp)
        started = time.perf_counter()
        target = self.hits.get(job.key) or job.grupp
        def grade():
            return pp.grade_group(target, job.grades, lock=s.lock, teachers=list(job.teachers),
                                  course_code=job.kurskod, dry_run=s.dry_run, term=s.term,
                                  screenshot_dir=s.out_dir / "skärmbilder" if s.dry_run else None)
        try:
            try:
                result = grade()
            except StaleForm:
                # Someone saved the group meanwhile; the plan is made again from what they saved
                # (their locked grades count as done or as a conflict), once.
                result = grade()
            # The journal and the report keep their 12-digit keys (a rerun reads older journals).
            out.grades_set, out.already = result.set.by_digits(), result.already.by_digits()
            out.late = result.late
            out.status = "dry-run" if s.dry_run else ("already" if result.done_before else "done")
            if result.screenshot:
                out.screenshot = str(result.screenshot)
            if s.dry_run and result.summary is not None:
                out.would_set = {only_digits(r.personnummer): r.grade for r in result.summary.rows}
                out.teachers = list(result.summary.teachers)
            if not s.dry_run:
                missing = [f"{st.name} ({st.personnummer})" for st in (result.state.students if result.state else [])
                           if not st.locked] if s.lock else []
                if missing:
                    # Not "klar": Ping Pong shows admitted students without a locked grade, so the
                    # group's catalogue cannot be printed (the file lacks them, or they failed).
                    out.status, out.missing_students = "incomplete", missing
                    out.error = (f"{len(missing)} antagna elever saknar låst betyg: {', '.join(missing)}. "
                                 "Betygskatalogen kan inte skrivas ut förrän de har det.")
                elif result.state is not None and result.state.catalogue_ready:
                    view = result.view or GradingPage(pp.page, "", name=result.group, timeout=s.timeout_ms)
                    out.catalogue = str(pp.download_catalogue(view, s.out_dir / "betygskataloger"))
                elif s.lock:
                    out.warning = ("betygskatalogen kan inte skrivas ut än: alla antagna elever i gruppen "
                                   "har inte låsta betyg")
        except GradeConflict as exc:
            out.status, out.error = "conflict", str(exc)
        except Exception as exc:
            # The system's refusal in its own words; anything else with its kind, for a developer.
            out.status = "failed"
            out.error = str(exc) if isinstance(exc, BusinessError) else f"{type(exc).__name__}: {exc}"
        out.seconds = round(time.perf_counter() - started, 3)
        failed = out.status in ("failed", "conflict")
        if failed:
            try:
                shot = s.out_dir / "fel" / f"{slug(job.grupp)}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                pp.page.screenshot(path=str(shot), full_page=True)
                out.screenshot = str(shot)
            except Exception:  # a dead page cannot be photographed; the trace still helps
                pass
        if s.trace:
            if failed or s.keep_traces:
                path = s.out_dir / "spår" / f"{slug(job.grupp)}.zip"
                path.parent.mkdir(parents=True, exist_ok=True)
                context.tracing.stop_chunk(path=str(path))
                # safety net: the chunk records the session cookie (and the login if it is in it)
                scrub_trace_zip(path, [s.pingpong_password, s.ber_password, *cookie_values(context)])
                out.trace = str(path)
            else:
                context.tracing.stop_chunk()
        self.journal.record(job.key, "done" if out.status in ("done", "already") else out.status,
                            digest=job.digest(), grades_set=out.grades_set, already=out.already,
                            catalogue=out.catalogue, error=out.error, seconds=out.seconds,
                            missing_students=out.missing_students)
        return out

    # -- BER ------------------------------------------------------------------------------
    def verify_in_ber(self) -> None:
        s = self.settings
        expected: dict[str, list[ExpectedGrade]] = {}
        for job in self.jobs:
            outcome = self.outcomes.get(job.key)
            # An incomplete group's grades were stored and locked too: they must reach BER.
            if outcome and outcome.status in ("done", "already", "skipped", "incomplete") and s.lock:
                expected[job.key] = [ExpectedGrade(job.grupp, p, job.kurskod, g) for p, g in job.grades.items()]
        if not expected:
            return
        mock = _BothClocks(MockControl(s.ber_url), MockControl(s.pingpong_url)) if s.advance_mock_clock else None
        missing: set[str] = set()
        error = None
        try:
            with sync_playwright() as p:
                browser = open_browser(p, headless=s.headless)
                try:
                    context = _new_context(browser, s, s.ber_url)
                    ber = Ber(context.new_page(), "", s.ber_user, s.ber_password, attempts=s.attempts,
                              base_delay=s.retry_delay).login()
                    ber.wait_until_visible([e for lst in expected.values() for e in lst],
                                           timeout=timedelta(minutes=s.ber_timeout_minutes), mock=mock)
                finally:
                    browser.close()
        except NotVisibleInBer as exc:
            missing = set(exc.missing)
            error = str(exc)
        except Exception as exc:
            error = f"BER: {type(exc).__name__}: {exc}"
            missing = {"*"}
        for key, items in expected.items():
            outcome = self.outcomes[key]
            from betyg_harness.flows.scales import display_personnummer
            gone = [e for e in items if "*" in missing or
                    f"{display_personnummer(e.personnummer)} {e.course_code} {e.grade}" in missing]
            outcome.ber_visible = not gone
            if gone:
                outcome.error = (outcome.error + "; " if outcome.error else "") + (error or "syns inte i BER")

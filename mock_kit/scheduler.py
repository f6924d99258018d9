"""Periodic jobs on the mock clock.

Jobs run as mock time passes (a background thread looks every ``tick`` real seconds) and,
when the clock is advanced, every run that fell due happens in due order with the clock
standing at its due instant, before the advance returns. A job that missed more than
``COALESCE_AFTER`` runs in one advance runs only its last ones: the mocks' jobs (the sync, the
grade import, deliveries) take up everything since their last successful run, so the skipped runs
would have done the same work in smaller pieces — and a year's jump stays a second, not 30 minutes.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from contextlib import contextmanager
from typing import Callable, ContextManager

from betyg_harness.mock_kit.clock import MockClock

log = logging.getLogger("mock_kit.scheduler")
COALESCE_AFTER = 3  # runs of one job in one advance; beyond that only the last ones run


@dataclass
class Job:
    name: str
    interval: timedelta
    func: Callable[[], object]
    next_due: datetime | None = None
    runs: int = 0
    coalesced: int = 0  # runs skipped by coalescing (they would have done the same work)
    last_error: str | None = None
    history: list = field(default_factory=list)


class Scheduler:
    """``hold`` (a lock factory) and ``load``/``save`` (the jobs' and the clock's state) make one
    scheduler of several processes: each run happens in one of them, under the lock, with the state
    read before and written after. Alone in its process it needs none of them."""

    def __init__(
        self,
        clock: MockClock,
        *,
        wrap: Callable[[Callable[[], object]], object] | None = None,
        tick: float = 0.5,
        hold: Callable[..., ContextManager[bool]] | None = None,
        load: Callable[["Scheduler"], None] | None = None,
        save: Callable[["Scheduler"], None] | None = None,
    ):
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._lock = threading.RLock()
        self._wrap = wrap or (lambda f: f())
        self._tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._hold = hold or self._hold_locally
        self.shared = load is not None  # the state lives in the database: read it before deciding anything
        self._load = load or (lambda scheduler: None)
        self._save = save or (lambda scheduler: None)

    @contextmanager
    def _hold_locally(self, *, blocking: bool = True):
        if not self._lock.acquire(blocking=blocking):
            yield False
            return
        try:
            yield True
        finally:
            self._lock.release()

    @contextmanager
    def held(self, *, blocking: bool = True):
        """The scheduler's lock with its shared state read on entry and written on exit; yields
        False (and touches nothing) when ``blocking`` is False and another holds it."""
        with self._hold(blocking=blocking) as got:
            if not got:
                yield False
                return
            self._load(self)
            try:
                yield True
            finally:
                self._save(self)

    def add_job(self, name: str, interval: timedelta, func: Callable[[], object]) -> Job | None:
        """Register a job; a zero interval means the job is not periodic (nothing is added)."""
        if interval <= timedelta(0):
            self._jobs.pop(name, None)
            return None
        job = Job(name, interval, func, next_due=self.clock.now() + interval)
        with self._lock:
            self._jobs[name] = job
        return job

    def state(self) -> dict:
        """Each job's schedule, as stored between processes."""
        return {
            j.name: {
                "next_due": j.next_due.isoformat() if j.next_due else None,
                "runs": j.runs,
                "coalesced": j.coalesced,
                "last_error": j.last_error,
            }
            for j in self._jobs.values()
        }

    def restore(self, state: dict) -> None:
        for name, item in (state or {}).items():
            job = self._jobs.get(name)
            if job is None:
                continue
            job.next_due = datetime.fromisoformat(item["next_due"]) if item.get("next_due") else None
            job.runs, job.coalesced, job.last_error = (
                item.get("runs", 0),
                item.get("coalesced", 0),
                item.get("last_error"),
            )

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def reschedule(self) -> None:
        """Start every job's interval afresh from the clock's now (after a reset or a jump); the
        caller holds :meth:`held`, which writes the new schedule."""
        with self._lock:
            now = self.clock.now()
            for job in self._jobs.values():
                job.next_due = now + job.interval

    def _run(self, job: Job, due: datetime) -> None:
        try:
            self._wrap(job.func)
            job.last_error = None
        except Exception as exc:  # a failing job must not stop the others or the clock
            job.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", job.name)
        job.runs += 1
        job.next_due = due + job.interval

    def run_due(self, *, blocking: bool = True) -> int:
        """Run every job due at the clock's now, each as often as it fell due (``blocking`` False:
        nothing, when another thread or process is running the jobs)."""
        ran = 0
        with self.held(blocking=blocking) as got:
            while got:
                now = self.clock.now()
                due_jobs = [
                    (j.next_due, j) for j in self._jobs.values() if j.next_due is not None and j.next_due <= now
                ]
                if not due_jobs:
                    break
                due, job = min(due_jobs, key=lambda pair: pair[0])
                self._run(job, due)
                ran += 1
        return ran

    def advance(self, delta: timedelta) -> list[dict]:
        """Advance the clock by ``delta``, running every due job at its own due instant."""
        ran: list[dict] = []
        with self.held():
            target = self.clock.now() + delta
            for job in self._jobs.values():
                self._coalesce(job, target, ran)
            was_frozen = self.clock.frozen
            self.clock.freeze(True)
            try:
                while True:
                    pending = [
                        (j.next_due, j) for j in self._jobs.values() if j.next_due is not None and j.next_due <= target
                    ]
                    if not pending:
                        break
                    due, job = min(pending, key=lambda pair: pair[0])
                    if due > self.clock.now():
                        self.clock.set(due)
                    self._run(job, due)
                    ran.append({"job": job.name, "at": due.isoformat()})
                self.clock.set(target)
            finally:
                self.clock.freeze(was_frozen)
        return ran

    @staticmethod
    def _coalesce(job: Job, target: datetime, ran: list[dict]) -> None:
        if job.next_due is None or job.next_due > target:
            return
        due_runs = (target - job.next_due) // job.interval + 1
        if due_runs <= COALESCE_AFTER:
            return
        skipped = due_runs - COALESCE_AFTER
        job.next_due += skipped * job.interval
        job.coalesced += skipped
        ran.append({"job": job.name, "coalesced": skipped, "from": job.next_due.isoformat()})

    # -- background thread ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mock-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            if self.shared or not self.clock.frozen:
                self.run_due(blocking=False)

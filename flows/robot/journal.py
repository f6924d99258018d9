"""The run journal: one JSON line per event, so a rerun continues where the last one stopped.

A group is finished when its latest entry is ``done`` for the same request (same digest);
``started`` without an outcome means the run stopped inside the group — the rerun re-reads the
grading view, which shows whether the save went through, so no grade is ever set twice.

The robot speaks to its journal through :class:`RunJournal`: this file (:class:`Journal`), or the
PostgreSQL queue that several robot processes share (:class:`~.pgqueue.PgJournal`);
:func:`open_journal` opens the one its setting names.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from betyg_harness.flows.robot.csvinput import GroupJob

FINISHED = {"done"}

# key → (status, worker, outcome entry): how each group of a shared run ended.
Final = dict[str, tuple[str, str | None, dict | None]]


class RunJournal(Protocol):
    """What the robot asks of its journal: what earlier runs did (``last``, ``is_finished``), what
    happens now (``record``), and the work queue its workers take groups from (``enqueue``,
    ``take``, ``final``). Thread-safe: the robot's worker threads share one."""

    @property
    def entries(self) -> list[dict]: ...

    def last(self, key: str) -> dict | None: ...

    def is_finished(self, key: str, digest: str) -> bool: ...

    def record(self, key: str, status: str, **fields: Any) -> dict: ...

    def enqueue(self, jobs: Sequence[GroupJob]) -> None:
        """The groups to grade, in order."""

    def take(self, *, keys: list[str] | None = None, stop: Callable[[], bool] | None = None) -> str | None:
        """The next group's key, among ``keys`` when given; None when none is left (or ``stop()``)."""

    def final(self) -> Final:
        """How the groups that other robot processes took ended."""

    def close(self) -> None: ...


def open_journal(
    where: Path | str, jobs: Sequence[GroupJob], *, run: str | None = None, lease_seconds: float | None = None
) -> RunJournal:
    """The journal ``where`` names: a postgresql:// URL opens the shared queue (its run named
    ``run``, else the fingerprint of ``jobs``), anything else the JSONL file."""
    # pgqueue reads FINISHED from here, so it is imported only when asked for.
    from betyg_harness.flows.robot.pgqueue import PgJournal, is_postgres_url, run_fingerprint

    if is_postgres_url(where):
        journal = PgJournal(where, run=run, lease_seconds=lease_seconds)
        journal.run = journal.run or run_fingerprint(jobs)
        return journal
    return Journal(where)


class Journal:
    """The journal as a JSONL file, for one robot process: its work queue is this process's own list."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._last: dict[str, dict] = {}
        self.entries: list[dict] = []
        self._queue: deque[str] = deque()
        if self.path.exists():
            for raw in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(raw)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash: that event did not complete
                if isinstance(entry, dict) and "group" in entry:
                    self.entries.append(entry)
                    self._last[entry["group"]] = entry

    def last(self, key: str) -> dict | None:
        return self._last.get(key)

    def is_finished(self, key: str, digest: str) -> bool:
        entry = self._last.get(key)
        return bool(entry and entry.get("status") in FINISHED and entry.get("digest") == digest)

    def record(self, key: str, status: str, **fields) -> dict:
        entry = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "group": key,
            "status": status,
            **fields,
        }
        line = json.dumps(entry, ensure_ascii=False, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            self.entries.append(entry)
            self._last[key] = entry
        return entry

    # -- the work queue: one process, so nothing is shared and nothing needs a lease ----------
    def enqueue(self, jobs: Sequence[GroupJob]) -> None:
        with self._lock:
            self._queue = deque(job.key for job in jobs)

    def take(self, *, keys: list[str] | None = None, stop: Callable[[], bool] | None = None) -> str | None:
        if stop is not None and stop():
            return None
        with self._lock:
            while self._queue:
                key = self._queue.popleft()
                if keys is None or key in keys:
                    return key
        return None

    def final(self) -> Final:
        return {}  # no other process works on this file's run

    def close(self) -> None:
        pass  # every line is on disk as soon as it is recorded

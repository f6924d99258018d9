"""Named locks that hold across every process of one mock.

A mock served by several processes (gunicorn workers) on one database must still run each periodic
job once, keep one clock and serialise what its rules serialise (a grade's store against the grade
API's read). ``kit.locks.hold(name)`` is a lock within the process always, and — when the mock is
shared by processes — across them too: a PostgreSQL advisory lock, or a lock file beside a SQLite
database (filelock: ``flock`` on POSIX, ``msvcrt`` on Windows). Re-entrant within a thread.
"""

from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager

from filelock import FileLock, Timeout
from sqlalchemy import text


class Locks:
    def __init__(self, engine, *, shared: bool):
        self.engine = engine
        self.shared = shared
        self._local = threading.local()
        self._threads: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        url = engine.url
        self._sqlite_file = url.database if url.get_backend_name() == "sqlite" and url.database else None

    def _thread_lock(self, name: str) -> threading.RLock:
        with self._guard:
            return self._threads.setdefault(name, threading.RLock())

    def _depths(self) -> dict[str, int]:
        if not hasattr(self._local, "depths"):
            self._local.depths = {}
        return self._local.depths

    @contextmanager
    def hold(self, name: str, *, blocking: bool = True):
        """Hold ``name``; yields True, or — with ``blocking=False`` — False at once when another
        thread or process holds it (the body then runs without the lock: check the value)."""
        lock = self._thread_lock(name)
        if not lock.acquire(blocking=blocking):
            yield False
            return
        depths = self._depths()
        outer = depths.get(name, 0) == 0
        depths[name] = depths.get(name, 0) + 1
        release = None
        try:
            if outer and self.shared:
                release = self._acquire_across(name, blocking)
                if release is None:
                    yield False
                    return
            yield True
        finally:
            if release is not None:
                release()
            depths[name] -= 1
            lock.release()

    def _acquire_across(self, name: str, blocking: bool):
        backend = self.engine.url.get_backend_name()
        if backend == "postgresql":
            key = zlib.crc32(f"betyg:{self.engine.url.database}:{name}".encode()) - 2**31
            conn = self.engine.connect()
            if blocking:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                conn.close()
                return None
            conn.commit()

            def release_pg():
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
                finally:
                    conn.close()

            return release_pg
        if self._sqlite_file:
            # A lock object of its own each time: the thread lock above already serialises this
            # process, so the file only has to exclude the other processes.
            lock = FileLock(f"{self._sqlite_file}.{name}.lock", mode=0o600, thread_local=False, is_singleton=False)
            try:
                lock.acquire(timeout=-1 if blocking else 0)
            except Timeout:
                return None
            return lock.release
        return lambda: None  # another database: within the process only (documented)

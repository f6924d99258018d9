"""The request journal: every request a mock received, newest last, for tests to inspect."""
from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import deque


class Journal:
    def __init__(self, capacity: int = 20_000):
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: dict) -> dict:
        with self._lock:
            entry = {"id": next(self._ids), **entry}
            self._entries.append(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self, *, method: str | None = None, path: str | None = None,
                since: int | None = None) -> list[dict]:
        """Entries matching ``method`` and ``path`` (a glob such as ``/ss12000/*``, or a prefix)."""
        with self._lock:
            items = list(self._entries)
        if method:
            items = [e for e in items if e["method"] == method.upper()]
        if path:
            pattern = path if any(c in path for c in "*?[") else path + "*"
            items = [e for e in items if fnmatch.fnmatchcase(e["path"], pattern)]
        if since is not None:
            items = [e for e in items if e["id"] > since]
        return items

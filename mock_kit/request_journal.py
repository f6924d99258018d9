"""The request journal (WireMock's word): every request a mock received, newest last, for tests to
inspect at ``/_mock/journal``. Not the robot's resume log (flows.robot.journal)."""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import deque


class RequestJournal:
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

    def entries(self, *, method: str | None = None, path: str | None = None, since: int | None = None) -> list[dict]:
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


class SharedRequestJournal:
    """The journal in the database, for a mock served by several processes: every process records
    into one table, and ``/_mock/journal`` in any of them shows all of it. Same interface."""

    def __init__(self, db, capacity: int = 20_000):
        from betyg_harness.mock_kit.db import mock_journal

        self._db, self._table, self._capacity = db, mock_journal, capacity
        self._since_trim = 0

    def record(self, entry: dict) -> dict:
        from sqlalchemy import delete, func, select

        with self._db.engine.begin() as conn:
            new_id = conn.execute(self._table.insert().values(entry=entry)).inserted_primary_key[0]
            self._since_trim += 1
            if self._since_trim >= 500:  # keep the newest ``capacity`` entries, as the in-memory deque does
                self._since_trim = 0
                newest = conn.execute(select(func.max(self._table.c.id))).scalar() or 0
                conn.execute(delete(self._table).where(self._table.c.id <= newest - self._capacity))
        return {"id": new_id, **entry}

    def clear(self) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(self._table.delete())

    def entries(self, *, method: str | None = None, path: str | None = None, since: int | None = None) -> list[dict]:
        from sqlalchemy import select

        query = select(self._table.c.id, self._table.c.entry).order_by(self._table.c.id)
        if since is not None:
            query = query.where(self._table.c.id > since)
        with self._db.engine.connect() as conn:
            items = [{"id": i, **e} for i, e in conn.execute(query)]
        if method:
            items = [e for e in items if e["method"] == method.upper()]
        if path:
            pattern = path if any(c in path for c in "*?[") else path + "*"
            items = [e for e in items if fnmatch.fnmatchcase(e["path"], pattern)]
        return items

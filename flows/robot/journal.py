"""The run journal: one JSON line per event, so a rerun continues where the last one stopped.

A group is finished when its latest entry is ``done`` for the same request (same digest);
``started`` without an outcome means the run stopped inside the group — the rerun re-reads the
grading view, which shows whether the save went through, so no grade is ever set twice.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

FINISHED = {"done"}


class Journal:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._last: dict[str, dict] = {}
        self.entries: list[dict] = []
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

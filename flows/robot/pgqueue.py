"""The run journal in PostgreSQL, and the grade groups as a work queue shared by robot processes.

``betygsrobot grade --journal postgresql://user@host/db`` on several machines with the same CSV:
every process puts the file's groups into ``betygsrobot_queue`` (one row per run and group, done
once: ``ON CONFLICT DO NOTHING``), then takes one pending group at a time with
``SELECT … FOR UPDATE SKIP LOCKED`` — so no two processes take the same group — and holds it
under a lease that a heartbeat renews while it grades. A process that dies stops renewing; once
its lease has expired (``--lease``, default 120 s) another process takes the group over, re-reads
the grading view (which shows whether the save went through) and finishes it, so no grade is set
twice. Every event also goes into ``betygsrobot_journal`` (the JSONL journal's lines, as rows).
A process ends when no group of the run is pending or held by a live lease, so each process's
report and exit code cover the whole run.

The run is named by ``--run`` (or ``?run=`` in the URL); by default it is a fingerprint of the
file's groups and grades, so the same CSV on several machines is one run without any naming.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from betyg_harness.flows.robot.journal import FINISHED

TERMINAL = ("done", "already", "incomplete", "failed", "conflict", "dry-run", "not-run")
RELEASED = ("stopped", "unconfirmed")
SCHEMA = """
CREATE TABLE IF NOT EXISTS betygsrobot_queue (
    run text NOT NULL,
    key text NOT NULL,
    ord integer NOT NULL,
    digest text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    worker text,
    lease_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    outcome jsonb,
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run, key)
);
CREATE TABLE IF NOT EXISTS betygsrobot_journal (
    id bigserial PRIMARY KEY,
    run text NOT NULL,
    key text NOT NULL,
    ts timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL,
    worker text,
    entry jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS betygsrobot_journal_run_key ON betygsrobot_journal (run, key, id);
"""
_SCHEMA_LOCK = 0x6265_7479  # advisory lock: concurrent CREATE TABLE IF NOT EXISTS can collide


def is_postgres_url(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.split("://", 1)[0] in ("postgresql", "postgres")


def _only(row: tuple[Any, ...] | None) -> Any:
    """The value of a query that always answers one row of one column (now(), count(*))."""
    assert row is not None
    return row[0]


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """The connection URL without our own parameters (``run``, ``lease``), and those."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    ours: dict[str, str] = {k: query.pop(k) for k in ("run", "lease") if k in query}
    return urlunsplit(parts._replace(query=urlencode(query))), ours


def run_fingerprint(jobs) -> str:
    body = json.dumps(sorted((j.key, j.digest()) for j in jobs))
    return "csv-" + hashlib.sha256(body.encode()).hexdigest()[:12]


class PgJournal:
    """The journal (:class:`~.journal.RunJournal`: ``is_finished``, ``last``, ``record``, ``entries``)
    with the queue shared by processes (``enqueue``, ``take``, ``final``). Thread-safe: the robot's
    worker threads share one."""

    def __init__(
        self, url: str, *, run: str | None = None, lease_seconds: float | None = None, poll_seconds: float = 0.25
    ):
        import psycopg  # optional: the "scale" extra
        from psycopg.types.json import Jsonb

        self._Jsonb = Jsonb
        dsn, ours = split_url(url)
        self.run = run or ours.get("run")
        self.lease = float(lease_seconds or ours.get("lease") or 120)
        self.poll = poll_seconds
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = threading.RLock()
        self._conn = psycopg.connect(dsn, autocommit=True, application_name="betygsrobot")
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            self._conn.execute(SCHEMA)
            self._started = _only(self._conn.execute("SELECT now()").fetchone())
        self._held: set[str] = set()
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._renew, name="betygsrobot-lease", daemon=True)
        self._heartbeat.start()

    # -- the journal ------------------------------------------------------------------------
    def _q(self, sql: str, params=()):
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def is_finished(self, key: str, digest: str) -> bool:
        rows = self._q("SELECT status, digest FROM betygsrobot_queue WHERE run = %s AND key = %s", (self.run, key))
        if rows:
            return rows[0][0] in FINISHED | {"already"} and rows[0][1] == digest
        entry = self.last(key)
        return bool(entry and entry.get("status") in FINISHED and entry.get("digest") == digest)

    def last(self, key: str) -> dict | None:
        rows = self._q(
            "SELECT entry FROM betygsrobot_journal WHERE run = %s AND key = %s ORDER BY id DESC LIMIT 1",
            (self.run, key),
        )
        return rows[0][0] if rows else None

    @property
    def entries(self) -> list[dict]:
        return [r[0] for r in self._q("SELECT entry FROM betygsrobot_journal WHERE run = %s ORDER BY id", (self.run,))]

    def worker_name(self) -> str:
        """This thread of this process, as the queue names who holds a group."""
        return f"{self.process}:{threading.current_thread().name}"

    def record(self, key: str, status: str, worker: str | None = None, **fields) -> dict:
        worker = worker or self.worker_name()
        entry = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "group": key,
            "status": status,
            "worker": worker,
            **fields,
        }
        entry = json.loads(json.dumps(entry, ensure_ascii=False, default=str))
        with self._lock, self._conn.transaction():
            self._conn.execute(
                "INSERT INTO betygsrobot_journal (run, key, status, worker, entry) VALUES (%s, %s, %s, %s, %s)",
                (self.run, key, status, worker, self._Jsonb(entry)),
            )
            if status in RELEASED:
                # Stopped before storing, or stored and not confirmed: pending again, so the next
                # taker (this run's or another process's) reads the group and finishes it.
                self._conn.execute(
                    "UPDATE betygsrobot_queue SET status = 'pending', worker = NULL, lease_until = NULL, "
                    "updated = now() WHERE run = %s AND key = %s AND worker = %s AND status = 'taken'",
                    (self.run, key, worker),
                )
                self._held.discard(key)
            elif status in TERMINAL:
                # Only while the group is still ours: after a takeover the new holder finishes it.
                self._conn.execute(
                    "UPDATE betygsrobot_queue SET status = %s, outcome = %s, lease_until = NULL, updated = now() "
                    "WHERE run = %s AND key = %s AND worker = %s AND status = 'taken'",
                    ("done" if status == "already" else status, self._Jsonb(entry), self.run, key, worker),
                )
                self._held.discard(key)
        return entry

    # -- the queue --------------------------------------------------------------------------
    def enqueue(self, jobs) -> None:
        """Put the run's groups into the queue (once, whoever comes first). A group asked for
        differently than before, or that failed before this process started, is pending again."""
        self.run = self.run or run_fingerprint(jobs)
        with self._lock, self._conn.transaction():
            for ord_, job in enumerate(jobs):
                self._conn.execute(
                    "INSERT INTO betygsrobot_queue (run, key, ord, digest) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (run, key) DO UPDATE SET digest = EXCLUDED.digest, status = 'pending', "
                    "worker = NULL, lease_until = NULL, updated = now() "
                    "WHERE betygsrobot_queue.digest <> EXCLUDED.digest",
                    (self.run, job.key, ord_, job.digest()),
                )
            self._conn.execute(
                "UPDATE betygsrobot_queue SET status = 'pending', worker = NULL, updated = now() "
                "WHERE run = %s AND status IN ('failed', 'conflict', 'not-run', 'incomplete') AND updated < %s",
                (self.run, self._started),
            )

    def take(
        self, worker: str | None = None, *, keys: list[str] | None = None, stop: Callable[[], bool] | None = None
    ) -> str | None:
        """The next group (its key) for ``worker``, among ``keys`` when given (the groups this
        process can grade); None once none is pending or held under a live lease. Waits while
        other processes hold groups under live leases: one of them may die. None at once when
        ``stop()`` says so."""
        worker = worker or self.worker_name()
        while not self._stop.is_set() and not (stop is not None and stop()):
            with self._lock, self._conn.transaction():
                row = self._conn.execute(
                    "SELECT key FROM betygsrobot_queue WHERE run = %s AND (%s::text[] IS NULL OR key = ANY(%s)) "
                    "AND (status = 'pending' OR (status = 'taken' AND lease_until < now())) "
                    "ORDER BY ord LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (self.run, keys, keys),
                ).fetchone()
                if row is not None:
                    self._conn.execute(
                        "UPDATE betygsrobot_queue SET status = 'taken', worker = %s, attempts = attempts + 1, "
                        "lease_until = now() + make_interval(secs => %s), updated = now() WHERE run = %s AND key = %s",
                        (worker, self.lease, self.run, row[0]),
                    )
                    self._held.add(row[0])
                    return row[0]
                alive = _only(
                    self._conn.execute(
                        "SELECT count(*) FROM betygsrobot_queue WHERE run = %s AND (%s::text[] IS NULL OR key = ANY(%s)) "
                        "AND (status = 'pending' OR (status = 'taken' AND lease_until >= now()))",
                        (self.run, keys, keys),
                    ).fetchone()
                )
            if not alive:
                return None
            time.sleep(self.poll)  # sleep-ok: waiting for other robot processes' leases
        return None

    def final(self) -> dict[str, tuple[str, str | None, dict | None]]:
        """key → (status, worker, outcome entry) for every group of the run."""
        return {
            k: (s, w, o)
            for k, s, w, o in self._q(
                "SELECT key, status, worker, outcome FROM betygsrobot_queue WHERE run = %s", (self.run,)
            )
        }

    def _renew(self) -> None:
        while not self._stop.wait(max(0.2, self.lease / 3)):
            if not self._held:
                continue
            try:
                with self._lock:
                    self._conn.execute(
                        "UPDATE betygsrobot_queue SET lease_until = now() + make_interval(secs => %s) "
                        "WHERE run = %s AND key = ANY(%s) AND status = 'taken' AND worker LIKE %s",
                        (self.lease, self.run, list(self._held), self.process + ":%"),
                    )
            except Exception:  # a lost connection: the lease runs out and another process takes over
                pass

    def close(self) -> None:
        self._stop.set()
        self._heartbeat.join(timeout=5)
        with self._lock:
            self._conn.close()

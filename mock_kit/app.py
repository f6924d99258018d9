"""Wiring the shared machinery into a mock's Flask app: ``init_mock``.

A mock gives its name, its SQLAlchemy metadata and two callbacks: ``load_scenario(kit, doc)``
(fill the freshly created tables from a validated scenario) and optionally ``after_load(kit)``.
Everything else — the clock, the scheduler, the control API, the journal, faults, request
logging and the health endpoint — comes from here, once.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask, Request, current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from betyg_harness import fixtures
from betyg_harness.mock_kit import hosts, logins, memory, scenario as scenarios
from betyg_harness.mock_kit.error_pages import ErrorPages, install as install_error_pages
from betyg_harness.mock_kit.errors import DataFormatError, JsonTooDeep
from betyg_harness.mock_kit.clock import MockClock, parse_instant
from betyg_harness.mock_kit.db import DATA_FORMAT_KEY, Database, database_url
from betyg_harness.mock_kit.faults import Faults, SharedFaults
from betyg_harness.mock_kit.request_journal import RequestJournal, SharedRequestJournal
from betyg_harness.mock_kit.locks import Locks
from betyg_harness.mock_kit.scheduler import Scheduler

request_log = logging.getLogger("mock_kit.requests")

DEFAULTS = {
    "SECRET_KEY": None,  # None = a random key made once per database and kept in it
    "DATABASE": None,  # a path or SQLAlchemy URL; None = a fresh temporary SQLite file
    "SCENARIO": "default",  # a scenario name, a path, or a document
    "CONTROL_API": True,  # the /_mock control API
    "CONTROL_TOKEN": None,  # when set, /_mock needs "Authorization: Bearer <token>"
    "SCHEDULER": True,  # run periodic jobs in a background thread as mock time passes
    "LOG_REQUESTS": True,
    "JOURNAL_CAPACITY": 20_000,
    # Served by several processes (gunicorn workers) on one database: the clock, the jobs' schedule,
    # the journal and the faults live in the database and the periodic jobs run in one process at a time.
    "MULTI_PROCESS": False,
    # Bodies (Flask's and werkzeug's own limits; more is a 413 before the body is read, with or without
    # a Content-Length). The public pages and APIs take forms and small JSON documents: 1 MB; the
    # control API takes whole scenarios (the largest, bench's 5,000 groups and 20,000 students, is
    # about 6 MB as JSON): 32 MB.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "CONTROL_MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,  # one form field's text (Flask's default, stated)
    "MAX_FORM_PARTS": 1_000,  # fields of one form (a grading form of 200 students has ~400)
    "MAX_JSON_DEPTH": 64,  # arrays and objects nested deeper: 400 (no document needs 10)
    # Host names the mock answers to besides loopback, its own address and its URLs' hosts
    # (mock_kit.hosts; env MOCK_ALLOWED_HOSTS or <PREFIX>_ALLOWED_HOSTS, comma-separated; "*": any).
    "ALLOWED_HOSTS": "",
}
# A response this big, or a request this slow (a full sync's pages, a scenario load), leaves freed
# memory behind that is handed back to the system once requests have been quiet for a moment.
MASK = "***"  # what the journal and the logs show instead of a secret path segment
HEAVY_RESPONSE_BYTES = 512 * 1024
HEAVY_REQUEST_MS = 500
BIG_SCENARIO_RECORDS = 2_000  # persons + groups from which a load releases memory at once
# Sent with every answer: pages of a grading system are never framed, run no foreign or inline
# script, post forms only to themselves, and leak no addresses to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class BoundedStream(LimitedStream):
    """A body without Content-Length (chunked), read up to ``limit`` bytes: a byte more is a 413.
    (werkzeug's own bound stops quietly at the limit, so a form parsed from it would be the
    first megabyte of a bigger body, and a login in it would go through.)"""

    def __init__(self, stream, limit: int):
        super().__init__(stream, limit + 1, is_max=True)
        self.max_bytes = limit

    def readinto(self, b) -> int | None:
        read = super().readinto(b)
        if self._pos > self.max_bytes:
            raise RequestEntityTooLarge()
        return read


class MockRequest(Request):
    """A request whose body limit is the control API's under ``/_mock`` (scenarios are big) and
    ``MAX_CONTENT_LENGTH`` elsewhere: werkzeug refuses a longer announced body (413) before reading
    it, and a chunked one (no Content-Length) is a 413 as soon as it is read past the limit — by
    ``get_data``, ``get_json``, ``form``, ``files`` or ``stream`` alike."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app and self.path.startswith("/_mock"):
            return current_app.config["CONTROL_MAX_CONTENT_LENGTH"]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @cached_property
    def stream(self):
        if self.shallow:
            raise RuntimeError("A shallow request does not read its body.")
        limit = self.max_content_length
        if limit is not None and self.content_length is None and "wsgi.input_terminated" in self.environ:
            return BoundedStream(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False):
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        return data.decode(errors="replace") if as_text else data


class MockJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading every request body of both mocks (APIs, webhook receiver, control API):
    '[' * 100000 is a 400, not a RecursionError; nesting beyond ``MAX_JSON_DEPTH`` and strings with
    lone surrogates ("\\ud800", which no database stores) are refused the same way."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise JsonTooDeep("JSON nested too deep") from None
        limit = self._app.config.get("MAX_JSON_DEPTH") or 64
        _check_json(value, limit, _may_hold_surrogates(s))
        return value


def _may_hold_surrogates(s) -> bool:
    text = s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else s
    return "\\ud" in text.lower()


def _check_json(value, limit: int, strings: bool) -> None:
    """Depth (iteratively) and, when the text has \\uDxxx escapes, that every string is valid Unicode."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values()) + (list(item) if strings else [])
        elif isinstance(item, list):
            children = item
        else:
            if strings and isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise JsonTooDeep("lone surrogate in a JSON string") from None
            continue
        if depth > limit:
            raise JsonTooDeep("JSON nested too deep")
        stack.extend((child, depth + 1) for child in children)


@dataclass
class MockKit:
    name: str
    app: Flask
    db: Database
    clock: MockClock
    scheduler: Scheduler
    journal: RequestJournal | SharedRequestJournal = field(default_factory=RequestJournal)
    faults: Faults = field(default_factory=Faults)
    releaser: memory.Releaser = field(default_factory=memory.Releaser)
    load_callback: Callable[["MockKit", dict], None] | None = None
    after_load: Callable[["MockKit"], None] | None = None
    scenario_name: str | None = None  # the document itself stays in the database, not in memory
    locks: Locks | None = None
    shared: bool = False  # served by several processes (MULTI_PROCESS)
    refreshers: list = field(default_factory=list)  # per-process caches to drop when shared
    # Paths whose next segment is a secret (Ping Pong's webhook token): shown as MASK in the journal
    # and the request logs, as BER's subscription lists show it.
    secret_paths: tuple[str, ...] = ()

    def shown_path(self, text: str) -> str:
        """``text`` (a path, a log line) as the journal and the logs show it: the segment after
        each ``secret_paths`` prefix replaced by ``MASK``."""
        for prefix in self.secret_paths:
            if prefix in text:
                text = re.sub(re.escape(prefix) + r"[^/?#\s\"']+", lambda _: prefix + MASK, text)
        return text

    def refresh(self) -> None:
        """Shared by processes: take up what another process changed (the clock, the scenario,
        caches) before answering a request."""
        if not self.shared:
            return
        state = self.db.get_state("clock")
        if state:
            self.clock.restore(state)
        stored = self.db.get_state("scenario_name")
        if stored:
            self.scenario_name = stored
        for drop in self.refreshers:
            drop()

    @property
    def scenario(self) -> dict | None:
        """The loaded scenario document, as stored (read back only for a reset)."""
        return self.db.get_state("scenario")

    # -- scenario -----------------------------------------------------------------------------
    def load_scenario(self, document: dict, *, validated: bool = False) -> None:
        """Replace every record with ``document`` and start its clock (``validated``: already checked)."""
        if not validated:
            document = fixtures.validate(document)
        document = scenarios.protect_secrets(document)
        with self.scheduler_lock():
            try:
                self._fill(document)
            except Exception:
                # The load failed after the tables were emptied (a database error, a mock's own
                # refusal): put the previous scenario back, so a bad load loses nothing.
                previous = self.db.get_state("scenario")
                if previous is not None:
                    self._fill(previous)
                raise
            self.scenario_name = document["name"]
            self.db.set_state("scenario", document)
            self.db.set_state("scenario_name", document["name"])
            self._start_clock(document)
            logins.clear_failures(self.db.engine)  # throttled logins start afresh with the scenario
            self.journal.clear()
            self.faults.clear()
            self.scheduler.reschedule()
        if self.after_load:
            self.after_load(self)
        records = sum(len(document.get(k) or []) for k in ("staff", "students", "groups"))
        if records >= BIG_SCENARIO_RECORDS:
            memory.release()  # the document and the rows built from it are garbage now

    def _fill(self, document: dict) -> None:
        if self.shared:
            self.db.create_all()
            self.db.delete_all()  # other processes keep answering: tables stay, rows go
        else:
            self.db.drop_all()
            self.db.create_all()
        if self.load_callback:
            self.load_callback(self, document)

    def reset(self) -> None:
        document = self.scenario
        assert document is not None  # every mock loads a scenario when it starts
        self.load_scenario(document, validated=True)

    def _start_clock(self, document: dict) -> None:
        clock = document.get("clock") or {}
        # Freeze before setting, so a frozen start is exact rather than real time plus an offset.
        self.clock.freeze(bool(clock.get("frozen")))
        start = clock.get("start")
        self.clock.set(parse_instant(start) if start else datetime.now().astimezone())
        self.save_clock()

    def save_clock(self) -> None:
        self.db.set_state("clock", self.clock.state())

    def scheduler_lock(self):
        """The scheduler's lock (across processes when shared), its state read and written around."""
        return self.scheduler.held()

    def _load_schedule(self, scheduler: Scheduler) -> None:
        if self.shared:
            self.clock.restore(self.db.get_state("clock", {}) or self.clock.state())
            scheduler.restore(self.db.get_state("jobs", {}))

    def _save_schedule(self, scheduler: Scheduler) -> None:
        if self.shared:
            self.db.set_state("jobs", scheduler.state())
            self.save_clock()

    def run_job(self, func: Callable[[], object]):
        """Run ``func`` in an app context (jobs run from the scheduler thread)."""
        with self.app.app_context():
            return func()


def current_kit() -> MockKit:
    return current_app.extensions["mock_kit"]


def now() -> datetime:
    """The mock clock's now: the only "now" rules and jobs may use."""
    return current_kit().clock.now()


def init_mock(
    app: Flask,
    *,
    name: str,
    metadata: MetaData,
    load_scenario: Callable[[MockKit, dict], None],
    after_load: Callable[[MockKit], None] | None = None,
    error_pages: ErrorPages | None = None,
    data_format: int = 1,
    upgrade: Callable[[Connection, int], None] | None = None,
) -> MockKit:
    """Wire mock_kit into a mock's Flask app. ``data_format`` is the version of what the mock
    stores; a database kept from an earlier release (a configured DATABASE) is brought to it by
    ``upgrade(conn, found)`` before anything reads it."""
    for key, value in DEFAULTS.items():
        if app.config.get(key) is None:
            app.config[key] = value
    url = database_url(app.config["DATABASE"], name=name)
    app.config["DATABASE_URL"] = url
    db = Database(url, metadata, create=False)
    shared = bool(app.config["MULTI_PROCESS"])
    locks = Locks(db.engine, shared=shared)
    with locks.hold("init"):  # several workers starting on one new database: one creates it
        db.create_all()
        _bring_data_format(db, data_format, upgrade)
        _configure_sessions(app, db)
    app.request_class = MockRequest
    app.json_provider_class = MockJSONProvider
    app.json = MockJSONProvider(app)
    app.json.ensure_ascii = False  # Swedish messages as UTF-8 on the wire, readable as sent
    # Stylesheets and fonts change only with a release: a browser keeps them for an hour instead of
    # asking again on every page (each grading step is a page).
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    clock = MockClock()
    kit = MockKit(
        name=name,
        app=app,
        db=db,
        clock=clock,
        scheduler=None,  # type: ignore[arg-type]
        journal=SharedRequestJournal(db, app.config["JOURNAL_CAPACITY"])
        if shared
        else RequestJournal(app.config["JOURNAL_CAPACITY"]),
        faults=SharedFaults(db, locks) if shared else Faults(),
        load_callback=load_scenario,
        after_load=after_load,
        locks=locks,
        shared=shared,
    )
    if shared:
        kit.scheduler = Scheduler(
            clock,
            wrap=kit.run_job,
            hold=lambda blocking=True: locks.hold("scheduler", blocking=blocking),
            load=kit._load_schedule,
            save=kit._save_schedule,
        )
    else:
        kit.scheduler = Scheduler(clock, wrap=kit.run_job)
    app.extensions["mock_kit"] = kit

    _install_request_hooks(app, kit)
    _install_health(app, kit)
    if error_pages is not None:
        install_error_pages(app, error_pages)
    if app.config["CONTROL_API"]:
        from betyg_harness.mock_kit.control import control_api

        app.register_blueprint(control_api)

    # One process at a time: the first of several workers on a new database loads the scenario,
    # the others find it stored.
    with locks.hold("init"):
        stored = db.get_state("scenario")
        if stored is not None:
            # A restart on the same database (or another worker): keep every record and the mock time.
            kit.scenario_name = stored["name"]
            clock.restore(db.get_state("clock", {}))
        else:
            configured = app.config["SCENARIO"]
            kit.load_scenario(scenarios.load(configured), validated=True)
    return kit


def _bring_data_format(db: Database, current: int, upgrade: Callable[[Connection, int], None] | None) -> None:
    """A new database is stamped with ``current``; one written by an earlier release (it holds a
    scenario but no stamp: format 1) is upgraded and stamped in one transaction, so a crash leaves
    it as it was; one from a later release is refused."""
    found = stamped = db.get_state(DATA_FORMAT_KEY)
    if found is None:
        found = 1 if db.get_state("scenario") is not None else current
    if found > current:
        raise DataFormatError(
            f"Databasen {db.engine.url.render_as_string(hide_password=True)} har skrivits av en senare version av betyg-harness (dataformat {found}, "
            f"den här versionen läser {current}). Uppgradera betyg-harness eller starta på en ny databas."
        )
    if stamped == current:
        return
    with db.engine.begin() as conn:
        if found < current and upgrade is not None:
            upgrade(conn, found)
        db.stamp(conn, DATA_FORMAT_KEY, current)


def _configure_sessions(app: Flask, db: Database) -> None:
    """Cookies that scripts cannot read and other sites do not send, signed with a key that is the
    configured one or a random one made for this database (kept in it, so a restart keeps logins)."""
    if not app.config.get("SECRET_KEY"):
        key = db.get_state("secret_key")
        if not key:
            key = secrets.token_hex(32)
            db.set_state("secret_key", key)
        app.config["SECRET_KEY"] = key
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"


def start_background(app: Flask) -> None:
    """Start the scheduler thread (the server calls this; tests with the test client need not)."""
    kit: MockKit = app.extensions["mock_kit"]
    if app.config["SCHEDULER"]:
        kit.scheduler.start()
    kit.releaser.start()


def _refuse_unknown_host():
    """A ``Host`` that is not one of the mock's names (mock_kit.hosts: DNS rebinding) is a 400 in
    the answering part's format, before CSRF, faults or any view."""
    environ = request.environ
    if "HTTP_HOST" not in environ:
        return None  # HTTP/1.0 without Host: no browser, so no rebinding
    if hosts.is_known(environ["HTTP_HOST"], environ, lambda: hosts.configured(current_app.config)):
        return None
    pages: ErrorPages | None = current_app.extensions.get("mock_kit_errors")
    if pages is None or request.path.startswith("/_mock"):
        response = jsonify({"code": "unknown_host", "message": hosts.UNKNOWN_HOST_MESSAGE})
        response.status_code = 400
        return response
    return pages.render(400, hosts.UNKNOWN_HOST_MESSAGE, code="unknown_host")


def _install_request_hooks(app: Flask, kit: MockKit) -> None:
    # First of all hooks (CSRFProtect registers its own before init_mock runs).
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)

    @app.before_request
    def _before():
        g._mock_started = time.perf_counter()
        kit.refresh()
        if request.path.startswith("/_mock") or request.path == "/healthz":
            return None
        rule = kit.faults.take(request.method, request.path)
        if rule is None:
            return None
        g._mock_fault = rule.id
        if rule.after:
            g._mock_fault_after = rule  # applied to the answer, once the view has done its work
            return None
        return _apply_fault(rule)

    @app.after_request
    def _after(response):
        late_fault = g.pop("_mock_fault_after", None)
        if late_fault is not None:
            response = _apply_fault(late_fault) or response
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        started = getattr(g, "_mock_started", None)
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        path = kit.shown_path(request.path)
        if not path.startswith("/_mock") and not path.startswith("/static") and path != "/healthz":
            kit.journal.record(
                {
                    "time": kit.clock.now().isoformat(),
                    "method": request.method,
                    "path": path,
                    "query": request.query_string.decode("latin-1"),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "fault": getattr(g, "_mock_fault", None),
                }
            )
        if (response.content_length or 0) >= HEAVY_RESPONSE_BYTES or (duration_ms or 0) >= HEAVY_REQUEST_MS:
            kit.releaser.request()
        if app.config["LOG_REQUESTS"]:
            request_log.info(
                json.dumps(
                    {
                        "service": kit.name,
                        "method": request.method,
                        "path": path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "mock_time": kit.clock.now().isoformat(timespec="seconds"),
                    },
                    ensure_ascii=False,
                )
            )
        return response


def _apply_fault(rule):
    """Latency, then a dropped connection or an error answer; None when the request goes on."""
    if rule.latency_ms:
        time.sleep(rule.latency_ms / 1000)
    if rule.drop:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return current_app.response_class("", status=444)
    if rule.status:
        response = jsonify({"code": f"fault_{rule.status}", "message": "Injicerat fel (mock)."})
        response.status_code = rule.status
        return response
    return None


def _install_health(app: Flask, kit: MockKit) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify(
            {"status": "ok", "service": kit.name, "now": kit.clock.now().isoformat(), "scenario": kit.scenario_name}
        )


def parse_duration(body: dict) -> timedelta:
    """A timedelta from ``{"minutes": N}`` (or seconds/hours/days); raises ``KeyError(field)``."""
    units = ("seconds", "minutes", "hours", "days")
    given = {k: body[k] for k in units if k in body}
    if not given:
        raise KeyError("minutes")
    for key, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
            raise KeyError(key)  # NaN and infinities fail the comparison too
    try:
        return timedelta(**given)
    except OverflowError:
        raise KeyError(next(iter(given))) from None

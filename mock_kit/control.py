"""The control API under ``/_mock``, the same on both mocks (JSON in, JSON out)."""

from __future__ import annotations

import hmac
import os
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from betyg_harness.mock_kit import logins
from betyg_harness.mock_kit.app import current_kit, parse_duration
from betyg_harness.mock_kit.clock import parse_instant
from betyg_harness.mock_kit.errors import ControlRequestError
from betyg_harness.mock_kit.faults import FaultRule
from betyg_harness.mock_kit.scenario import load_named
from betyg_harness.fixtures import validate as validate_scenario
from betyg_harness.scenario import ScenarioError
from betyg_harness.text import parse_int

control_api = Blueprint("mock_control", __name__, url_prefix="/_mock")
MAX_ADVANCE = timedelta(days=400)  # more than a year of course ends; longer jumps: several calls


def _error(message: str, *, field: str | None = None, status: int = 400):
    body = {"code": "bad_request" if status == 400 else f"error_{status}", "message": message}
    if field:
        body["field"] = field
    return jsonify(body), status


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME_SITE_FETCH = frozenset({"same-origin", "none"})  # Sec-Fetch-Site of the mock's own pages or a typed address
DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(scheme: str, host: str, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return scheme, host.lower().rstrip("."), port if port is not None else DEFAULT_PORTS.get(scheme)


def _own_origin() -> tuple[str, str, int | None] | None:
    """The mock's origin as this request addressed it (None when its Host does not parse)."""
    try:
        parts = urlsplit(f"{request.scheme}://{request.host}")
        return _origin_tuple(parts.scheme, parts.hostname or "", parts.port)
    except ValueError:
        return None


def _is_foreign(origin: str) -> bool:
    """Whether an ``Origin`` header names another site: scheme, host and port must be the mock's own
    (``null`` — a sandboxed frame, a file, a redirect across sites — is foreign, and so is anything
    that does not parse)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return True
    if (
        parts.scheme.lower() not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.username is not None
    ):
        return True
    own = _own_origin()
    return own is None or _origin_tuple(parts.scheme, parts.hostname, port) != own


@control_api.before_request
def _refuse_cross_site():
    """The control API belongs to whoever started the mock, not to a page open in their browser: a
    foreign ``Origin`` or a ``Sec-Fetch-Site`` other than same-origin/none is 403, and a state change
    must say ``Content-Type: application/json`` (a form or a plain-text body — what a page on another
    site can send without asking first — is 415)."""
    origin = request.headers.get("Origin")
    if origin is not None and _is_foreign(origin):
        return _error("Kontroll-API:t tar inte emot förfrågningar från andra webbplatser.", status=403)
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.strip().lower() not in SAME_SITE_FETCH:
        return _error("Kontroll-API:t tar inte emot förfrågningar från andra webbplatser.", status=403)
    if request.method in STATE_CHANGING and request.mimetype != "application/json":
        return _error("Kontroll-API:t tar bara emot ett JSON-objekt med Content-Type: application/json.", status=415)
    return None


@control_api.before_request
def _require_token():
    token = current_app.config.get("CONTROL_TOKEN")
    if not token:
        return None
    # Bytes, not str: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(given, f"Bearer {token}".encode("utf-8", "surrogateescape")):
        return _error("Kontroll-API:t kräver en giltig token.", status=401)
    return None


def _json_body():
    """The request's JSON object, which must be UTF-8 (RFC 8259): UTF-16 or Latin-1 is refused."""
    raw = request.get_data(cache=True)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlRequestError("body", "Kroppen måste vara ett JSON-objekt i UTF-8.") from None
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ControlRequestError("body", "Kroppen måste vara ett JSON-objekt i UTF-8.")
    return body


@control_api.errorhandler(ControlRequestError)  # a bad body, a bad fault rule
def _bad_field(exc: ControlRequestError):
    return _error(str(exc), field=exc.field)


@control_api.errorhandler(ScenarioError)
def _bad_scenario(exc: ScenarioError):
    return _error(str(exc), field=exc.field or "scenario")


@control_api.get("/state")
def state():
    """Scenario, clock, jobs and rows per table; ``?digest=1`` adds a fingerprint of every row."""
    kit = current_kit()
    if kit.shared:
        kit.scheduler.restore(kit.db.get_state("jobs", {}))  # the schedule as the processes share it
    extra = {"digest": kit.db.digest()} if request.args.get("digest") in ("1", "true") else {}
    return jsonify(
        {
            **extra,
            "records": kit.db.records(),
            "service": kit.name,
            "scenario": kit.scenario_name,
            "now": kit.clock.now().isoformat(),
            "frozen": kit.clock.frozen,
            "database": current_app.config["DATABASE_URL"],
            "pid": os.getpid(),
            "multi_process": kit.shared,
            "jobs": [
                {
                    "name": j.name,
                    "interval_seconds": j.interval.total_seconds(),
                    "next_due": j.next_due.isoformat() if j.next_due else None,
                    "runs": j.runs,
                    "coalesced": j.coalesced,
                    "last_error": j.last_error,
                }
                for j in kit.scheduler.jobs
            ],
        }
    )


@control_api.post("/reset")
def reset():
    kit = current_kit()
    kit.reset()
    return jsonify({"status": "reset", "scenario": kit.scenario_name, "now": kit.clock.now().isoformat()})


@control_api.post("/scenario")
def scenario():
    body = _json_body()
    if "name" in body and len(body) == 1:
        document = load_named(body["name"])  # a named scenario from fixtures/scenarios, never a path
    else:
        document = validate_scenario(body)
    kit = current_kit()
    kit.load_scenario(document, validated=True)
    return jsonify({"status": "loaded", "scenario": document["name"], "now": kit.clock.now().isoformat()})


@control_api.get("/clock")
def get_clock():
    kit = current_kit()
    return jsonify({"now": kit.clock.now().isoformat(), "frozen": kit.clock.frozen})


@control_api.post("/clock")
def set_clock():
    body = _json_body()
    kit = current_kit()
    if "now" not in body and "freeze" not in body:
        return _error("Ange now (ISO-8601) och/eller freeze (true/false).", field="now")
    if "freeze" in body and not isinstance(body["freeze"], bool):
        return _error("freeze måste vara true eller false.", field="freeze")
    if "now" in body:
        try:
            instant = parse_instant(body["now"])
        except (TypeError, ValueError):
            return _error("now måste vara en ISO-8601-tidpunkt, t.ex. 2026-12-18T08:00:00+01:00.", field="now")
    with kit.scheduler_lock():
        if "freeze" in body:
            kit.clock.freeze(body["freeze"])
        if "now" in body:
            kit.clock.set(instant)
            kit.scheduler.reschedule()
        kit.save_clock()
    return jsonify({"now": kit.clock.now().isoformat(), "frozen": kit.clock.frozen})


@control_api.post("/clock/advance")
def advance_clock():
    body = _json_body()
    try:
        delta = parse_duration(body)
    except KeyError as exc:
        name = exc.args[0]
        return _error(f"{name} måste vara ett tal ≥ 0 (ange seconds, minutes, hours eller days).", field=name)
    if delta > MAX_ADVANCE:
        return _error(f"Klockan kan flyttas högst {MAX_ADVANCE.days} dagar per anrop.", field="days")
    kit = current_kit()
    ran = kit.scheduler.advance(delta)
    kit.save_clock()
    return jsonify({"now": kit.clock.now().isoformat(), "frozen": kit.clock.frozen, "jobs_run": ran})


@control_api.get("/journal")
def get_journal():
    since = request.args.get("since")
    number = parse_int(since) if since else None  # ASCII digits only, at most 18 ('²', '٣' or 10**5000: 400)
    if since is not None and number is None:
        return _error("since måste vara ett heltal.", field="since")
    entries = current_kit().journal.entries(
        method=request.args.get("method"), path=request.args.get("path"), since=number
    )
    return jsonify({"entries": entries})


@control_api.delete("/journal")
def clear_journal():
    current_kit().journal.clear()
    return jsonify({"status": "cleared"})


@control_api.get("/sessions")
def list_sessions():
    return jsonify({"logins": logins.count(current_kit().db.engine)})


@control_api.delete("/sessions")
def end_sessions():
    """Every login ends (as when sessions expire): the next page of each user is the login page."""
    return jsonify({"status": "ended", "logins": logins.end_all(current_kit().db.engine)})


@control_api.post("/faults")
def add_fault():
    rule = current_kit().faults.add(FaultRule.from_json(_json_body()))
    return jsonify(rule.to_json()), 201


@control_api.get("/faults")
def list_faults():
    return jsonify({"faults": [r.to_json() for r in current_kit().faults.rules()]})


@control_api.delete("/faults")
def clear_faults():
    current_kit().faults.clear()
    return jsonify({"status": "cleared"})

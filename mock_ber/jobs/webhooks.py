"""Webhook deliveries: BER tells each subscriber when entities of its subscribed types changed.

A job on the shared scheduler (mock clock) looks every ``WEBHOOK_INTERVAL_SECONDS``: for each live
subscription whose next attempt is due, the types changed (``meta.modified``) or removed
(``deletedEntities``) in (``notified_until``, now] are posted to its ``target`` as the file's
callback body ``{"modifiedEntites": [...], "deletedEntities": true|false}`` (the file's spelling;
``modifiedEntities`` is sent beside it). A 2xx answer moves ``notified_until`` to now. Anything
else is retried with a back-off on the mock clock (1, 2, 4, … up to 60 minutes); as
``notified_until`` stays, the next delivery covers everything since — nothing is lost, several
changes may come as one notice (the file allows that). Every attempt is in the journal
(``direction: "out"``, the target masked as the subscription lists show it).

Where BER may post (checked when a subscription is made and again before every delivery):

* **A URL, strictly**: ``http``/``https``, a host (a DNS name or an IP address), a port 1–65535,
  at most ``MAX_TARGET_LENGTH`` characters of RFC 3986 (visible ASCII: no spaces, line breaks,
  control or non-ASCII characters — encode them with ``%``), no user-info, no fragment, no host
  ending in a dot (``127.0.0.1.``); the path's ``%`` escapes must decode to UTF-8 without spaces or
  control characters (``%20``, ``%00`` and the overlong ``%C0%AF`` are refused).
* **Never a mock's control API**: a path with a ``_mock`` segment (any case, after decoding ``%``
  escapes and resolving ``.``/``..``, ``//`` and ``;`` parameters, trailing dots ignored: ``_mock.``)
  is refused, whoever the host is.
* **The allow-list** (``WEBHOOK_ALLOWED_TARGETS``, env ``BER_WEBHOOK_ALLOWED_TARGETS``: origins
  such as ``http://127.0.0.1:5001``, comma-separated). Unset, it holds the origin of
  ``PINGPONG_URL`` — where the real Ping Pong subscribes (``PINGPONG_WEBHOOK_BASE_URL`` pointing
  elsewhere needs the list set to that origin). An empty value allows no origin. A target whose
  origin (scheme, host, port) is on the list is accepted, without resolving its name.
* **Anything else is refused by default**: an address that is loopback (``localhost`` too),
  private, link-local, unspecified, multicast, reserved or otherwise not global is refused always;
  a public one only when ``WEBHOOK_PUBLIC_TARGETS`` is true (off by default — the mock has no
  business posting to the internet). With it on, a host name is resolved (``getaddrinfo``) at
  creation and before each delivery, and refused when any of its addresses is not global. The
  name is resolved once more by the HTTP library when it connects (a rebinding DNS server could
  answer differently in between; the mock does not pin addresses).

Each delivery is one POST with ``allow_redirects=False`` (a 3xx is a failed delivery), no proxies or
``.netrc`` from the environment, and the answer's body never read. Deliveries of one round run at
once on up to ``WEBHOOK_PARALLEL`` threads, each bounded by ``WEBHOOK_TIMEOUT_SECONDS`` (connect
and read), the round by twice that: a round takes about one timeout, not one per subscriber. Any
error of one delivery — refused target, unreachable, a URL the HTTP library cannot parse, any
exception — is that subscription's failure, recorded once (``last_error``, the journal) and retried
with the back-off; the others are delivered in the same round. A delivery still running when the
round's bound passes is recorded as a failure then (it may still reach its subscriber: deliveries
are at least once); one not started by then stays due for the next round.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import SplitResult, unquote, unquote_to_bytes, urlsplit, urlunsplit

import requests
from flask import current_app

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_ber import store
from betyg_harness.mock_ber.errors import TargetRefused
from betyg_harness.mock_ber.models import (
    Activity,
    Duty,
    Organisation,
    Person,
    Programme,
    ReceivedGrade,
    SchoolUnitOffering,
    Stamped,
    StudyPlan,
    Subscription,
    Syllabus,
    TeachingGroup,
)

JOB_NAME = "webhooks"
# The SS 12000 type names (EndPointsEnum) BER publishes, with their tables and deletedEntities keys.
MODELS: dict[str, type[Stamped]] = {
    "Organisation": Organisation,
    "Person": Person,
    "Duty": Duty,
    "Group": TeachingGroup,
    "Activity": Activity,
    "Syllabus": Syllabus,
    "Grade": ReceivedGrade,
    "StudyPlan": StudyPlan,
    "SchoolUnitOffering": SchoolUnitOffering,
    "Programme": Programme,
}
DELETED_KEYS = {
    "Organisation": "organisations",
    "Person": "persons",
    "Duty": "duties",
    "Group": "groups",
    "Activity": "activities",
    "Syllabus": "syllabuses",
    "Grade": "grades",
    "StudyPlan": "studyPlans",
    "SchoolUnitOffering": "schoolUnitOfferings",
    "Programme": "programmes",
}
MAX_BACKOFF_MINUTES = 60
MAX_TARGET_LENGTH = 2000
MASK = "***"  # what a listed target shows instead of its last path segment (Ping Pong's secret)
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+\Z")  # RFC 3986: unreserved, reserved, %
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_DEFAULT_PORTS = {"http": 80, "https": 443}


# -- where BER may post --------------------------------------------------------------------------------
def _split(value) -> SplitResult:
    """``value`` as a URL BER could post to at all (syntax only), or :class:`TargetRefused`."""
    _check_text(value)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise TargetRefused("target är ingen giltig URL: värden eller porten (1–65535) går inte att läsa.") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise TargetRefused("target måste vara en http- eller https-URL dit BER kan posta notiser.")
    if "@" in parts.netloc:
        raise TargetRefused("target får inte innehålla användarnamn eller lösenord före värden.")
    if port is not None and not 1 <= port <= 65535:
        raise TargetRefused("target: porten måste vara ett tal mellan 1 och 65535.")
    if "#" in value:
        raise TargetRefused("target får inte ha något #fragment.")
    host = parts.hostname or ""
    if not host:
        raise TargetRefused("target måste ha en värd, t.ex. http://127.0.0.1:5001/webhook.")
    if host.endswith("."):
        # "127.0.0.1." or "localhost." is the same machine spelled past the allow-list's comparison.
        raise TargetRefused(f"target: värden {host} får inte sluta med en punkt.")
    _check_path(parts.path)
    if _ip(host) is None and ("[" in parts.netloc or not _domain_name(host)):
        raise TargetRefused(f"target: värden {host} är varken ett giltigt domännamn eller en IP-adress.")
    return parts


def _check_text(value) -> None:
    """A non-empty string of at most MAX_TARGET_LENGTH characters a URL allows, its escapes whole."""
    if not isinstance(value, str) or not value:
        raise TargetRefused("target måste vara en http- eller https-URL dit BER kan posta notiser.")
    if len(value) > MAX_TARGET_LENGTH:
        raise TargetRefused(f"target får vara högst {MAX_TARGET_LENGTH} tecken lång.")
    if not _URL_CHARS.match(value) or _BAD_ESCAPE.search(value):
        raise TargetRefused(
            "target får bara innehålla tecken som en URL tillåter: inga mellanslag, radbrytningar, "
            "styrtecken eller tecken utanför ASCII (koda dem med %XX)."
        )


def _domain_name(host: str) -> bool:
    return len(host) <= 253 and all(_LABEL.match(label) for label in host.split("."))


def _check_path(path: str) -> None:
    """A path whose ``%`` escapes decode to UTF-8 without spaces or control characters (``%00``,
    ``%20``, the overlong ``%C0%AF`` are ways to make two servers read one path differently)."""
    try:
        decoded = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise TargetRefused("target: sökvägens %-koder måste avkodas till giltig UTF-8.") from None
    if any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in decoded):
        raise TargetRefused(
            "target: sökvägen får inte innehålla mellanslag eller styrtecken, inte heller som %-koder (%00, %20 …)."
        )


def _ip(host: str):
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    address = _ip(host)
    return scheme, str(address) if address is not None else host, parts.port or _DEFAULT_PORTS[scheme]


def allowed_origins(config) -> set[tuple[str, str, int]]:
    """The allow-list's origins; an entry that is no http(s) URL with a host is left out."""
    listed = config.get("WEBHOOK_ALLOWED_TARGETS")
    if listed is None:
        listed = [config.get("PINGPONG_URL") or ""]
    elif isinstance(listed, str):
        listed = listed.split(",")
    origins = set()
    for entry in listed:
        try:
            origins.add(_origin(_split(str(entry).strip())))
        except TargetRefused:
            continue
    return origins


def _under_mock(path: str) -> bool:
    """Whether ``path`` reaches a ``/_mock`` route however it is spelled."""
    for _ in range(5):  # %255F → %5F → _
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    kept: list[str] = []
    for segment in path.replace("\\", "/").lower().split("/"):
        segment = segment.split(";", 1)[0]
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
            continue
        kept.append(segment.rstrip(". "))  # "_mock." is "_mock" to servers that trim trailing dots
    return "_mock" in kept


def _internal(address) -> bool:
    return (
        not address.is_global
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    )


_INTERNAL = (
    "target pekar på en intern adress (loopback, privat nät, länklokal, multicast eller reserverad) "
    "som inte finns bland BER:s tillåtna mottagare (WEBHOOK_ALLOWED_TARGETS)."
)


def check_target(value, config) -> str:
    """``value`` when BER may post to it under ``config`` (the rules in the module's docstring),
    else :class:`TargetRefused`. Resolves a host name only when public targets are allowed."""
    parts = _split(value)
    if _under_mock(parts.path):
        raise TargetRefused("target får inte peka på en /_mock-sökväg (mockarnas kontroll-API).")
    if _origin(parts) in allowed_origins(config):
        return value
    host = (parts.hostname or "").rstrip(".")
    literal = _ip(host)
    if host == "localhost" or host.endswith(".localhost") or (literal is not None and _internal(literal)):
        raise TargetRefused(_INTERNAL)
    public = config.get("WEBHOOK_PUBLIC_TARGETS")
    if not (public is True or str(public).lower() in ("true", "1", "yes", "on")):
        raise TargetRefused(
            "target finns inte bland BER:s tillåtna mottagare (WEBHOOK_ALLOWED_TARGETS); "
            "andra adresser tar BER emot bara med WEBHOOK_PUBLIC_TARGETS påslaget."
        )
    if literal is None:
        _check_resolved(host, parts.port or _DEFAULT_PORTS[parts.scheme.lower()])
    return value


def _check_resolved(host: str, port: int) -> None:
    """A public target's host name must resolve, and only to public addresses."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise TargetRefused(f"target: värden {host} gick inte att slå upp.") from None
    addresses = [_ip(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses or any(a is None or _internal(a) for a in addresses):
        raise TargetRefused(_INTERNAL)


def masked(target: str) -> str:
    """``target`` as lists show it: no user-info, query or fragment, the last path segment (where
    Ping Pong keeps its secret) replaced by ``MASK``."""
    try:
        parts = urlsplit(target)
    except ValueError:
        return MASK
    segments = parts.path.split("/")
    for i in range(len(segments) - 1, -1, -1):
        if segments[i]:
            segments[i] = MASK
            break
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/".join(segments), "", ""))


# -- the job ---------------------------------------------------------------------------------------------
def install(app, kit) -> None:
    """The job exists while there are subscriptions (a restart on a database that has some). A
    database made before subscriptions had owners gets the column; its subscriptions become the
    first API client's (the one ``BER_API_TOKEN`` names by default)."""
    from betyg_harness.mock_ber import api_clients

    with kit.locks.hold("init"):
        store.add_subscription_owner(kit.db.engine, next(iter(api_clients(app.config)), "pingpong"))
    with kit.db.session() as session:
        if store.has_subscriptions(session):
            ensure_job(kit)


def ensure_job(kit) -> None:
    if not any(job.name == JOB_NAME for job in kit.scheduler.jobs):
        kit.scheduler.add_job(
            JOB_NAME, timedelta(seconds=float(kit.app.config["WEBHOOK_INTERVAL_SECONDS"])), kit_dispatch
        )


def drop_job(kit) -> None:
    """No subscription left (the last one removed, or a scenario load emptied the tables)."""
    kit.scheduler.add_job(JOB_NAME, timedelta(0), kit_dispatch)


def kit_dispatch() -> int:
    return dispatch()


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: 1, 2, 4, … minutes, at most 60."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def changes(session, types: list[str], since: datetime, until: datetime) -> tuple[list[str], bool]:
    """(types modified in (since, until], whether any of the types had a removal in it)."""
    modified = [
        name for name in types if name in MODELS and store.modified_between(session, MODELS[name], since, until)
    ]
    keys = [DELETED_KEYS[name] for name in types if name in DELETED_KEYS]
    deleted = bool(keys) and store.deleted_between(session, keys, since, until)
    return modified, deleted


@dataclass
class Delivery:
    sid: str
    target: str
    attempt: int
    body: dict
    status: int | None = None
    failure: str | None = None
    duration: float = 0.0


def _deliver_all(deliveries: list[Delivery], config: dict, timeout: float, parallel: int) -> list[Delivery]:
    """Post ``deliveries`` at once on up to ``parallel`` threads, the round bounded by twice the
    timeout: the ones settled (answered, failed, or still running at the bound: a timeout). One not
    started by then is cancelled and stays due for the next round."""
    pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(deliveries))), thread_name_prefix="ber-webhook")
    started = time.perf_counter()
    futures = {pool.submit(_timed_post, d, config, timeout): d for d in deliveries}
    wait(futures, timeout=2 * timeout)
    pool.shutdown(wait=False, cancel_futures=True)  # a late answer is dropped: its outcome is settled below
    settled = []
    for future, delivery in futures.items():
        if future.cancelled():
            continue  # never started: still due
        if future.done():
            delivery.status, delivery.failure, delivery.duration = future.result()
        else:
            delivery.failure = f"Mottagaren svarade inte inom leveransrundans gräns ({2 * timeout:g} s)."
            delivery.duration = time.perf_counter() - started
        settled.append(delivery)
    return settled


def _timed_post(delivery: Delivery, config: dict, timeout: float) -> tuple[int | None, str | None, float]:
    started = time.perf_counter()
    status, failure = _post(delivery, config, timeout)
    return status, failure, time.perf_counter() - started


def _post(delivery: Delivery, config: dict, timeout: float) -> tuple[int | None, str | None]:
    """One POST of a notice; never raises: every error is the delivery's failure."""
    try:
        check_target(delivery.target, config)
    except TargetRefused as exc:
        return None, f"BER postar inte dit: {exc}"
    except Exception as exc:  # noqa: BLE001 — a malformed stored target is that subscription's problem
        return None, f"BER postar inte dit: {type(exc).__name__}."
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxy, .netrc or CA bundle from the environment
            response = session.post(
                delivery.target,
                json=delivery.body,
                timeout=(min(timeout, 5.0), timeout),
                headers={"User-Agent": "BER-mock webhooks"},
                allow_redirects=False,
                stream=True,
            )
            status = response.status_code
            response.close()  # the answer's body is never read
    except requests.RequestException as exc:
        return None, f"Mottagaren kunde inte nås: {type(exc).__name__}."
    except Exception as exc:  # noqa: BLE001 — InvalidURL's cousins (LocationParseError, UnicodeError, …)
        return None, f"Leveransen misslyckades: {type(exc).__name__}."
    if 300 <= status < 400:
        return status, f"Mottagaren svarade med status {status} (omdirigeringar följs inte)."
    if not 200 <= status < 300:
        return status, f"Mottagaren svarade med status {status}."
    return status, None


def dispatch() -> int:
    """One round of deliveries; returns how many were settled (delivered, failed or refused)."""
    kit = current_kit()
    config = current_app.config
    timeout = float(config["WEBHOOK_TIMEOUT_SECONDS"])
    settings = {key: config.get(key) for key in ("WEBHOOK_ALLOWED_TARGETS", "WEBHOOK_PUBLIC_TARGETS", "PINGPONG_URL")}
    locks = kit.locks
    assert locks is not None  # create_app gives every kit its locks
    with locks.hold("webhooks"):  # one round at a time, in any process
        at = now()
        with kit.db.session() as session, session.begin():
            due = []
            for sub in store.live_subscriptions(session, at):
                if sub.next_attempt is not None and sub.next_attempt > at:
                    continue
                modified, deleted = changes(session, list(sub.resource_types), sub.notified_until, at)
                if modified or deleted:
                    body = {"modifiedEntites": modified, "modifiedEntities": modified, "deletedEntities": deleted}
                    due.append(Delivery(sub.id, sub.target, sub.attempts + 1, body))
                else:
                    sub.notified_until = at  # nothing to tell up to now
        if not due:
            return 0
        # No database session held over HTTP; the outcomes are written here, once each.
        settled = _deliver_all(due, settings, timeout, int(config.get("WEBHOOK_PARALLEL") or 8))
        for delivery in settled:
            _record(kit, delivery, at)
        with kit.db.session() as session, session.begin():
            for delivery in settled:
                stored = session.get(Subscription, delivery.sid)
                if stored is None:
                    continue  # removed meanwhile
                stored.last_status = delivery.status
                if delivery.failure is None:
                    stored.notified_until, stored.attempts, stored.next_attempt, stored.last_error = at, 0, None, None
                    stored.delivered += 1
                else:
                    stored.attempts += 1
                    stored.next_attempt = at + backoff(stored.attempts)
                    stored.last_error = delivery.failure
    return len(settled)


def _record(kit, delivery: Delivery, at: datetime) -> None:
    shown = masked(delivery.target)
    try:
        path = urlsplit(shown).path or "/"
    except ValueError:
        path = "/"
    kit.journal.record(
        {
            "time": at.isoformat(),
            "method": "POST",
            "path": path,
            "query": "",
            "status": delivery.status,
            "duration_ms": round(delivery.duration * 1000, 2),
            "fault": None,
            "direction": "out",
            "target": shown,
            "subscription": delivery.sid,
            "attempt": delivery.attempt,
            "body": delivery.body,
            "error": delivery.failure,
        }
    )

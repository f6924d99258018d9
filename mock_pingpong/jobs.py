"""Ping Pong's background work: the BER sync (BER → Ping Pong), an SS 12000 v2.1 client over HTTP
keeping the local copy, run by the scheduler, on BER's notices and when a group is opened.

A full sync reads every list; an incremental one asks only for what changed since the last
``meta.modified`` seen (``meta.modified.after``) and, where BER offers it, what was removed since
(``GET /deletedEntities?after=``): a removed person, group, activity or duty leaves the copy in the
same cycle. A sync is one database transaction, so a BER failing midway leaves the copy as it was
("nothing lost").

Where BER offers ``/subscriptions``, Ping Pong subscribes to the types it copies and syncs at once
when BER posts a notice to ``/api/ber/webhook/<token>``; the periodic sync stays as the fallback
(a notice lost while Ping Pong was down is caught up by BER's retry or by the next poll).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Iterator

import requests

from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_pingpong import rules, store
from betyg_harness.mock_pingpong.errors import BerUnavailable

log = logging.getLogger("mock_pingpong.ber_sync")
API_PREFIX = "/ss12000/v2.1"
# In reference order: a group's activity names its syllabus and duties, a duty its person.
RESOURCES = ("organisations", "syllabuses", "persons", "duties", "groups", "activities")
STATE_KEY = "ber_sync"
# The SS 12000 types (EndPointsEnum) of RESOURCES: what Ping Pong subscribes to and asks removals of.
ENTITY_TYPES = ("Organisation", "Syllabus", "Person", "Duty", "Group", "Activity")
WEBHOOK_PATH = "/api/ber/webhook"
NOT_OFFERED = (404, 405, 501)  # BER answers so for an operation it does not offer
DELETION_OVERLAP = timedelta(seconds=1)  # removals are asked for a little before the watermark: re-applying is harmless
RENEW_BEFORE = timedelta(days=1)


class BerClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 5.0, page_limit: int = 500):
        self.base = base_url.rstrip("/") + API_PREFIX
        self.timeout = (min(timeout, 3.0), timeout)
        self.page_limit = page_limit
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.http.trust_env = False  # BER is called directly: no proxy or .netrc look-up per request

    def _get(self, path: str, params: dict | None = None) -> requests.Response:
        try:
            response = self.http.get(self.base + path, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise BerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in (404, 405):
            return response
        if response.status_code >= 400:
            raise BerUnavailable(f"{path} svarade {response.status_code}: {response.text[:200]}")
        return response

    def _json(self, response: requests.Response):
        try:
            return response.json()
        except ValueError as exc:
            raise BerUnavailable(f"ogiltig JSON från BER: {exc}") from exc

    def pages(self, resource: str, params: dict | None = None, *, digest=None) -> Iterator[list[dict]]:
        """Each page of a list endpoint, following ``pageToken`` (filters go on the first page only,
        as SS 12000 forbids combining them with a page token); ``digest`` (a hashlib object) is
        updated with each page's body as received."""
        query = dict(params or {})
        query["limit"] = self.page_limit
        while True:
            response = self._get(f"/{resource}", query)
            if digest is not None:
                digest.update(response.content)
            body = self._json(response)
            yield body.get("data") or []
            token = body.get("pageToken")
            if not token:
                return
            query = {"pageToken": token}

    def list(self, resource: str, params: dict | None = None, *, digest=None) -> Iterator[dict]:
        for page in self.pages(resource, params, digest=digest):
            yield from page

    def get(self, resource: str, item_id: str, *, digest=None) -> dict | None:
        response = self._get(f"/{resource}/{item_id}")
        if response.status_code == 404:
            return None
        if digest is not None:
            digest.update(response.content)
        return self._json(response)

    def send(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        """POST/PATCH/DELETE; an operation BER does not offer comes back as its response (404/405)."""
        try:
            response = self.http.request(method, self.base + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise BerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400 and response.status_code not in NOT_OFFERED:
            raise BerUnavailable(f"{method} {path} svarade {response.status_code}: {response.text[:200]}")
        return response

    def deleted(self, after: datetime, entities=ENTITY_TYPES) -> dict[str, set[str]] | None:
        """Ids removed after ``after`` by deletedEntities key, every page; None if BER does not offer it."""
        query: dict = {"after": after.isoformat(), "entities": list(entities), "limit": self.page_limit}
        out: dict[str, set[str]] = {}
        while True:
            response = self._get("/deletedEntities", query)
            if response.status_code in NOT_OFFERED:
                return None
            body = self._json(response)
            for key, ids in (body.get("data") or {}).items():
                out.setdefault(key, set()).update(ids or [])
            token = body.get("pageToken")
            if not token:
                return out
            query = {"pageToken": token}


# -- converting SS 12000 objects to rows ------------------------------------------------------------
def _ref(obj: dict | None) -> str | None:
    return obj.get("id") if isinstance(obj, dict) else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _modified(item: dict) -> datetime | None:
    value = (item.get("meta") or {}).get("modified")
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=STOCKHOLM)


class Fetched:
    """SS 12000 objects to write into the copy (a page of a list, or one group's refresh)."""

    def __init__(self):
        self.organisations: list[dict] = []
        self.syllabuses: list[dict] = []
        self.persons: list[dict] = []
        self.duties: list[dict] = []
        self.groups: list[dict] = []
        self.activities: list[dict] = []


def _organisation_row(o: dict) -> dict:
    return {
        "id": o["id"],
        "type": o.get("organisationType") or "",
        "name": o.get("displayName") or "",
        "school_unit_code": o.get("schoolUnitCode"),
        "parent_id": _ref(o.get("parentOrganisation")),
    }


def _syllabus_row(s: dict) -> dict:
    return {
        "id": s["id"],
        "course_code": s.get("courseCode") or s.get("subjectCode") or "",
        "course_name": s.get("courseName") or s.get("subjectName") or "",
        "points": s.get("points"),
        "school_type": s.get("schoolType") or "",
    }


def _person_row(p: dict) -> dict:
    return {
        "id": p["id"],
        "given_name": p.get("givenName") or "",
        "family_name": p.get("familyName") or "",
        "civic_no": (p.get("civicNo") or {}).get("value"),
    }


def _duty_row(d: dict) -> dict:
    return {
        "id": d["id"],
        "person_id": _ref(d.get("person")) or "",
        "role": d.get("dutyRole"),
        "organisation_id": _ref(d.get("dutyAt")),
    }


def _group_row(g: dict, end: date | None) -> dict:
    return {
        "id": g["id"],
        "name": g.get("displayName") or "",
        "start_date": _date(g.get("startDate")),
        "end_date": end,
        "organisation_id": _ref(g.get("organisation")),
        "ber_stamp": None,
    }


def _membership_rows(g: dict, end: date | None) -> list[dict]:
    return [
        {
            "group_id": g["id"],
            "person_id": _ref(m.get("person")),
            "start_date": _date(m.get("startDate")),
            "end_date": _date(m.get("endDate")),
            # A group without dates fails the comparison (TypeError): the sync keeps its copy.
            "admitted": rules.is_admitted(_date(m.get("endDate")), end),  # type: ignore[arg-type]
        }
        for m in g.get("groupMemberships") or []
        if _ref(m.get("person"))
    ]


def _apply_groups(conn, fetched_groups: list[dict]) -> set[str]:
    """Write the teaching groups and replace their memberships; return their ids."""
    teaching = [g for g in fetched_groups if g.get("groupType", "Undervisning") == "Undervisning"]
    affected: set[str] = set()
    group_rows, member_rows = [], []
    for g in teaching:
        end = _date(g.get("endDate")) or _date(g.get("startDate"))
        group_rows.append(_group_row(g, end))
        member_rows += _membership_rows(g, end)
        affected.add(g["id"])
    store.upsert_copy(conn, "groups", group_rows)  # only BER's columns: the version and counts are Ping Pong's
    store.replace_memberships(conn, sorted(affected), member_rows)
    return affected


def _teacher_rows(activity: dict, gid: str) -> list[dict]:
    return [
        {"group_id": gid, "duty_id": _ref(t.get("duty")), "person_id": None, "grader": bool(t.get("grader"))}
        for t in activity.get("teachers") or []
        if _ref(t.get("duty"))
    ]


def _apply_activities(conn, activities: list[dict]) -> set[str]:
    """Link activities to the known groups they name and replace those groups' teachers; return the
    linked group ids."""
    known = store.group_ids(conn)
    links, teacher_rows = [], []
    linked: list[str] = []
    for a in activities:
        for gid in (gid for gid in (_ref(x) for x in a.get("groups") or []) if gid is not None and gid in known):
            links.append({"gid": gid, "activity_id": a["id"], "syllabus_id": _ref(a.get("syllabus"))})
            linked.append(gid)
            teacher_rows += _teacher_rows(a, gid)
    store.link_activities(conn, links)
    store.replace_teachers(conn, sorted(set(linked)), teacher_rows)
    return set(linked)


def apply(conn, fetched: Fetched) -> set[str]:
    """Write fetched objects into the copy; return the group ids whose derived columns changed."""
    store.upsert_copy(conn, "organisations", [_organisation_row(o) for o in fetched.organisations])
    store.upsert_copy(conn, "syllabuses", [_syllabus_row(s) for s in fetched.syllabuses])
    store.upsert_copy(conn, "persons", [_person_row(p) for p in fetched.persons])
    store.upsert_copy(conn, "duties", [_duty_row(d) for d in fetched.duties])
    affected = _apply_groups(conn, fetched.groups)
    affected |= _apply_activities(conn, fetched.activities)
    # The groups whose teachers or syllabus are among the fetched persons, duties or syllabuses.
    affected |= store.groups_referring_to(
        conn,
        {p["id"] for p in fetched.persons},
        {d["id"] for d in fetched.duties},
        [s["id"] for s in fetched.syllabuses],
    )
    return affected


def _newest(page: list[dict], seen: set[str], newest: datetime | None) -> datetime | None:
    """Note the page's ids in ``seen``; return the newest ``meta.modified`` of ``newest`` and the page."""
    for item in page:
        seen.add(item["id"])
        stamp = _modified(item)
        if stamp and (newest is None or stamp > newest):
            newest = stamp
    return newest


def _next_watermark(watermark: str | None, newest: datetime | None, *, full: bool) -> str | None:
    """The newest stamp seen: meta.modified.after is exclusive, so a bulk load that stamps every
    record with one instant is not read again on the next sync."""
    if newest is None:
        return watermark
    newest_text = newest.isoformat()
    return newest_text if full or not watermark else max(watermark, newest_text, key=datetime.fromisoformat)


class _KitLock:
    """The mock's named lock (mock_kit.locks) as a plain context manager."""

    def __init__(self, kit, name: str):
        self.kit, self.name = kit, name
        self._local = threading.local()

    def __enter__(self):
        holder = self.kit.locks.hold(self.name)
        holder.__enter__()
        self._local.__dict__.setdefault("held", []).append(holder)
        return self

    def __exit__(self, *exc):
        return self._local.held.pop().__exit__(*exc)


class Syncer:
    """Keeps the copy of BER; one sync at a time."""

    def __init__(self, kit, config: dict):
        self.kit = kit
        self.config = config
        self.client = BerClient(
            config["BER_URL"],
            config["BER_API_TOKEN"],
            timeout=float(config["BER_TIMEOUT_SECONDS"]),
            page_limit=int(config["BER_PAGE_LIMIT"]),
        )
        self.interval = timedelta(minutes=float(config["SYNC_INTERVAL_MINUTES"]))
        self._lock = _KitLock(kit, "ber_sync")  # one sync at a time, in any process
        self._state_lock = threading.Lock()
        self._readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ber-read")
        self._state: dict | None = None
        kit.refreshers.append(self._forget_state)  # served by several processes: another may have synced

    def _forget_state(self) -> None:
        self._state = None

    # -- state ------------------------------------------------------------------------------------
    # Every request reads the state (the notice, a pending full sync); only this Syncer writes it, so
    # it is read from the database once and then kept in memory beside the stored copy.
    def state(self) -> dict:
        cached = self._state
        if cached is None:
            cached = self._state = self.kit.db.get_state(STATE_KEY, {}) or {}
        return dict(cached)

    def _write(self, state: dict) -> None:
        self.kit.db.set_state(STATE_KEY, state)
        self._state = dict(state)

    def _save(self, **changes) -> None:
        with self._state_lock:
            state = self.state()
            state.update(changes)
            self._write(state)

    def reset(self) -> None:
        """After a scenario load: the copy is empty and the next sync is a full one."""
        with self._state_lock:
            self._write(
                {"watermark": None, "last_success": None, "last_failure": None, "error": None, "pending_full": True}
            )

    def _now(self) -> datetime:
        return self.kit.clock.now()

    # -- syncing ----------------------------------------------------------------------------------
    def sync(self, *, full: bool = False) -> bool:
        """Full or incremental sync; True on success. A failure is recorded, never raised."""
        with self._lock:
            state = self.state()
            full = full or state.get("pending_full", True) or not state.get("watermark")
            params = {} if full else {"meta.modified.after": state["watermark"]}
            removals = None
            ask_removals = not full and state.get("deletions_offered") is not False
            try:
                # One transaction over every page: what arrives is written page by page (little
                # memory at 5,000 groups) and rolled back whole if BER fails midway (nothing lost).
                if ask_removals:
                    since = datetime.fromisoformat(state["watermark"]) - DELETION_OVERLAP
                    removals = self.client.deleted(since)
                with self.kit.db.engine.begin() as conn:
                    newest = self._copy(conn, params, removals, full=full)
            except (BerUnavailable, KeyError, TypeError, ValueError) as exc:
                # Unreachable, or answering with data we cannot read: keep the copy as it was.
                log.warning("BER sync failed: %s: %s", type(exc).__name__, exc)
                self._save(last_failure=self._now().isoformat(), error=f"{type(exc).__name__}: {exc}")
                return False
            offered = state.get("deletions_offered")
            if full:
                offered = None  # ask again after a full sync (BER may have been replaced)
            elif ask_removals:
                offered = removals is not None
            self._save(
                watermark=_next_watermark(state.get("watermark"), newest, full=full),
                last_success=self._now().isoformat(),
                error=None,
                pending_full=False,
                last_full=self._now().isoformat() if full else self.state().get("last_full"),
                deletions_offered=offered,
                last_removals=sum(len(v) for v in (removals or {}).values()),
            )
            self._keep_subscription(full)
            return True

    def _copy(self, conn, params: dict, removals: dict[str, set[str]] | None, *, full: bool) -> datetime | None:
        """Apply the removals, then every page of every list, and refresh the derived columns;
        return the newest ``meta.modified`` seen."""
        affected: set[str] | None
        affected = set()  # None once a full sync drops what BER no longer has: refresh all
        if removals:  # first: a record removed and then re-created keeps its new self
            affected |= store.apply_deletions(conn, removals)
        newest: datetime | None = None
        seen: dict[str, set[str]] = {name: set() for name in RESOURCES}
        for name in RESOURCES:
            for page in self.client.pages(name, params):
                fetched = Fetched()
                setattr(fetched, name, page)
                affected |= apply(conn, fetched)
                newest = _newest(page, seen[name], newest)
        if full:
            store.drop_missing(conn, seen)
            affected = None
        store.refresh_derived(conn, affected)
        return newest

    # -- webhooks ---------------------------------------------------------------------------------
    def webhook_base(self) -> str:
        return (self.config.get("WEBHOOK_BASE_URL") or self.config["PINGPONG_URL"]).rstrip("/") + WEBHOOK_PATH

    def _keep_subscription(self, full: bool) -> None:
        """Subscribe to BER's notices when BER offers them; renew before expiry; never fail a sync."""
        if not self.config.get("BER_WEBHOOKS", True):
            return
        state = self.state()
        if state.get("webhooks_offered") is False and not full:
            return
        sub = state.get("webhook")
        try:
            if sub and full and self.client.send("GET", f"/subscriptions/{sub['id']}").status_code in NOT_OFFERED:
                sub = None  # BER no longer knows it (reloaded): subscribe anew
            if sub and datetime.fromisoformat(sub["expires"]) - self._now() < RENEW_BEFORE:
                renewed = self.client.send("PATCH", f"/subscriptions/{sub['id']}")
                sub = dict(sub, expires=renewed.json()["expires"]) if renewed.status_code == 200 else None
            if sub is None:
                sub = self._subscribe()
        except (BerUnavailable, KeyError, TypeError, ValueError) as exc:
            log.warning("BER subscription not kept: %s: %s", type(exc).__name__, exc)
            return
        self._save(webhook=sub or None, webhooks_offered=bool(sub))

    def _subscribe(self) -> dict | None:
        base = self.webhook_base()
        listed = self.client.send("GET", "/subscriptions")
        if listed.status_code in NOT_OFFERED:
            return None
        for old in listed.json().get("data") or []:  # our own from an earlier life: one subscription only
            if str(old.get("target", "")).startswith(base + "/"):
                self.client.send("DELETE", f"/subscriptions/{old['id']}")
        token = secrets.token_urlsafe(18)
        created = self.client.send(
            "POST",
            "/subscriptions",
            {
                "name": "Ping Pong (Lärportalen)",
                "target": f"{base}/{token}",
                "resourceTypes": [{"resource": t} for t in ENTITY_TYPES],
            },
        )
        if created.status_code in NOT_OFFERED:
            return None
        body = created.json()
        return {"id": body["id"], "expires": body["expires"], "token": token, "target": body["target"]}

    def expects(self, token: str) -> bool:
        """Whether ``token`` is our subscription's (the receiver asks before it reads a notice's body)."""
        sub = self.state().get("webhook") or {}
        known = sub.get("token")
        return bool(known) and secrets.compare_digest(
            token.encode("utf-8", "surrogateescape"), str(known).encode("utf-8", "surrogateescape")
        )

    def notified(self, token: str, body: object) -> bool | None:
        """A notice from BER: sync at once. None when the token is not our subscription's."""
        if not self.expects(token):
            return None
        log.info("BER notice: %s", body)
        return self.sync()

    def refresh_group(self, group_id: str) -> bool:
        """Re-read one group's roster and teachers from BER (opening the grading view)."""
        try:
            # The group and its activity are read at the same time (two round trips in the time of one);
            # the stamp is a digest of BER's answers as received (no re-serialising a 200-student roster).
            activities_job = self._readers.submit(self._activities_of, group_id)
            try:
                digest = hashlib.sha1()
                group = self.client.get("groups", group_id, digest=digest)
            finally:
                activities, activities_digest = activities_job.result()
            if group is None:
                return True  # BER no longer knows it; the next full sync removes it
            stamp = f"{digest.hexdigest()}{activities_digest}"
            with self.kit.db.engine.connect() as conn:
                if store.ber_stamp(conn, group_id) == stamp:
                    return self._answered()  # nothing changed in BER since the last look
                known_duties = store.duty_ids(conn) if activities else set()
            fetched = Fetched()
            fetched.groups, fetched.activities = [group], activities
            self._fetch_missing_duties(fetched, known_duties)
            self._fetch_missing_persons(fetched, group)
        except BerUnavailable as exc:
            log.warning("BER group refresh failed: %s", exc)
            self._save(last_failure=self._now().isoformat(), error=str(exc))
            return False
        with self._lock, self.kit.db.engine.begin() as conn:
            affected = apply(conn, fetched)
            store.refresh_derived(conn, affected)
            store.set_ber_stamp(conn, group_id, stamp)
        return self._answered()

    def _fetch_missing_duties(self, fetched: Fetched, known_duties: set[str]) -> None:
        """Read from BER the duties of the fetched activities' teachers that the copy lacks."""
        duty_ids = {
            d
            for d in (_ref(t.get("duty")) for a in fetched.activities for t in a.get("teachers") or [])
            if d is not None
        }
        for duty_id in duty_ids - known_duties:
            duty = self.client.get("duties", duty_id)
            if duty:
                fetched.duties.append(duty)

    def _fetch_missing_persons(self, fetched: Fetched, group: dict) -> None:
        """Read from BER the group's members and the fetched duties' persons that the copy lacks."""
        person_ids = {p for p in (_ref(m.get("person")) for m in group.get("groupMemberships") or []) if p is not None}
        person_ids |= {p for p in (_ref(d.get("person")) for d in fetched.duties) if p is not None}
        with self.kit.db.engine.connect() as conn:
            known = store.known_person_ids(conn, person_ids)
        for person_id in person_ids - known:
            person = self.client.get("persons", person_id)
            if person:
                fetched.persons.append(person)

    def _activities_of(self, group_id: str) -> tuple[list[dict], str]:
        digest = hashlib.sha1()
        return list(self.client.list("activities", {"group": group_id}, digest=digest)), digest.hexdigest()

    def _answered(self) -> bool:
        if self.notice():
            self.sync()  # BER answers again: bring the whole copy up to date, which clears the notice
        return True

    def ensure_current(self) -> None:
        """Before a search: a pending full sync, or with interval 0 an incremental one."""
        state = self.state()
        if state.get("pending_full", True) or self.interval <= timedelta(0):
            self.sync()

    # -- what the UI says -------------------------------------------------------------------------
    def notice(self) -> str | None:
        """ "BER kunde inte nås …" with the copy's age, when the last contact with BER failed."""
        state = self.state()
        failure, success = state.get("last_failure"), state.get("last_success")
        if not failure or (success and datetime.fromisoformat(success) >= datetime.fromisoformat(failure)):
            return None
        if not success:
            return "BER kunde inte nås. Det finns ännu ingen kopia av BER:s uppgifter."
        at = datetime.fromisoformat(success)
        minutes = max(0, int((self._now() - at).total_seconds() // 60))
        return (
            f"BER kunde inte nås. Uppgifterna är från {at:%Y-%m-%d %H:%M} "
            f"({minutes} minuter gamla) och uppdateras när BER svarar igen."
        )

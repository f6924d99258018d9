"""A tiny SS 12000 v2.1 server for Ping Pong's tests: real HTTP on a free port, built from a
scenario per docs/contracts.md (not BER's rules: only the shape Ping Pong reads).

Ping Pong must meet BER over HTTP only, so its tests do too; this stands in for BER until the
end-to-end tests run against the real one.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from datetime import datetime

from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_kit.scenario import stable_id
from tests.support.clock import START


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs):  # keep test output clean
        pass


RESOURCES = ("organisations", "persons", "duties", "groups", "syllabuses", "activities")


def _meta(at: datetime) -> dict:
    return {"created": at.isoformat(), "modified": at.isoformat()}


def build(scenario: dict, at: datetime) -> dict[str, dict[str, dict]]:
    """The scenario as SS 12000 objects, keyed by resource and id."""
    data: dict[str, dict[str, dict]] = {r: {} for r in RESOURCES}
    meta = _meta(at)
    owner_name = (scenario.get("huvudman") or {}).get("name", "Stockholms stad")
    owner = stable_id("huvudman", owner_name)
    data["organisations"][owner] = {
        "id": owner,
        "meta": dict(meta),
        "organisationType": "Huvudman",
        "displayName": owner_name,
    }
    for unit in scenario["schoolUnits"]:
        uid = stable_id("organisation", unit["key"])
        data["organisations"][uid] = {
            "id": uid,
            "meta": dict(meta),
            "organisationType": "Skolenhet",
            "displayName": unit["name"],
            "schoolUnitCode": unit["schoolUnitCode"],
            "parentOrganisation": {"id": owner},
        }
    for course in scenario["courses"]:
        sid = stable_id("syllabus", course["code"])
        data["syllabuses"][sid] = {
            "id": sid,
            "meta": dict(meta),
            "courseCode": course["code"],
            "courseName": course["name"],
            "points": course["points"],
            "subjectName": course["name"],
            "official": True,
            "schoolType": "VUXGY" if course["level"] == "gymnasial" else "VUXGR",
        }
    for person in scenario["staff"] + scenario["students"]:
        pid = stable_id("person", person["key"])
        data["persons"][pid] = {
            "id": pid,
            "meta": dict(meta),
            "givenName": person["givenName"],
            "familyName": person["familyName"],
            "civicNo": {"value": person["civicNo"]},
        }
    for member in scenario["staff"]:
        did = stable_id("duty", member["key"])
        data["duties"][did] = {
            "id": did,
            "meta": dict(meta),
            "person": {"id": stable_id("person", member["key"])},
            "dutyAt": {"id": stable_id("organisation", member["schoolUnit"])},
            "dutyRole": member["dutyRole"],
            "startDate": "2020-01-01",
        }
    for group in scenario["groups"]:
        gid = stable_id("group", group["key"])
        members = []
        for enrolment in group.get("enrolments", []):
            if enrolment["status"] == "Ej antagen":
                continue  # never admitted: no membership
            membership = {"person": {"id": stable_id("person", enrolment["student"])}, "startDate": group["startDate"]}
            if enrolment["status"] in ("Avbrott", "Avslutad"):
                membership["endDate"] = enrolment.get("date", group["startDate"])
            members.append(membership)
        data["groups"][gid] = {
            "id": gid,
            "meta": dict(meta),
            "displayName": group["name"],
            "groupType": "Undervisning",
            "startDate": group["startDate"],
            "endDate": group["endDate"],
            "organisation": {"id": stable_id("organisation", group["schoolUnit"])},
            "groupMemberships": members,
        }
        aid = stable_id("activity", group["key"])
        teachers = list(dict.fromkeys(group.get("teachers", []) + group.get("graders", [])))
        data["activities"][aid] = {
            "id": aid,
            "meta": dict(meta),
            "displayName": group["name"],
            "calendarEventsRequired": False,
            "activityType": "Undervisning",
            "startDate": group["startDate"],
            "endDate": group["endDate"],
            "groups": [{"id": gid}],
            "syllabus": {"id": stable_id("syllabus", group["course"])},
            "organisation": {"id": stable_id("organisation", group["schoolUnit"])},
            "teachers": [
                {
                    "duty": {"id": stable_id("duty", t)},
                    "startDate": group["startDate"],
                    "grader": t in group.get("graders", []),
                }
                for t in teachers
            ],
        }
    return data


class BerStub:
    """``with BerStub(scenario) as ber: ber.url`` — serves until the block ends."""

    def __init__(
        self,
        scenario: dict,
        *,
        token: str = "ber-dev-token",
        max_limit: int = 1000,
        at: str = "2026-12-01T08:00:00+01:00",
    ):
        self.token = token
        self.max_limit = max_limit
        self.data = build(scenario, datetime.fromisoformat(at))
        self.failing = False  # answer 503 to everything
        self.fail_on: set[str] = set()  # answer 503 to these resources only (e.g. {"activities"})
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- changing BER between syncs -------------------------------------------------------------
    def touch(self, resource: str, item_id: str, at: str) -> dict:
        item = self.data[resource][item_id]
        item["meta"]["modified"] = datetime.fromisoformat(at).isoformat()
        return item

    def set_grader(self, group_key: str, staff_key: str, grader: bool, at: str) -> None:
        with self._lock:
            activity = self.touch("activities", stable_id("activity", group_key), at)
            duty = stable_id("duty", staff_key)
            for teacher in activity["teachers"]:
                if teacher["duty"]["id"] == duty:
                    teacher["grader"] = grader
                    return
            activity["teachers"].append({"duty": {"id": duty}, "grader": grader})

    def end_membership(self, group_key: str, student_key: str, end: str, at: str) -> None:
        with self._lock:
            group = self.touch("groups", stable_id("group", group_key), at)
            for membership in group["groupMemberships"]:
                if membership["person"]["id"] == stable_id("person", student_key):
                    membership["endDate"] = end

    def rename_group(self, group_key: str, name: str, at: str) -> None:
        with self._lock:
            self.touch("groups", stable_id("group", group_key), at)["displayName"] = name

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]

    # -- the HTTP side ------------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask("ber_stub")

        def error(status, code, message):
            return jsonify({"code": code, "message": message}), status

        @app.before_request
        def _guard():
            self.calls.append((request.path, request.args.to_dict()))
            if self.failing or any(f"/{name}" in request.path for name in self.fail_on):
                return error(503, "unavailable", "BER är inte tillgängligt.")
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return error(401, "unauthorized", "Fel token.")
            return None

        @app.get("/ss12000/v2.1/<resource>")
        def listing(resource):
            if resource not in RESOURCES:
                return error(404, "not_found", "Okänd resurs.")
            args = request.args.to_dict()
            if "pageToken" in args:
                if set(args) - {"pageToken", "limit"}:
                    return error(400, "invalid_parameter", "Filter kan inte kombineras med pageToken.")
                state = json.loads(base64.urlsafe_b64decode(args["pageToken"]))
                args, offset = state["args"], state["offset"]
            else:
                offset = 0
            with self._lock:
                items = sorted(self.data[resource].values(), key=lambda i: i["id"])
                after = args.get("meta.modified.after")
                if after:
                    since = datetime.fromisoformat(after)
                    since = since if since.tzinfo else since.replace(tzinfo=STOCKHOLM)
                    items = [i for i in items if datetime.fromisoformat(i["meta"]["modified"]) > since]
                if resource == "activities" and args.get("group"):
                    items = [i for i in items if any(g["id"] == args["group"] for g in i["groups"])]
                limit = min(int(args.get("limit", self.max_limit)), self.max_limit)
                page = copy.deepcopy(items[offset : offset + limit])
            body = {"data": page}
            if offset + limit < len(items):
                body["pageToken"] = base64.urlsafe_b64encode(
                    json.dumps({"args": args, "offset": offset + limit}).encode()
                ).decode()
            return jsonify(body)

        @app.get("/ss12000/v2.1/<resource>/<item_id>")
        def one(resource, item_id):
            with self._lock:
                item = self.data.get(resource, {}).get(item_id)
                item = copy.deepcopy(item)
            if item is None:
                return error(404, "not_found", "Finns inte.")
            return jsonify(item)

        return app


# -- Ping Pong through Flask's test client -----------------------------------------------------------
import html as html_lib  # noqa: E402
import re  # noqa: E402


from betyg_harness.mock_kit.scenario import load as load_scenario  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
API_AUTH = {"Authorization": "Bearer pingpong-dev-token"}


def frozen_default(**clock) -> dict:
    """The default scenario with its clock frozen (tests move time explicitly)."""
    doc = copy.deepcopy(load_scenario("default"))
    doc["clock"] = {"start": clock.get("start", START), "frozen": True}
    return doc


def gid(key: str) -> str:
    return stable_id("group", key)


def pid(key: str) -> str:
    return stable_id("person", key)


class Browser:
    """A logged-in user of Ping Pong driving the forms as a browser would (CSRF tokens included)."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.last = None

    def token(self, html: str | None = None) -> str:
        html = html if html is not None else self.last.get_data(as_text=True)
        return CSRF_RE.search(html).group(1)

    def get(self, url, **kw):
        self.last = self.client.get(url, **kw)
        return self.last

    def post(self, url, data, **kw):
        self.last = self.client.post(url, data=data, **kw)
        return self.last

    def login(self, username: str, password: str | None = None):
        page = self.get("/login")
        return self.post(
            "/login",
            {
                "username": username,
                "password": password or username,
                "csrf_token": self.token(page.get_data(as_text=True)),
            },
        )

    def open_group(self, key: str):
        return self.get(f"/betyg/grupp/{gid(key)}")

    def grading_form(self, key: str, grades: dict[str, str], locks=(), teachers=(), version=None, page=None):
        """Form data for the grading view: grades/locks by student key, teachers by staff key."""
        html = (page or self.open_group(key)).get_data(as_text=True)
        data = {
            "csrf_token": self.token(html),
            "version": version if version is not None else re.search(r'name="version" value="(-?\d+)"', html).group(1),
            "teacher": [pid(t) for t in teachers],
        }
        for student, value in grades.items():
            data[f"grade-{pid(student)}"] = value
        for student in locks:
            data[f"lock-{pid(student)}"] = "1"
        return data

    def first_save(self, key: str, data: dict):
        return self.post(f"/betyg/grupp/{gid(key)}", data)

    def payload(self) -> str:
        return re.search(r'name="payload" value="([^"]+)"', self.last.get_data(as_text=True)).group(1)

    def second_save(self, key: str, action: str = "spara"):
        data = {"csrf_token": self.token(), "payload": self.payload(), "action": action}
        return self.post(f"/betyg/grupp/{gid(key)}/sammanfattning", data)

    def grade(self, key: str, grades: dict[str, str], locks=(), teachers=()):
        """Both Spara clicks; returns the final response."""
        first = self.first_save(key, self.grading_form(key, grades, locks, teachers))
        assert first.status_code == 200, first.get_data(as_text=True)
        return self.second_save(key)


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()

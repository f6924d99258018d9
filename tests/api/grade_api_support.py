"""A tiny real HTTP stand-in for Ping Pong's grade API (betyg.xsd XML), and BER built to import from
it: what tests/api/test_ber_import.py and test_ber_history.py share (the ``pingpong`` fixture that
starts the stand-in is in tests/api/conftest.py).

It stages what the real Ping Pong cannot be made to send at a chosen moment: an answer 500
(``mode = "500"``), XML that breaks the contract (``mode = "invalid"``), being down and back on the
same port (``stop()``/``start()``), a student BER does not know, a grade dropped from a student's
complete list, a grade locked at a chosen second. The round trip with the real Ping Pong is in
test_ber_history.py (its last test) and test_ber_pingpong_sync_live.py."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import datetime

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from betyg_harness.contracts import validate_betyg_xml
from betyg_harness.mock_ber import create_app
from betyg_harness.scenario import stable_id
from tests.support.clock import START

NS = "http://pingpong.se/schemas/grades/v1.1"
AUTH = {"Authorization": "Bearer ber-dev-token"}
S01 = stable_id("person", "s01")
SVE_GROUP = stable_id("group", "svesve01-ht26-a")
HIS_GROUP = stable_id("group", "hishis01a1-ht26-utan")
SCHOOL = stable_id("organisation", "vux-kista")
ANNA = stable_id("person", "anna.lindqvist")
KARIN = stable_id("person", "karin.ostberg")


class PingPongGradeApi:
    """GET /api/skolplattform/betyg with Ping Pong's semantics; ``mode`` injects failures."""

    def __init__(self):
        self.grades: dict[str, list[dict]] = {}
        self.mode = "ok"  # ok | 500 | invalid
        self.requests: list[dict] = []
        self.port = 0
        self._server = None

    def lock(self, student, course, value, group, teachers, at, school=SCHOOL, day="2026-12-18"):
        grades = [g for g in self.grades.get(student, []) if (g["course"], g["group"]) != (course, group)]
        grades.append(
            {
                "course": course,
                "value": value,
                "group": group,
                "teachers": teachers,
                "locked_at": datetime.fromisoformat(at),
                "school": school,
                "date": day,
            }
        )
        self.grades[student] = grades

    def remove(self, student, course, touched_at):
        """Take a grade away; the student's list counts as changed at ``touched_at``."""
        rest = [g for g in self.grades[student] if g["course"] != course]
        for g in rest:
            g["locked_at"] = datetime.fromisoformat(touched_at)
        self.grades[student] = rest

    def xml(self, start: str, tom: str) -> bytes:
        root = ET.Element(f"{{{NS}}}betyg", {"from": start + ":00", "tom": tom + ":00"})
        lo, hi = datetime.fromisoformat(start), datetime.fromisoformat(tom)
        for student, grades in sorted(self.grades.items()):
            if not any(lo <= g["locked_at"] < hi for g in grades):
                continue
            elev = ET.SubElement(root, f"{{{NS}}}elev", {"id": "{" + student + "}"})
            for g in grades:
                kb = ET.SubElement(elev, f"{{{NS}}}kursbetyg")
                value = "X" if self.mode == "invalid" else g["value"]
                for tag, text in (
                    ("value", value),
                    ("datum", g["date"]),
                    ("prövning", "false"),
                    ("betygsgrupp", "{" + g["group"] + "}"),
                    ("skola", "{" + g["school"] + "}"),
                ):
                    ET.SubElement(kb, f"{{{NS}}}{tag}").text = text
                decision = ET.SubElement(kb, f"{{{NS}}}beslutsfattare", {"roll": "LÄRARE"})
                for teacher in g["teachers"]:
                    ET.SubElement(decision, f"{{{NS}}}person").text = "{" + teacher + "}"
                for tag, text in (("skolform", "VUX"), ("kurskod", g["course"]), ("omdöme", "false")):
                    ET.SubElement(kb, f"{{{NS}}}{tag}").text = text
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        if self.mode != "invalid":
            validate_betyg_xml(body)  # the stand-in speaks the real contract
        return body

    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append(dict(request.args))
        if request.headers.get("Authorization") != "Bearer pingpong-dev-token":
            return Response("unauthorized", 401)
        if self.mode == "500":
            return Response("Internal Server Error", 500)
        body = self.xml(request.args["from"], request.args["tom"])
        return Response(body, 200, content_type="application/xml; charset=utf-8")

    def start(self):
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


def make_ber(pingpong, **config):
    app = create_app(
        {"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": pingpong.url, "IMPORT_TIMEOUT_SECONDS": 2, **config}
    )
    client = app.test_client()
    client.post("/_mock/clock", json={"now": START, "freeze": True})
    return app, client


def advance(client, minutes):
    response = client.post("/_mock/clock/advance", json={"minutes": minutes})
    assert response.status_code == 200
    return response.get_json()["jobs_run"]


def runs(app):
    from betyg_harness.mock_ber.models import ImportRun

    with app.extensions["mock_kit"].db.session() as s:
        return [
            (r.status, r.from_.isoformat(), r.tom.isoformat(), r.applied, r.removed, r.error)
            for r in s.query(ImportRun).order_by(ImportRun.id)
        ]

"""The real BER and the real Ping Pong in one test process, each behind its own werkzeug server on a
free port, meeting only over HTTP (SS 12000 both ways: lists, deletedEntities, subscriptions and
webhook notices). Clocks are frozen and moved by the tests; no background scheduler threads.

A server can be stopped and started again on the same port (Ping Pong "down").
"""

from __future__ import annotations

import copy
import threading
from datetime import timedelta

from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from betyg_harness.ports import free_port
from betyg_harness.mock_kit.scenario import load as load_scenario
from betyg_harness.scenario import stable_id
from tests.support.clock import START


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs):
        pass


def frozen(name: str = "default") -> dict:
    doc = copy.deepcopy(load_scenario(name))
    doc["clock"] = {"start": START, "frozen": True}
    return doc


class Served:
    """A Flask app served over real HTTP in a thread; ``stop()``/``start()`` keep the port."""

    def __init__(self, app, port: int):
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"
        self.server = None
        self.start()

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def kit(self):
        return self.app.extensions["mock_kit"]

    def advance(self, **delta):
        return self.kit.scheduler.advance(timedelta(**delta))

    def shift_clock(self, **delta) -> None:
        """Move the clock without running any job (a change made "a minute later")."""
        self.kit.clock.set(self.kit.clock.now() + timedelta(**delta))


class Pair:
    def __init__(
        self, document: dict | None = None, *, ber_config: dict | None = None, pingpong_config: dict | None = None
    ):
        from betyg_harness.mock_ber import create_app as ber_app
        from betyg_harness.mock_pingpong import create_app as pingpong_app

        document = document or frozen()
        ber_port, pp_port = free_port(), free_port()
        shared = {
            "SCHEDULER": False,
            "LOG_REQUESTS": False,
            "SCENARIO": document,
            "PINGPONG_URL": f"http://127.0.0.1:{pp_port}",
            "BER_URL": f"http://127.0.0.1:{ber_port}",
        }
        self.ber = Served(ber_app({**shared, "IMPORT_MODE": "interval", **(ber_config or {})}), ber_port)
        self.pingpong = Served(pingpong_app({**shared, **(pingpong_config or {})}), pp_port)

    def load(self, document: dict | None = None) -> None:
        """Both back at the scenario's start: BER first, then Ping Pong (which syncs and subscribes)."""
        document = document or frozen()
        self.ber.kit.load_scenario(document)
        self.pingpong.kit.load_scenario(document)

    def close(self) -> None:
        self.pingpong.stop()
        self.ber.stop()
        for served in (self.pingpong, self.ber):
            served.kit.db.dispose()

    # -- BER's side: the registry's own functions, as BER's routines call them --------------------
    def in_ber(self, change) -> None:
        with self.ber.app.app_context(), self.ber.kit.db.session() as session, session.begin():
            change(session)

    # -- Ping Pong's side: its synced copy, read as its screens read it ------------------------------
    def copy(self) -> dict:
        from betyg_harness.mock_pingpong import store
        from betyg_harness.mock_pingpong.models import persons

        with self.pingpong.kit.db.engine.connect() as conn:
            rows, _ = store.search_groups(conn)
            people = sorted(conn.execute(select(persons.c.given_name)).scalars())
            sheets = {}
            for key in ("svesve01-ht26-a", "grnmat2-ht26-a"):
                sheet = store.load_sheet(conn, stable_id("group", key))
                sheets[key] = (
                    None
                    if sheet is None
                    else {
                        "admitted": sorted(s.given_name for s in sheet.students),
                        "teachers": sorted(t.given_name for t in sheet.teachers),
                    }
                )
        return {"searchable": sorted(r.name for r in rows), "persons": people, **sheets}

    def ber_deliveries(self) -> list[dict]:
        return [e for e in self.ber.kit.journal.entries(method="POST") if e.get("direction") == "out"]


def with_history(document: dict) -> dict:
    """``document`` with earlier grades for Åsa Öberg (s01) already in BER: another course last
    spring, an earlier term's grade corrected by a rättelse, and a prövning."""
    doc = copy.deepcopy(document)
    s01 = next(s for s in doc["students"] if s["key"] == "s01")
    s01["earlierGrades"] = [
        {"course": "MATMAT01a", "value": "C", "date": "2026-06-10", "graders": ["omar.haddad"]},
        {
            "course": "ENGENG05",
            "value": "B",
            "date": "2025-12-19",
            "graders": ["karin.ostberg"],
            "correction": {
                "type": "Rättelse",
                "previousValue": "C",
                "date": "2026-01-15",
                "reason": "Felräknad poängsumma",
            },
        },
        {"course": "HISHIS01a1", "value": "E", "date": "2026-03-20", "trial": True},
    ]
    return doc


PROGRAMME = {
    "key": "behorighet-hogskola",
    "name": "Grundläggande behörighet till högskolan",
    "code": "GRBEH",
    "type": "Högskoleförberedande program",
    "schoolType": "VUXGY",
    "courses": ["SVESVE01", "ENGENG05", "MATMAT01a"],
    "schoolUnits": ["vux-kista"],
}


def rich(document: dict | None = None) -> dict:
    """The frozen default with earlier grades and a programme: every SS 12000 resource BER serves has data."""
    doc = with_history(document or frozen())
    doc["programmes"] = [copy.deepcopy(PROGRAMME)]
    return doc

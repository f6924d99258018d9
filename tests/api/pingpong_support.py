"""What Ping Pong's API tests share: the real BER it syncs from, served over HTTP in this process
(with the faults a test stages); Ping Pong itself they drive with the one form client,
tests/support/pingpong_forms.py, through Flask's test client.

Ping Pong must meet BER over HTTP only, so its tests do too: BER here is mock_ber itself, loaded with
the same scenario, behind a switch that answers 503 where a test stages BER being down.
"""

from __future__ import annotations

import copy
import html as html_lib
import json
import re
from datetime import date, datetime

from werkzeug.wrappers import Request, Response

from betyg_harness.launcher import free_port
from betyg_harness.mock_kit.scenario import load as load_scenario, stable_id
from tests.api.live_pair import Served
from tests.support.clock import START

RESOURCES = ("organisations", "persons", "duties", "groups", "syllabuses", "activities")
# BER's records stamped before the scenario's start: Ping Pong's first incremental sync asks from there.
BER_LOADED_AT = "2026-12-01T08:00:00+01:00"


class Ber:
    """The real BER on ``document``, served on a free port until ``stop()``: pages of at most
    ``page_size`` records, its clock frozen at ``loaded_at`` (the records' created/modified).

    The faults a test stages (the only part that is not BER's own): ``failing`` answers 503 to every
    request, ``fail_on`` to the named resources only (a sync failing midway); ``calls`` records the
    path and query of every request, as Ping Pong made it."""

    def __init__(self, document: dict, *, page_size: int = 1000, loaded_at: str = BER_LOADED_AT):
        from betyg_harness.mock_ber import create_app

        self.document, self.loaded_at = document, loaded_at
        self.failing = False
        self.fail_on: set[str] = set()
        self.calls: list[tuple[str, dict]] = []
        app = create_app(
            {
                "SCHEDULER": False,
                "LOG_REQUESTS": False,
                "SCENARIO": self._stamped(document),
                "SS12000_MAX_PAGE_SIZE": page_size,
            }
        )
        self.token = app.config["BER_API_TOKEN"]
        inner = app.wsgi_app
        app.wsgi_app = lambda environ, start_response: self._staged(inner, environ, start_response)  # type: ignore[method-assign]
        self.served = Served(app, free_port())
        self.url = self.served.url

    def _stamped(self, document: dict) -> dict:
        doc = copy.deepcopy(document)
        doc["clock"] = {"start": self.loaded_at, "frozen": True}
        return doc

    def _staged(self, inner, environ, start_response):
        request = Request(environ)
        self.calls.append((request.path, request.args.to_dict()))
        if self.failing or any(f"/{name}" in request.path for name in self.fail_on):
            body = json.dumps({"code": "unavailable", "message": "BER är inte tillgängligt."})
            return Response(body, 503, content_type="application/json")(environ, start_response)
        return inner(environ, start_response)

    def reset(self) -> None:
        """BER back at the scenario's start, no fault staged, no call recorded."""
        self.served.kit.load_scenario(self._stamped(self.document))
        self.failing, self.fail_on = False, set()
        self.calls.clear()

    def stop(self) -> None:
        self.served.stop()
        self.served.kit.db.dispose()

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]

    # -- changing BER between syncs: the registry's own functions, stamped ``at`` -----------------
    def _change(self, change, at: str) -> None:
        from betyg_harness.mock_ber import registry

        with self.served.app.app_context(), self.served.kit.db.session() as session, session.begin():
            change(session, registry, datetime.fromisoformat(at))

    def set_grader(self, group_key: str, staff_key: str, grader: bool, at: str) -> None:
        from betyg_harness.mock_ber.models import Person, TeachingGroup

        def change(session, registry, now):
            group = session.get(TeachingGroup, stable_id("group", group_key))
            person = session.get(Person, stable_id("person", staff_key))
            (registry.link_grader if grader else registry.unlink_grader)(session, group, person, now=now)

        self._change(change, at)

    def end_membership(self, group_key: str, student_key: str, end: str, at: str) -> None:
        """The student's Avbrott on ``end``."""
        from sqlalchemy import select

        from betyg_harness.mock_ber.models import Enrolment

        def change(session, registry, now):
            enrolment = session.scalars(
                select(Enrolment).where(
                    Enrolment.group_id == stable_id("group", group_key),
                    Enrolment.person_id == stable_id("person", student_key),
                )
            ).one()
            registry.set_enrolment_status(session, enrolment, "Avbrott", date.fromisoformat(end), now=now)

        self._change(change, at)

    def rename_group(self, group_key: str, name: str, at: str) -> None:
        from betyg_harness.mock_ber.models import TeachingGroup

        def change(session, registry, now):
            group = session.get(TeachingGroup, stable_id("group", group_key))
            group.name = name
            registry.touch(group, now)

        self._change(change, at)


# -- Ping Pong's scenario, ids and pages -------------------------------------------------------------
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


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()

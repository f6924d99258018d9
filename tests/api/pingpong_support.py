"""What Ping Pong's API tests share: the real BER it syncs from, served over HTTP in this process
(with the faults a test stages through its control API); Ping Pong itself they drive with the one
form client, tests/support/pingpong_forms.py, through Flask's test client.

Ping Pong must meet BER over HTTP only, so its tests do too: BER here is mock_ber itself, loaded with
the same scenario; where a test stages BER being down, BER's own fault rules answer 503.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from datetime import date, datetime
from urllib.parse import parse_qsl

from betyg_harness.flows import MockControl
from betyg_harness.ports import free_port
from betyg_harness.mock_kit.scenario import load as load_scenario
from betyg_harness.scenario import stable_id
from tests.api.live_pair import Served
from tests.support.clock import START

RESOURCES = ("organisations", "persons", "duties", "groups", "syllabuses", "activities")
# BER's records stamped before the scenario's start: Ping Pong's first incremental sync asks from there.
BER_LOADED_AT = "2026-12-01T08:00:00+01:00"


class Ber:
    """The real BER on ``document``, served on a free port until ``stop()``: pages of at most
    ``page_size`` records, its clock frozen at ``loaded_at`` (the records' created/modified).

    Faults are staged through BER's own control API (mock_kit's fault rules, as the process tests
    stage theirs): ``failing = True`` answers 503 to every SS 12000 request, ``fail_on = {"activities"}``
    to the named resources only (a sync failing midway). ``calls`` reads BER's request journal: the
    path and query of each request, as Ping Pong made it; ``forget_calls()`` empties it."""

    def __init__(self, document: dict, *, page_size: int = 1000, loaded_at: str = BER_LOADED_AT):
        from betyg_harness.mock_ber import create_app

        self.document, self.loaded_at = document, loaded_at
        self._failing, self._fail_on = False, frozenset[str]()
        app = create_app(
            {
                "SCHEDULER": False,
                "LOG_REQUESTS": False,
                "SCENARIO": self._stamped(document),
                "SS12000_MAX_PAGE_SIZE": page_size,
            }
        )
        self.token = app.config["BER_API_TOKEN"]
        self.served = Served(app, free_port())
        self.url = self.served.url
        self.control = MockControl(self.url)

    def _stamped(self, document: dict) -> dict:
        doc = copy.deepcopy(document)
        doc["clock"] = {"start": self.loaded_at, "frozen": True}
        return doc

    @property
    def failing(self) -> bool:
        return self._failing

    @failing.setter
    def failing(self, value: bool) -> None:
        self._failing = value
        self._stage()

    @property
    def fail_on(self) -> frozenset[str]:
        return self._fail_on

    @fail_on.setter
    def fail_on(self, resources) -> None:
        self._fail_on = frozenset(resources)
        self._stage()

    def _stage(self) -> None:
        self.control.clear_faults()
        paths = ["/ss12000/*"] if self._failing else [f"/ss12000/v2.1/{name}*" for name in sorted(self._fail_on)]
        for path in paths:
            self.control.add_fault(path=path, status=503)

    @property
    def calls(self) -> list[tuple[str, dict]]:
        return [(entry["path"], dict(parse_qsl(entry["query"]))) for entry in self.control.journal()]

    def forget_calls(self) -> None:
        self.control.clear_journal()

    def reset(self) -> None:
        """BER back at the scenario's start, no fault staged, no call recorded."""
        self.served.kit.load_scenario(self._stamped(self.document))
        self.failing, self.fail_on = False, set()
        self.forget_calls()

    def stop(self) -> None:
        self.served.stop()
        self.served.kit.db.dispose()

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]

    # -- changing BER between syncs: the registry's own functions, stamped ``at`` -----------------
    def _change(self, change, at: str) -> None:
        from betyg_harness.mock_ber import store

        with self.served.app.app_context(), self.served.kit.db.session() as session, session.begin():
            change(session, store, datetime.fromisoformat(at))

    def set_grader(self, group_key: str, staff_key: str, grader: bool, at: str) -> None:
        from betyg_harness.mock_ber.models import Person, TeachingGroup

        def change(session, store, now):
            group = session.get(TeachingGroup, stable_id("group", group_key))
            person = session.get(Person, stable_id("person", staff_key))
            (store.link_grader if grader else store.unlink_grader)(session, group, person, now=now)

        self._change(change, at)

    def end_membership(self, group_key: str, student_key: str, end: str, at: str) -> None:
        """The student's Avbrott on ``end``."""
        from sqlalchemy import select

        from betyg_harness.mock_ber.models import Enrolment

        def change(session, store, now):
            enrolment = session.scalars(
                select(Enrolment).where(
                    Enrolment.group_id == stable_id("group", group_key),
                    Enrolment.person_id == stable_id("person", student_key),
                )
            ).one()
            store.set_enrolment_status(session, enrolment, "Avbrott", date.fromisoformat(end), now=now)

        self._change(change, at)

    def rename_group(self, group_key: str, name: str, at: str) -> None:
        from betyg_harness.mock_ber.models import TeachingGroup

        def change(session, store, now):
            group = session.get(TeachingGroup, stable_id("group", group_key))
            group.name = name
            store.touch(group, now)

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

"""Both mocks at size: 5,000 groups and ~20,000 persons. Search, the 200-student grading view and
each mock's resident memory, measured by an HTTP client on the same machine."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bench.core import Figure, timed_ms
from bench.support import mocks_with
from betyg_harness.fixtures.generator import generate
from tests.support.pingpong_forms import PingPongForms


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


def big_scenario(groups_per_school: int) -> dict:
    doc = generate(
        schools=50,
        groups_per_school=groups_per_school,
        students_per_group=8,
        seed=1,
        students_total=20_000 if groups_per_school >= 100 else 2_000,
        name="bench-5000",
    )
    start = dt.datetime.fromisoformat(doc["clock"]["start"]).date()
    grader = next(s for s in doc["staff"] if s["dutyRole"] == "Lärare")
    doc["groups"].append(
        {
            "key": "bench-stor",
            "name": "SVESVE01 HT26 Bench Stor",
            "course": "SVESVE01",
            "schoolUnit": grader["schoolUnit"],
            "startDate": str(start - dt.timedelta(weeks=18)),
            "endDate": str(start - dt.timedelta(days=1)),
            "teachers": [grader["key"]],
            "graders": [grader["key"]],
            "enrolments": [{"student": s["key"], "status": "Antagen"} for s in doc["students"][:200]],
        }
    )
    return doc


def measure(quick: bool) -> list[Figure]:
    doc = big_scenario(10 if quick else 100)
    runs = 10 if quick else 30
    persons = len(doc["students"]) + len(doc["staff"])
    scale = f"{len(doc['groups'])} grupper, {persons} personer"
    pair = mocks_with(doc)
    try:
        client = PingPongForms(pair.pingpong.url).login()
        search = []
        for query in ("SVESVE01", "kista", "", "Bench Stor"):
            url = f"{pair.pingpong.url}/betyg/sok-grupp"
            params = {"q": query, "sok": "1", **({"termin": "HT 2026"} if not query else {})}
            client.http.get(url, params=params).raise_for_status()
            times, _ = timed_ms(lambda: client.http.get(url, params=params).raise_for_status(), runs)
            search += times
        view_url = f"{pair.pingpong.url}/betyg/grupp/{client.group_id('SVESVE01 HT26 Bench Stor')}"
        client.http.get(view_url).raise_for_status()
        view, _ = timed_ms(lambda: client.http.get(view_url).raise_for_status(), runs)
        figures = [
            Figure("Sök grupp bland 5 000 grupper", "ms", search, 50, scale=scale),
            Figure(
                "Betygsvy, 200 elever",
                "ms",
                view,
                30,
                scale=scale,
                note="HTTP-klient på samma maskin; med gruppens uppdatering från BER",
            ),
        ]
        for server in pair:
            figures.append(
                Figure(
                    f"{server.name}: minne (RSS)",
                    "MB",
                    [rss_mb(server.process.pid)],
                    150,
                    scale=scale,
                    note=f"topp {rss_mb(server.process.pid, 'VmHWM'):.0f} MB",
                )
            )
        return figures
    finally:
        pair.stop()

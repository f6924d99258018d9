"""BER at size: 5,000 teaching groups and 20,000 persons page quickly, in bounded memory, with a
fixed number of queries per page (no N+1)."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from stdnum import luhn

from betyg_harness.mock_ber import create_app
from tests.support.clock import START

AUTH = {"Authorization": "Bearer ber-dev-token"}
GROUPS, STUDENTS, TEACHERS = 5_000, 19_800, 200


def civic_no(i: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=i % 15_000)
    body = born.strftime("%y%m%d") + f"{i // 15_000 * 7 + 100:03d}"
    return born.strftime("%Y")[:2] + body + luhn.calc_check_digit(body)


def big_scenario() -> dict:
    staff = [
        {
            "key": f"t{i}",
            "givenName": "Lärare",
            "familyName": f"Nummer{i}",
            "civicNo": civic_no(i),
            "dutyRole": "Lärare",
            "schoolUnit": f"u{i % 10}",
        }
        for i in range(TEACHERS)
    ]
    students = [
        {"key": f"s{i}", "givenName": "Elev", "familyName": f"Nummer{i}", "civicNo": civic_no(TEACHERS + i)}
        for i in range(STUDENTS)
    ]
    groups = [
        {
            "key": f"g{i}",
            "name": f"SVESVE01 Grupp {i}",
            "course": "SVESVE01",
            "schoolUnit": f"u{i % 10}",
            "startDate": "2026-08-17",
            "endDate": "2026-12-17",
            "teachers": [f"t{i % TEACHERS}"],
            "graders": [f"t{i % TEACHERS}"],
            "enrolments": [{"student": f"s{(i * 4 + k) % STUDENTS}", "status": "Antagen"} for k in range(4)],
        }
        for i in range(GROUPS)
    ]
    return {
        "name": "stor",
        "clock": {"start": START},
        "schoolUnits": [{"key": f"u{i}", "name": f"Skola {i}", "schoolUnitCode": f"{41000000 + i}"} for i in range(10)],
        "courses": [{"code": "SVESVE01", "name": "Svenska 1", "points": 100, "level": "gymnasial"}],
        "staff": staff,
        "students": students,
        "groups": groups,
        "accounts": {"pingpong": [], "ber": []},
    }


@pytest.fixture(scope="module")
def big():
    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "SCENARIO": big_scenario()})
    return app


def walk(client, resource, limit):
    count, token, pages = 0, None, 0
    while True:
        url = f"/ss12000/v2.1/{resource}?limit={limit}" + (f"&pageToken={token}" if token else "")
        body = client.get(url, headers=AUTH).get_json()
        count += len(body["data"])
        pages += 1
        token = body["pageToken"]
        if not token:
            return count, pages


@pytest.mark.parametrize(
    "resource, expected", [("groups", GROUPS), ("activities", GROUPS), ("persons", STUDENTS + TEACHERS)]
)
def test_every_record_is_paged_through_exactly_once(big, resource, expected):
    # Timing lives in bench/bench_mocks.py; this checks that paging at size loses nothing.
    client = big.test_client()
    count, pages = walk(client, resource, 500)
    assert count == expected and pages == expected // 500


def test_a_full_page_stays_small_in_memory(big):
    client = big.test_client()
    tracemalloc.start()
    client.get("/ss12000/v2.1/groups?limit=1000&expandReferenceNames=true", headers=AUTH)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("resource", ["groups", "activities", "persons", "duties"])
def test_queries_per_page_do_not_grow_with_the_page(big, resource):
    engine = big.extensions["mock_kit"].db.engine
    client = big.test_client()
    counts = []
    for limit in (5, 200):
        seen = []
        listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            client.get(f"/ss12000/v2.1/{resource}?limit={limit}&expandReferenceNames=true", headers=AUTH)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(seen))
    assert counts[0] == counts[1], counts

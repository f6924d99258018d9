"""Both mocks under gunicorn with three worker processes each, on PostgreSQL (started by the test
itself): one clock, one schedule (each periodic job run once, in one process), one journal and one
set of faults across the workers — and the whole routine works through them, the robot included."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from betyg_harness.flows import PingPong, login
from betyg_harness.launcher import start_mocks
from tests.support.robot import grades_csv
from tests.support.registry_reads import ber_grade_counts, pingpong_locked

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("postgres")
SVE = "SVESVE01 HT26 Kista A"
SVE_GRADES = {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "C", "20000105-2380": "E"}


# Session, not module: pytest regroups parametrized tests ([chromium]) across modules, which would
# tear a module fixture down and build it again mid-module.
@pytest.fixture(scope="session")
def gunicorn_pair(local_postgres, tmp_path_factory):
    databases = {
        "pingpong": local_postgres.create_database("gunicorn_pp"),
        "ber": local_postgres.create_database("gunicorn_ber"),
    }
    pair = start_mocks("default", tmp_path_factory.mktemp("gunicorn"), workers=3, databases=databases, timeout=120)
    yield pair
    pair.stop()


def _pids(url: str, n: int = 40, rounds: int = 25) -> set[int]:
    """Which worker processes answer (a fresh connection each time, as separate clients would).
    Several rounds until two answer: one gthread worker can take a whole round, and the others may
    still be booting when the first one is healthy."""

    def one(_):
        return requests.get(f"{url}/_mock/state", headers={"Connection": "close"}, timeout=30).json()["pid"]

    seen: set[int] = set()
    with ThreadPoolExecutor(8) as pool:
        for _ in range(rounds):
            seen |= set(pool.map(one, range(n)))
            if len(seen) >= 2:
                break
    return seen


def test_three_workers_answer_with_one_clock_and_one_schedule(gunicorn_pair):
    pair = gunicorn_pair
    pair.reset()
    assert len(_pids(pair.pingpong.url)) >= 2 and len(_pids(pair.ber.url)) >= 2  # really several processes
    pair.set_clock("2026-12-18T09:00:00+01:00", freeze=True)
    nows = {
        requests.get(f"{pair.ber.url}/_mock/clock", headers={"Connection": "close"}, timeout=30).json()["now"]
        for _ in range(20)
    }
    assert nows == {"2026-12-18T09:00:00+01:00"}  # every worker reads the same mock time
    before = {j["name"]: j["runs"] for j in pair.ber.state()["jobs"]}
    pair.advance(minutes=45)
    after = {j["name"]: j["runs"] for j in pair.ber.state()["jobs"]}
    assert after["grade_import"] - before["grade_import"] == 3  # once per 15 minutes, not once per worker
    pp_jobs = {j["name"]: j["runs"] + j["coalesced"] for j in pair.pingpong.state()["jobs"]}
    assert pp_jobs["ber_sync"] >= 9  # every 5 minutes (more than 3 in one advance coalesce into the last 3)


def test_the_journal_and_the_faults_span_every_worker(gunicorn_pair):
    pair = gunicorn_pair
    pair.reset()
    pair.pingpong.clear_journal()
    pair.pingpong.add_fault(path="/login", status=503, times=3)
    statuses = [
        requests.get(f"{pair.pingpong.url}/login", headers={"Connection": "close"}, timeout=30).status_code
        for _ in range(12)
    ]
    assert Counter(statuses) == Counter({503: 3, 200: 9})  # "times": 3 across the processes
    journal = pair.pingpong.journal(path="/login")
    assert len(journal) == 12 and sorted(e["status"] for e in journal) == [200] * 9 + [503] * 3


def test_the_routine_through_the_workers_reaches_ber(gunicorn_pair, page):
    pair = gunicorn_pair
    pair.reset()
    login(page, base_url=pair.pingpong.url)
    result = PingPong(page, pair.pingpong.url).grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert all(s.locked for s in result.state.students)
    pair.advance(minutes=15)
    counts = ber_grade_counts(pair.ber.url)
    assert len(counts) == 4 and set(counts.values()) == {1}


def test_the_robot_on_two_workers_against_gunicorn_sets_every_grade_once(gunicorn_pair, tmp_path):
    pair = gunicorn_pair
    pair.load_scenario("generated-20")
    import json

    document = json.loads((ROOT / "fixtures" / "scenarios" / "generated-20.json").read_text(encoding="utf-8"))
    expected = grades_csv(document, tmp_path / "betyg.csv")
    env = {**os.environ, "PINGPONG_URL": pair.pingpong.url, "BER_URL": pair.ber.url}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "betyg_harness.flows",
            "grade",
            "--input",
            str(tmp_path / "betyg.csv"),
            "--out",
            str(tmp_path / "ut"),
            "--workers",
            "2",
            "--no-trace",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    locked = Counter((r["elev"], r["kurskod"], r["value"]) for r in pingpong_locked(pair.pingpong.url))
    assert sum(locked.values()) == len(expected) and set(locked.values()) == {1}
    pair.advance(minutes=15)
    assert sum(ber_grade_counts(pair.ber.url).values()) == len(expected)

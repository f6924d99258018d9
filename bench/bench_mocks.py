"""Benchmark: both mocks at size — 5,000 groups and ~20,000 persons loaded.

Prints: resident memory of each mock process (target ≤ 150 MB), Ping Pong search latency
(target ≤ 50 ms) and the grading view of a 200-student group (target ≤ 30 ms), as measured by
an HTTP client on the same machine (so these include the HTTP round trip; the grading view
also includes Ping Pong's refresh of that group from BER). Beside each client figure: the time
Ping Pong itself spent (``duration_ms`` in its request journal), and for the grading view the
part of it spent in BER answering the refresh, so server time and client overhead separate.
The target applies to the client figure.

    .venv/bin/python bench/bench_mocks.py [--groups-per-school 100] [--runs 30]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from betyg_harness.fixtures.generator import generate  # noqa: E402
from betyg_harness.launcher import start_mocks  # noqa: E402


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


def big_scenario(groups_per_school: int) -> dict:
    doc = generate(schools=50, groups_per_school=groups_per_school, students_per_group=8, seed=1,
                   students_total=20_000, name="bench-5000")
    start = dt.datetime.fromisoformat(doc["clock"]["start"]).date()
    grader = next(s for s in doc["staff"] if s["dutyRole"] == "Lärare")
    doc["groups"].append({
        "key": "bench-stor", "name": "SVESVE01 HT26 Bench Stor", "course": "SVESVE01",
        "schoolUnit": grader["schoolUnit"], "startDate": str(start - dt.timedelta(weeks=18)),
        "endDate": str(start - dt.timedelta(days=1)), "teachers": [grader["key"]], "graders": [grader["key"]],
        "enrolments": [{"student": s["key"], "status": "Antagen"} for s in doc["students"][:200]],
    })
    return doc


def timed(session: requests.Session, url: str, runs: int, mocks) -> tuple[list[float], list[float], list[float]]:
    """Client times, Ping Pong's own times and BER's time per run (from the journals), in ms."""
    session.get(url).raise_for_status()  # warm
    for server in mocks:
        server.clear_journal()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = session.get(url)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
    server_times = [e["duration_ms"] for e in mocks.pingpong.journal(method="GET", path="/" + path)]
    ber_total = sum(e["duration_ms"] for e in mocks.ber.journal(method="GET", path="/ss12000/*"))
    return times, server_times, [ber_total / runs]


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(len(ordered) * pct / 100) - 1))]


def login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    session.post(f"{base}/login", data={"csrf_token": token, "username": "betygsadmin", "password": "betygsadmin"})
    return session


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups-per-school", type=int, default=100)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    console = Console(width=150)
    work = Path(tempfile.mkdtemp(prefix="bench-mocks-"))
    doc = big_scenario(args.groups_per_school)
    path = work / "bench-5000.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    persons = len(doc["students"]) + len(doc["staff"])
    console.print(f"Scenario: {len(doc['groups'])} groups, {persons} persons")
    started = time.perf_counter()
    mocks = start_mocks(str(path), work, timeout=600, extra_env={"PINGPONG_LOG_REQUESTS": "false",
                                                                  "BER_LOG_REQUESTS": "false"})
    load_s = time.perf_counter() - started
    try:
        base = mocks.pingpong.url
        session = login(base)
        results = []
        for label, query in [("Sök grupp «SVESVE01»", "q=SVESVE01"), ("Sök grupp «kista»", "q=kista"),
                             ("Sök grupp, HT 2026", "q=&termin=HT+2026"), ("Sök grupp «Bench Stor»", "q=Bench+Stor")]:
            results.append((label, *timed(session, f"{base}/betyg/sok-grupp?sok=1&{query}", args.runs, mocks), 50))
        page = session.get(f"{base}/betyg/sok-grupp?sok=1&q=Bench+Stor").text
        href = re.search(r'href="(/betyg/grupp/[^"]+)"[^>]*>SVESVE01 HT26 Bench Stor', page).group(1)
        results.append(("Betygsvy, 200 elever", *timed(session, f"{base}{href}", args.runs, mocks), 30))
        table = Table(title=f"Mockarna med {len(doc['groups'])} grupper och {persons} personer "
                            f"(start och full synk: {load_s:.1f} s)")
        for column in ("Mätning", "median", "p95", "i Ping Pong (median / p95)", "varav BER (medel)", "mål", "ok"):
            table.add_column(column)
        for label, times, server_times, ber_times, target in results:
            median, p95 = statistics.median(times), percentile(times, 95)
            server = (f"{statistics.median(server_times):.1f} / {percentile(server_times, 95):.1f} ms"
                      if server_times else "–")
            ber = f"{ber_times[0]:.1f} ms" if ber_times[0] else "–"
            table.add_row(label, f"{median:.1f} ms", f"{p95:.1f} ms", server, ber, f"≤ {target} ms",
                          "ja" if median <= target else "NEJ")
        for server in mocks:
            rss, peak = rss_mb(server.process.pid), rss_mb(server.process.pid, "VmHWM")
            table.add_row(f"{server.name}: minne (RSS / topp)", f"{rss:.0f} MB", f"{peak:.0f} MB", "", "",
                          "≤ 150 MB", "ja" if rss <= 150 else "NEJ")
        console.print(table)
    finally:
        mocks.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the betygsrobot grading the generated 20-group scenario (200 students).

Starts both mocks (betyg_harness.launcher), writes the CSV from the scenario, runs the robot as a
subprocess with 1 and 2 workers, with and without Playwright tracing, resetting the mocks in
between, and prints students per second: end to end (process start to exit, incl. browser
start and the group lookup) and in the grading loop (students / (sum of group times / workers)).
Target: ≥ 20 students/s on 2 workers.

    .venv/bin/python bench/bench_robot.py [--scenario generated-20] [--runs 1]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from betyg_harness.launcher import start_mocks  # noqa: E402
from betyg_harness.fixtures.generator import generate  # noqa: E402
from betyg_harness.mock_kit import scenario as scenarios  # noqa: E402


def write_csv(doc: dict, path: Path) -> int:
    people = {s["key"]: s["civicNo"] for s in doc["students"]}
    staff = {s["key"]: f'{s["givenName"]} {s["familyName"]}' for s in doc["staff"]}
    rows = ["personnummer,kurskod,grupp,betyg,larare"]
    for i, group in enumerate(g for g in doc["groups"] if g["graders"]):
        scale = ["G", "IG"] if group["course"].startswith("GRN") else ["A", "B", "C", "D", "E", "F", "-"]
        for j, e in enumerate(x for x in group["enrolments"] if x["status"] == "Antagen"):
            rows.append(",".join([people[e["student"]], group["course"], group["name"], scale[(i + j) % len(scale)],
                                  "|".join(staff[t] for t in group["graders"])]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def run_robot(csv: Path, out: Path, pair, workers: int, trace: bool) -> dict:
    env = {**os.environ, "PINGPONG_URL": pair.pingpong.url, "BER_URL": pair.ber.url, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "betyg_harness.flows", "grade", "--input", str(csv), "--out", str(out), "--workers", str(workers)]
    if not trace:
        args.append("--no-trace")
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"robot exit {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    report = json.loads((out / "rapport.json").read_text())
    students = report["totals"]["grades_set"]
    busy = sum(g["seconds"] for g in report["groups"]) / workers
    return {"students": students, "wall": wall, "e2e": students / wall, "loop": students / busy,
            "per_group": busy * workers / len(report["groups"])}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="generated-20",
                        help="a named scenario; with --students, 20 generated groups of that size instead")
    parser.add_argument("--students", type=int, nargs="*", default=[10, 30],
                        help="group sizes to measure (10 = the committed generated-20 scenario)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for size in args.students or [None]:
        measure(args.scenario, size, args.runs)
    print("Mål: ≥ 20 elever/s med 2 arbetare.")
    return 0


def measure(scenario: str, size: int | None, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-robot-") as tmp:
        tmp = Path(tmp)
        if size not in (None, 10):
            doc = generate(schools=2, groups_per_school=10, students_per_group=size, seed=size, profile="gradeable",
                           name=f"bench-robot-{size}")
            scenario = str(tmp / f"{doc['name']}.json")
            Path(scenario).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        doc = scenarios.load(scenario)
        csv = tmp / "betyg.csv"
        n = write_csv(doc, csv)
        pair = start_mocks(scenario, tmp / "mocks")
        try:
            print(f"{doc['name']}: {n} betyg i {len(doc['groups'])} grupper; {os.cpu_count()} kärnor")
            print(f"{'arbetare':>8} {'spårning':>9} {'tid (s)':>8} {'elever/s hela':>14} {'elever/s loop':>14} {'s/grupp':>8}")
            for workers in (1, 2):
                for trace in (False, True):
                    for i in range(runs):
                        pair.load_scenario(doc)
                        r = run_robot(csv, tmp / f"ut-{workers}-{trace}-{i}", pair, workers, trace)
                        print(f"{workers:>8} {'på' if trace else 'av':>9} {r['wall']:>8.1f} {r['e2e']:>14.1f} "
                              f"{r['loop']:>14.1f} {r['per_group']:>8.2f}", flush=True)
        finally:
            pair.stop()


if __name__ == "__main__":
    sys.exit(main())

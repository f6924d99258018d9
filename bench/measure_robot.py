"""The robot end to end (a process: browser start, login, the lookup, every group graded, locked
and its catalogue downloaded): students per second on 1 and 2 workers for 20 groups of 10 and of
30 — and one run shared by 1, 2 and 3 robot processes through PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.core import Figure
from bench.support import ROOT, mocks_with, run_robot, write_csv
from betyg_harness import fixtures
from betyg_harness.fixtures.generator import generate


def _scenario(size: int) -> dict:
    if size == 10:
        return json.loads(fixtures.scenario_path("generated-20").read_text(encoding="utf-8"))
    return generate(
        schools=2,
        groups_per_school=10,
        students_per_group=size,
        seed=size,
        profile="gradeable",
        name=f"bench-robot-{size}",
    )


def _per_second(report: dict, seconds: float) -> float:
    return report["totals"]["grades_set"] / seconds


def measure(quick: bool) -> list[Figure]:
    figures = []
    runs = 1 if quick else 2
    for size in (10, 30):
        doc = _scenario(size)
        with tempfile.TemporaryDirectory(prefix="bench-robot-") as tmp:
            tmp = Path(tmp)
            csv = tmp / "betyg.csv"
            students = write_csv(doc, csv)
            pair = mocks_with(doc, tmp)
            try:
                for workers in (2, 1) if not quick else (2,):
                    rates = []
                    for i in range(runs):
                        pair.reset()
                        started = time.perf_counter()
                        report = run_robot(csv, tmp / f"ut-{workers}-{i}", pair, workers=workers)
                        rates.append(_per_second(report, time.perf_counter() - started))
                    figures.append(
                        Figure(
                            f"Roboten, {workers} arbetare, grupper à {size}",
                            "elever/s",
                            rates,
                            20 if workers == 2 else None,
                            higher_is_better=True,
                            scale=f"{students} betyg i 20 grupper; hela processen",
                        )
                    )
            finally:
                pair.stop()
    figures += _shared_run(quick)
    return figures


def _shared_run(quick: bool) -> list[Figure]:
    """40 groups of 10 in one run through PostgreSQL, by 1, 2 and 3 robot processes (one browser each)."""
    try:
        from tests.support.localpg import LocalPostgres

        server = LocalPostgres.start()
    except Exception as exc:  # PostgreSQL or psycopg missing: say why instead of a figure
        return [
            Figure(
                "Roboten via PostgreSQL-kön", "elever/s", [0.0], None, higher_is_better=True, note=f"inte mätt: {exc}"
            )
        ]
    figures = []
    doc = generate(
        schools=2, groups_per_school=20, students_per_group=10, seed=40, profile="gradeable", name="bench-queue-40"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
            tmp = Path(tmp)
            csv = tmp / "betyg.csv"
            students = write_csv(doc, csv)
            pair = mocks_with(doc, tmp)
            try:
                for processes in (1, 2, 3) if not quick else (1, 3):
                    pair.reset()
                    url = server.create_database(f"queue_{processes}")
                    env = {**os.environ, "PINGPONG_URL": pair.pingpong.url, "BER_URL": pair.ber.url}
                    started = time.perf_counter()
                    procs = [
                        subprocess.Popen(
                            [
                                sys.executable,
                                "-m",
                                "betyg_harness.flows",
                                "grade",
                                "--input",
                                str(csv),
                                "--out",
                                str(tmp / f"ut-{processes}-{i}"),
                                "--journal",
                                url,
                                "--run",
                                "bench",
                                "--workers",
                                "1",
                                "--no-trace",
                            ],
                            cwd=ROOT,
                            env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                        for i in range(processes)
                    ]
                    codes = [p.wait() for p in procs]
                    seconds = time.perf_counter() - started
                    figures.append(
                        Figure(
                            f"Roboten via PostgreSQL-kön, {processes} processer",
                            "elever/s",
                            [students / seconds],
                            None,
                            higher_is_better=True,
                            scale=f"{students} betyg i 40 grupper, 1 webbläsare per process",
                            note="" if set(codes) == {0} else f"slutkoder {codes}",
                        )
                    )
            finally:
                pair.stop()
    finally:
        server.stop()
    return figures

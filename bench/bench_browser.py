"""Benchmark: a 30-student group graded through the browser (target ≤ 2 s per group).

Times ``flows.grade_group`` (both click modes: by role locator, the library's default, and by
mouse at the located controls' positions, the robot's) — open the group from "Sök grupp", click 30 grade steps and 30 lock
boxes, tick the teacher, Spara, check the summary, Spara, check every grade shows locked — in
headless Chromium against both mocks running as processes.

    .venv/bin/python bench/bench_browser.py [--groups 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from betyg_harness.fixtures.generator import generate  # noqa: E402
from betyg_harness.flows import grade_group, login, open_browser  # noqa: E402
from betyg_harness.launcher import start_mocks  # noqa: E402

STEPS = ["A", "B", "C", "D", "E", "F"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=6, help="graded alternately with locator and mouse clicks")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    doc = generate(schools=1, groups_per_school=args.groups, students_per_group=30, seed=30, profile="gradeable",
                   name="bench-browser")
    path = work / "bench-browser.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    courses = {c["code"]: c for c in doc["courses"]}
    students = {s["key"]: s for s in doc["students"]}
    staff = {s["key"]: s for s in doc["staff"]}
    mocks = start_mocks(str(path), work)
    times = {"locator": [], "mouse": []}
    try:
        with sync_playwright() as playwright:
            browser = open_browser(playwright)
            page = browser.new_context(base_url=mocks.pingpong.url).new_page()
            login(page)
            for index, group in enumerate(doc["groups"]):
                mode = "locator" if index % 2 == 0 else "mouse"
                steps = STEPS if courses[group["course"]]["level"] == "gymnasial" else ["G", "IG"]
                grades = {students[e["student"]]["civicNo"]: steps[i % len(steps)]
                          for i, e in enumerate(group["enrolments"])}
                teachers = [f"{staff[k]['givenName']} {staff[k]['familyName']}" for k in group["graders"]]
                started = time.perf_counter()
                result = grade_group(page, group["name"], grades, teachers=teachers, clicks=mode)
                times[mode].append(time.perf_counter() - started)
                assert len(result.set) == len(grades) == 30, result
            browser.close()
    finally:
        mocks.stop()
    console = Console()
    for mode, seconds in times.items():
        console.print(f"30 elever per grupp, klick via {mode}, {len(seconds)} grupper: median "
                      f"{statistics.median(seconds):.2f} s, bäst {min(seconds):.2f} s, sämst {max(seconds):.2f} s "
                      f"(mål ≤ 2 s) — {'ja' if statistics.median(seconds) <= 2 else 'NEJ'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

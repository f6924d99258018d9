"""What the benchmarks share besides figures: scenarios on disk, the mocks, the robot's CSV, a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from betyg_harness import scales, statuses
from betyg_harness.identity import display
from betyg_harness.launcher import start_mocks

ROOT = Path(__file__).resolve().parents[1]
QUIET = {"PINGPONG_LOG_REQUESTS": "false", "BER_LOG_REQUESTS": "false"}


def mocks_with(doc: dict, workdir: Path | None = None, **kwargs):
    """Both mocks started on ``doc`` (written to a file beside their databases)."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-"))
    path = workdir / f"{doc['name']}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return start_mocks(str(path), workdir, timeout=900, extra_env=QUIET, **kwargs)


def plan(doc: dict) -> list[tuple[str, dict[str, str], list[str]]]:
    """(group name, grades by shown personnummer, teachers) for every gradeable group: the same
    grading whichever client does it."""
    people = {s["key"]: s["civicNo"] for s in doc["students"]}
    staff = {s["key"]: f"{s['givenName']} {s['familyName']}" for s in doc["staff"]}
    out = []
    for i, group in enumerate(g for g in doc["groups"] if g["graders"]):
        scale = scales.SCALES[scales.level_of_course(group["course"])]
        grades = {
            display(people[e["student"]]): scale[(i + j) % len(scale)]
            for j, e in enumerate(x for x in group["enrolments"] if x["status"] == statuses.ADMITTED)
        }
        out.append((group["name"], grades, [staff[t] for t in group["graders"]]))
    return out


def write_csv(doc: dict, path: Path) -> int:
    rows = ["personnummer,kurskod,grupp,betyg,larare"]
    courses = {g["name"]: g["course"] for g in doc["groups"]}
    for name, grades, teachers in plan(doc):
        rows += [",".join([pnr, courses[name], name, grade, "|".join(teachers)]) for pnr, grade in grades.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def run_robot(csv: Path, out: Path, pair, *, workers: int, extra: list[str] = ()) -> dict:
    env = {**os.environ, "PINGPONG_URL": pair.pingpong.url, "BER_URL": pair.ber.url}
    args = [
        sys.executable,
        "-m",
        "betyg_harness.flows",
        "grade",
        "--input",
        str(csv),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--no-trace",
        *extra,
    ]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"robot exit {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads((out / "rapport.json").read_text())

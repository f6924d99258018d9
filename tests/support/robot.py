"""The robot as the end-to-end and reliability tests start it: a grades file written from a scenario,
and the robot's process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def grades_csv(doc: dict, path: Path, *, delimiter: str = ",") -> dict[tuple[str, str], str]:
    """A grade for every admitted student of every group with a grading teacher."""
    people = {s["key"]: s["civicNo"] for s in doc["students"]}
    staff = {s["key"]: f"{s['givenName']} {s['familyName']}" for s in doc["staff"]}
    rows, expected = [delimiter.join(["personnummer", "kurskod", "grupp", "betyg", "larare"])], {}
    for i, group in enumerate(g for g in doc["groups"] if g["graders"]):
        scale = ["G", "IG"] if group["course"].startswith("GRN") else ["A", "B", "C", "D", "E", "F", "-"]
        for j, e in enumerate(x for x in group["enrolments"] if x["status"] == "Antagen"):
            grade = scale[(i + j) % len(scale)]
            expected[(group["name"], people[e["student"]])] = grade
            rows.append(
                delimiter.join(
                    [
                        people[e["student"]],
                        group["course"],
                        group["name"],
                        grade,
                        "|".join(staff[t] for t in group["graders"]),
                    ]
                )
            )
    path.write_text("\ufeff" + "\r\n".join(rows) + "\r\n", encoding="utf-8")  # as Excel writes it
    return expected


def robot(args: list[str], pingpong_server, ber_server, **popen) -> subprocess.Popen:
    env = {**os.environ, "PINGPONG_URL": pingpong_server.url, "BER_URL": ber_server.url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "betyg_harness.flows", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )

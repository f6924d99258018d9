"""One bulk run shared by several robot processes through PostgreSQL: the groups are a work queue
(``SELECT … FOR UPDATE SKIP LOCKED``), each graded exactly once; a crashed process's group is
taken over once its lease has expired. PostgreSQL is started by the test itself (skipped, with the
reason, where it cannot be had)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from betyg_harness.fixtures.generator import generate
from betyg_harness.flows.robot.csvinput import GroupJob
from tests.support.pingpong_forms import PingPongForms

ROOT = Path(__file__).resolve().parents[2]
FORTY = generate(
    schools=2, groups_per_school=20, students_per_group=3, seed=40, profile="gradeable", name="scaleout-40"
)

pytestmark = pytest.mark.xdist_group("postgres")


def grades_csv(doc: dict, path: Path) -> dict[tuple[str, str], str]:
    people = {s["key"]: s["civicNo"] for s in doc["students"]}
    staff = {s["key"]: f"{s['givenName']} {s['familyName']}" for s in doc["staff"]}
    rows, expected = ["personnummer,kurskod,grupp,betyg,larare"], {}
    for i, group in enumerate(doc["groups"]):
        scale = ["G", "IG"] if group["course"].startswith("GRN") else ["A", "B", "C", "D", "E", "F", "-"]
        for j, e in enumerate(group["enrolments"]):
            grade = scale[(i + j) % len(scale)]
            expected[(group["name"], people[e["student"]])] = grade
            rows.append(
                ",".join(
                    [
                        people[e["student"]],
                        group["course"],
                        group["name"],
                        grade,
                        "|".join(staff[t] for t in group["graders"]),
                    ]
                )
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return expected


def _jobs(n: int) -> list[GroupJob]:
    return [
        GroupJob(grupp=f"G{i:02d}", kurskod="SVESVE01", teachers=("T",), grades={"199006022397": "A"}) for i in range(n)
    ]


def test_the_queue_gives_each_group_to_one_taker_and_a_dead_takers_group_to_another(local_postgres):
    from betyg_harness.flows.robot.pgqueue import PgJournal

    url = local_postgres.create_database("queue_unit")
    jobs = _jobs(40)
    takers = [PgJournal(url, run="enhet", lease_seconds=1, poll_seconds=0.05) for _ in range(4)]
    for i, t in enumerate(takers):
        t.process = f"maskin-{i}:1"
        t.enqueue(jobs)  # every process enqueues the same file: once in the queue
    taken: list[str] = []
    lock = threading.Lock()

    def work(t: PgJournal) -> None:
        while (key := t.take(f"{t.process}:a")) is not None:
            with lock:
                taken.append(key)
            t.record(key, "done", worker=f"{t.process}:a")

    # A taker that dies holding a group: it never records, and its lease is not renewed.
    dead = PgJournal(url, run="enhet", lease_seconds=1)
    dead.process = "krasch:1"
    held = dead.take("krasch:1:a")
    dead.close()
    threads = [threading.Thread(target=work, args=(t,)) for t in takers]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(taken) == sorted(j.key for j in jobs)  # the dead one's group too, once
    assert Counter(taken)[held] == 1 and time.monotonic() - started >= 0.9  # only after its lease ran out
    final = takers[0].final()
    assert {s for s, _, _ in final.values()} == {"done"} and len(final) == 40
    attempts = dict(takers[0]._q("SELECT key, attempts FROM betygsrobot_queue WHERE run = 'enhet'"))
    assert attempts[held] == 2 and set(attempts.values()) == {1, 2}
    for t in takers:
        t.close()


@pytest.mark.scenario(FORTY)
def test_three_robot_processes_share_one_run_and_set_every_grade_exactly_once(
    scenario, local_postgres, pingpong_server, ber_server, journal, tmp_path
):
    from betyg_harness.flows.robot.csvinput import read_grades
    from betyg_harness.flows.robot.pgqueue import PgJournal

    url = local_postgres.create_database("robot_run")
    expected = grades_csv(scenario, tmp_path / "betyg.csv")
    jobs = read_grades(tmp_path / "betyg.csv")
    assert len(jobs) == 40
    journal.clear()
    # A process that took a group and crashed before grading it: its lease (3 s) runs out.
    crashed = PgJournal(url, run="stad", lease_seconds=3)
    crashed.process = "krasch:1"
    crashed.enqueue(jobs)
    held = crashed.take("krasch:1:arbetare-1")
    crashed.close()

    env = {**os.environ, "PINGPONG_URL": pingpong_server.url, "BER_URL": ber_server.url, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "betyg_harness.flows",
                "grade",
                "--input",
                str(tmp_path / "betyg.csv"),
                "--out",
                str(tmp_path / f"ut{i}"),
                "--journal",
                url,
                "--run",
                "stad",
                "--lease",
                "3",
                "--no-trace",
            ],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, out[-2000:] + err[-3000:]

    # Each process reports the whole run; each group was graded by exactly one of them.
    graded_by = Counter()
    for i in range(3):
        report = json.loads((tmp_path / f"ut{i}" / "rapport.json").read_text())
        assert len(report["groups"]) == 40
        assert {g["status"] for g in report["groups"]} <= {"done", "skipped"}
        graded_by.update(g["group"] for g in report["groups"] if g["status"] == "done")
    assert len(graded_by) == 40 and set(graded_by.values()) == {1}
    assert (
        sum(
            1
            for i in range(3)
            if any(
                g["status"] == "done" for g in json.loads((tmp_path / f"ut{i}" / "rapport.json").read_text())["groups"]
            )
        )
        >= 2
    )

    # Ping Pong's journal: one storing Spara per group — the crashed one's group included.
    stores = Counter(e["path"] for e in journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning"))
    assert len(stores) == 40 and set(stores.values()) == {1}
    # The run's journal: no grade set by two entries, and together exactly the file.
    entries = PgJournal(url, run="stad").entries
    set_by = Counter((e["group"], p) for e in entries if e["status"] == "done" for p in e.get("grades_set") or {})
    assert len(set_by) == len(expected) and set(set_by.values()) == {1}
    taken_over = [e for e in entries if e["group"] == held and e["status"] == "done"]
    assert len(taken_over) == 1 and not taken_over[0]["worker"].startswith("krasch")

    # Ping Pong's final state: every grade of the file shown, and locked.
    forms = PingPongForms(pingpong_server.url).login()
    ids = forms.search("")
    shown = {}
    for group in {g for g, _ in expected}:
        view = forms.open(ids[group])
        shown.update({(group, p.replace("-", "")): grade for p, (grade, locked) in view.shown.items() if locked})
    assert shown == {(g, p.replace("-", "")): grade for (g, p), grade in expected.items()}

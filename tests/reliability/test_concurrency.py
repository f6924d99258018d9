"""Many users at once, over real HTTP: 20 sessions grading 20 groups together while three more
sessions fight over one group, and BER polling Ping Pong the whole time. Every grade is stored
once, the slower saves of the contested group are refused as stale with the Swedish message (none
overwritten silently), and BER ends up with exactly the grades Ping Pong locked — none missed,
none twice."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from betyg_harness.identity import display
from tests.support.robot import grades_csv
from tests.support.pingpong_forms import PingPongForms
from tests.support.registry_reads import ber_grade_counts, pingpong_locked

STALE = "Någon annan har sparat betyg i gruppen sedan du öppnade den."
pytestmark = [pytest.mark.scenario("generated-20"), pytest.mark.xdist_group("concurrency")]


def _plan(scenario: dict, tmp_path) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Group name → (grades by shown personnummer, grading teachers' names)."""
    staff = {s["key"]: f"{s['givenName']} {s['familyName']}" for s in scenario["staff"]}
    teachers = {g["name"]: [staff[t] for t in g["graders"]] for g in scenario["groups"] if g["graders"]}
    plan: dict[str, tuple[dict[str, str], list[str]]] = {}
    for (group, pnr), grade in grades_csv(scenario, tmp_path / "betyg.csv").items():
        plan.setdefault(group, ({}, teachers[group]))[0][display(pnr)] = grade
    return plan


def _other_grades(grades: dict[str, str], shift: int) -> dict[str, str]:
    steps = ["A", "B", "C", "D", "E", "F", "-"] if set(grades.values()) - {"G", "IG"} else ["G", "IG"]
    return {p: steps[(steps.index(g) + shift) % len(steps)] for p, g in grades.items()}


def test_twenty_sessions_on_twenty_groups_and_three_on_one_store_every_grade_once(
    scenario, mock_servers, journal, tmp_path
):
    plan = _plan(scenario, tmp_path)
    assert len(plan) == 20
    contested = sorted(plan)[0]
    base_grades, contested_teachers = plan[contested]
    rivals = [_other_grades(base_grades, 1), _other_grades(base_grades, 2)]
    # 20 sessions, one per group, and two rivals on the contested group: 22 users, 22 logins.
    work = [(name, grades, teachers) for name, (grades, teachers) in sorted(plan.items())]
    work += [(contested, grades, contested_teachers) for grades in rivals]
    users = [PingPongForms(mock_servers.pingpong.url).login() for _ in work]
    ids = {name: users[0].group_id(name) for name in plan}
    forms = [user.open(ids[name]) for user, (name, _, _) in zip(users, work)]  # all opened at one version
    journal.clear()
    start_together = threading.Barrier(len(work))

    def grade(i: int):
        user, (name, grades, teachers), form = users[i], work[i], forms[i]
        start_together.wait()
        summary = user.first_save(form, grades, lock=True, teachers=teachers)
        assert summary.status_code == 200, summary.text[-1500:]
        answer = user.confirm(form.group_id, summary)
        return name, grades, answer.status_code, answer.text

    with ThreadPoolExecutor(len(work)) as pool:
        results = list(pool.map(grade, range(len(work))))

    by_group = defaultdict(list)
    for name, grades, status, text in results:
        by_group[name].append((status, grades, text))
    for name, answers in by_group.items():
        statuses = sorted(status for status, _, _ in answers)
        if name == contested:
            assert statuses == [302, 409, 409], statuses  # one wins, two are told
            assert all(STALE in text for status, _, text in answers if status == 409)
        else:
            assert statuses == [302], (name, statuses)
    winner = next(grades for status, grades, _ in by_group[contested] if status == 302)
    locked = Counter((r["betygsgrupp"], r["elev"], r["value"]) for r in pingpong_locked(mock_servers.pingpong.url))
    assert set(locked.values()) == {1}  # every grade once
    assert sum(locked.values()) == sum(len(g) for g, _ in plan.values())
    stored_contested = mock_servers.pingpong.state()["records"]
    assert stored_contested["confirmed_summaries"] == 20
    confirms = journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")
    assert Counter(e["status"] for e in confirms) == Counter({302: 20, 409: 2})
    # The contested group holds exactly one user's grades, none mixed.
    shown = {}
    viewer = users[0]
    page = viewer.http.get(f"{mock_servers.pingpong.url}/betyg/grupp/{ids[contested]}", timeout=30).text
    for pnr, grade in winner.items():
        shown[pnr] = grade
        assert pnr in page
    assert shown == winner


def test_ber_polling_while_grades_are_locked_never_misses_or_doubles_a_grade(scenario, mock_servers, faults, tmp_path):
    """BER's import runs every 15 minutes of mock time; a clock thread moves both clocks 15 minutes
    at a time, over and over, while five users lock 20 groups a third at a time (60 saves, each
    confirm held 150 ms). At the end BER holds exactly the grades Ping Pong locked."""
    plan = _plan(scenario, tmp_path)
    names = sorted(plan)
    users = [PingPongForms(mock_servers.pingpong.url).login() for _ in range(5)]
    ids = {name: users[0].group_id(name) for name in names}
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", latency_ms=150)
    done = threading.Event()
    advances = []

    def tick():
        while not done.is_set():
            advances.append(mock_servers.advance(minutes=15))

    def grade(worker: int):
        user = users[worker]
        for name in names[worker :: len(users)]:
            grades, teachers = plan[name]
            students = sorted(grades)
            for part in (students[0::3], students[1::3], students[2::3]):
                form = user.open(ids[name])
                summary = user.first_save(form, {p: grades[p] for p in part}, lock=True, teachers=teachers)
                assert summary.status_code == 200, summary.text[-1500:]
                answer = user.confirm(form.group_id, summary)
                assert answer.status_code == 302, answer.text[-1500:]

    clock = threading.Thread(target=tick)
    clock.start()
    try:
        with ThreadPoolExecutor(len(users)) as pool:
            list(pool.map(grade, range(len(users))))
    finally:
        done.set()
        clock.join(timeout=120)
    faults.clear()
    imports = sum(1 for a in advances for job in a["jobs_run"] if job.get("job") == "grade_import")
    assert imports >= 4, advances  # BER really polled while grades were being locked
    mock_servers.advance(minutes=15)  # one more import after the last lock
    in_pingpong = Counter(
        (r["elev"].strip("{}").lower(), r["value"]) for r in pingpong_locked(mock_servers.pingpong.url)
    )
    assert sum(in_pingpong.values()) == sum(len(g) for g, _ in plan.values())
    in_ber = ber_grade_counts(mock_servers.ber.url)
    assert set(in_ber.values()) == {1}, [k for k, n in in_ber.items() if n > 1][:5]  # none twice
    assert Counter((student, value) for student, _, value in in_ber) == in_pingpong  # none missed

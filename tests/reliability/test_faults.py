"""Faults injected through the control API, over real HTTP between real processes: what holds when
BER is unreachable, when Ping Pong fails on the summary's Spara, when sessions expire, when every
request is slow and when a mock is killed. In every case: nothing lost, nothing stored twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import expect

from betyg_harness.flows import set_timeout
from betyg_harness.launcher import start_mocks
from tests.support.robot import grades_csv
from tests.support.pingpong_forms import PingPongForms
from tests.support.registry_reads import ber_grade_counts, pingpong_locked

ROOT = Path(__file__).resolve().parents[2]
SVE = "SVESVE01 HT26 Kista A"
SVE_GRADES = {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "C", "20000105-2380": "E"}
TEACHER = ["Anna Lindqvist"]
BER_DOWN = "BER kunde inte nås"


def locked_in_pingpong(url: str) -> Counter:
    return Counter((r["elev"], r["kurskod"], r["value"]) for r in pingpong_locked(url))


# -- BER unreachable ---------------------------------------------------------------------------------
def test_ber_unreachable_during_a_search_says_how_old_the_data_is_and_loses_nothing(
    pingpong, mock_servers, mock_clock, faults
):
    faults.ber(path="/ss12000/*", drop=True)
    mock_clock.advance(minutes=5)  # Ping Pong's incremental sync runs, and fails
    hits = pingpong.find_groups(group="")
    assert SVE in {h.name for h in hits}  # the copy still answers
    notice = pingpong.page.get_by_role("status").filter(has_text=BER_DOWN)
    expect(notice).to_contain_text("Uppgifterna är från 2026-12-18 08:00")
    result = pingpong.grade_group(SVE, SVE_GRADES, teachers=TEACHER)  # grading goes on from the copy
    assert BER_DOWN in result.state.status_text
    faults.clear()
    mock_clock.advance(minutes=5)  # BER answers again: the next sync succeeds
    pingpong.find_groups(group="")
    expect(pingpong.page.get_by_role("status").filter(has_text=BER_DOWN)).to_have_count(0)
    assert len(locked_in_pingpong(mock_servers.pingpong.url)) == 4  # nothing lost meanwhile


@pytest.mark.parametrize("fault", [{"status": 503}, {"drop": True}], ids=["503", "dropped"])
def test_ping_pong_failing_during_bers_import_is_retried_and_no_grade_is_skipped_or_doubled(
    pingpong, ber, mock_servers, mock_clock, faults, fault
):
    pingpong.grade_group(SVE, SVE_GRADES, teachers=TEACHER)
    faults.pingpong(path="/api/skolplattform/*", times=1, **fault)
    mock_clock.advance(minutes=15)  # BER's import runs and fails
    assert ber_grade_counts(mock_servers.ber.url) == Counter()
    mock_clock.advance(minutes=15)  # the next run asks for the same window again
    counts = ber_grade_counts(mock_servers.ber.url)
    assert len(counts) == 4 and set(counts.values()) == {1}, counts
    imports = mock_servers.pingpong.journal(path="/api/skolplattform/betyg")
    assert [e["status"] for e in imports][-2:] in ([503, 200], [444, 200])


# -- Ping Pong failing on the summary's Spara --------------------------------------------------------------
@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}], ids=["500-after-storing", "dropped-after-storing"])
def test_a_lost_answer_to_the_confirm_is_retried_and_each_grade_is_stored_once(
    pingpong, mock_servers, faults, journal, fault
):
    """The worst case: Ping Pong stores the grades, then the answer is lost. After a 500 the flow
    retries (a fresh login, the group re-read), finds them locked as asked and counts them as set by
    this call; after a dropped
    connection Chromium itself sends the POST again, and the summary's one-time token makes that
    replay answer with the stored result. Either way each grade is stored exactly once."""
    journal.clear()
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", after=True, times=1, **fault)
    result = pingpong.grade_group(SVE, SVE_GRADES, teachers=TEACHER)
    assert {s.personnummer: (s.grade, s.locked) for s in result.state.students} == {
        p: (g, True) for p, g in SVE_GRADES.items()
    }
    confirms = journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")
    assert confirms[0]["fault"] is not None
    if "status" in fault:
        # The retry found them locked: stored by this call's first Spara, so in ``set``, not ``already``.
        assert len(confirms) == 1 and set(result.set) == set(SVE_GRADES) and not result.already
    else:
        assert len(confirms) in (1, 2)  # 2: the browser's own resend, answered as a replay
    state = mock_servers.pingpong.state()["records"]
    assert state["grades"] == 4 and state["confirmed_summaries"] == 1
    assert set(locked_in_pingpong(mock_servers.pingpong.url).values()) == {1}


def test_a_replayed_confirm_answers_with_the_stored_result_and_never_stores_twice(scenario, mock_servers, journal):
    """The summary's one-time token: the same confirm sent three times stores once; the replays
    answer as the first did (302 to the group, "sparade och låsta"), even after others saved."""
    other = PingPongForms(mock_servers.pingpong.url).login()
    form = other.open(other.group_id(SVE))
    summary = other.first_save(form, SVE_GRADES, lock=True, teachers=TEACHER)
    assert summary.status_code == 200
    first = other.confirm(form.group_id, summary)
    before = mock_servers.pingpong.state(digest=True)
    replays = [other.confirm(form.group_id, summary) for _ in range(2)]
    assert first.status_code == 302 and [r.status_code for r in replays] == [302, 302]
    landing = other.http.get(mock_servers.pingpong.url + replays[-1].headers["Location"], timeout=30).text
    assert "Betygen är sparade och låsta." in landing
    after = mock_servers.pingpong.state(digest=True)
    assert after["digest"] == before["digest"]  # nothing stored by the replays
    assert after["records"]["confirmed_summaries"] == 1 and after["records"]["grades"] == 4


# -- sessions and slowness ------------------------------------------------------------------------------
def test_the_session_expiring_mid_group_logs_in_again_and_continues(pingpong, mock_servers, faults, journal):
    journal.clear()
    # Hold the first Spara a second at the server and end every login meanwhile: the form arrives
    # with a login that no longer exists, and Ping Pong shows its login page.
    faults.pingpong(method="POST", path="/betyg/grupp/*", latency_ms=1000, times=1)
    ended = {}

    def on_request(request):
        if request.method == "POST" and request.url.rstrip("/").split("/")[-2] == "grupp" and not ended:
            ended["logins"] = mock_servers.pingpong.end_sessions()["logins"]

    pingpong.page.on("request", on_request)
    result = pingpong.grade_group(SVE, SVE_GRADES, teachers=TEACHER)
    assert ended["logins"] >= 1
    assert {s.personnummer: (s.grade, s.locked) for s in result.state.students} == {
        p: (g, True) for p, g in SVE_GRADES.items()
    }
    logins = [e for e in journal.pingpong(method="POST", path="/login") if e["status"] == 302]
    assert len(logins) == 1  # the retry's fresh login (the first login happened before the journal was cleared)
    records = mock_servers.pingpong.state()["records"]
    assert records["confirmed_summaries"] == 1 and records["grades"] == 4  # stored once, after the new login


def test_two_seconds_latency_on_every_request_and_the_flows_still_pass(pingpong, mock_servers, mock_clock, faults):
    """Every request of both mocks waits 2 s; the user's 30 s patience holds for every step (no
    timeout of ours is shorter than the one the user set)."""
    set_timeout(pingpong.page, 30_000)
    faults.pingpong(path="/*", latency_ms=2000)
    faults.ber(path="/*", latency_ms=2000)
    result = pingpong.grade_group(SVE, SVE_GRADES, teachers=TEACHER)
    assert result.set == SVE_GRADES
    faults.clear()
    mock_clock.advance(minutes=15)
    assert len(ber_grade_counts(mock_servers.ber.url)) == 4


# -- a mock killed -------------------------------------------------------------------------------------
def _robot(args: list[str], pingpong_url: str, ber_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PINGPONG_URL": pingpong_url, "BER_URL": ber_url}
    return subprocess.run(
        [sys.executable, "-m", "betyg_harness.flows", *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
    )


@pytest.mark.xdist_group("own-mocks")
def test_ping_pong_killed_and_restarted_mid_run_the_robot_resumes_and_nothing_is_lost(tmp_path):
    """SIGKILL Ping Pong while the robot works, start it again on the same database and port: the
    robot's retries or a rerun finish the job; every grade is stored exactly once, none lost."""
    pair = start_mocks("generated-20", tmp_path / "mocks")
    try:
        document = json.loads((ROOT / "fixtures" / "scenarios" / "generated-20.json").read_text(encoding="utf-8"))
        expected = grades_csv(document, tmp_path / "betyg.csv")
        args = [
            "grade",
            "--input",
            str(tmp_path / "betyg.csv"),
            "--out",
            str(tmp_path / "ut"),
            "--workers",
            "2",
            "--no-trace",
        ]
        env = {**os.environ, "PINGPONG_URL": pair.pingpong.url, "BER_URL": pair.ber.url}
        robot = subprocess.Popen(
            [sys.executable, "-m", "betyg_harness.flows", *args],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        finished = 0
        for line in robot.stderr:
            finished += ": klar," in line
            if finished == 6:
                pair.pingpong.kill()
                pair.pingpong.restart()  # the same port and database
                break
        robot.communicate(timeout=600)
        assert finished == 6, "the robot ended before Ping Pong could be killed"
        stored_at_kill = pair.pingpong.state()["records"]["grades"]
        assert stored_at_kill >= 6 * 5
        if robot.returncode != 0:  # groups that met the dead server: a rerun resumes from the journal
            rerun = _robot(args, pair.pingpong.url, pair.ber.url)
            assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
        locked = locked_in_pingpong(pair.pingpong.url)
        assert sum(locked.values()) == len(expected) and set(locked.values()) == {1}
        assert pair.pingpong.state()["records"]["grades"] == len(expected)
        pair.advance(minutes=15)
        assert sum(ber_grade_counts(pair.ber.url).values()) == len(expected)
    finally:
        pair.stop()


@pytest.mark.scenario("generated-20")
def test_the_robot_under_lost_answers_on_every_third_confirm_stores_each_grade_once(
    scenario, mock_servers, faults, journal, tmp_path
):
    expected = grades_csv(scenario, tmp_path / "betyg.csv")
    faults.pingpong(
        method="POST", path="/betyg/grupp/*/sammanfattning", after=True, drop=True, probability=0.34, seed=7
    )
    run = _robot(
        [
            "grade",
            "--input",
            str(tmp_path / "betyg.csv"),
            "--out",
            str(tmp_path / "ut"),
            "--workers",
            "2",
            "--no-trace",
        ],
        mock_servers.pingpong.url,
        mock_servers.ber.url,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    dropped = sum(e["fault"] is not None for e in journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning"))
    assert dropped >= 3  # the fault really fired
    locked = locked_in_pingpong(mock_servers.pingpong.url)
    assert sum(locked.values()) == len(expected) and set(locked.values()) == {1}
    assert mock_servers.pingpong.state()["records"]["confirmed_summaries"] == 20

"""Stopping the robot as people do (issue 21, point 1): Ctrl-C typed into a pseudo-terminal — the
terminal sends SIGINT to every process of the foreground group, the Playwright driver included —
and SIGTERM, at chosen moments of a group. The moment is held open by a latency fault on the
request of that moment, and the key is pressed once the mock has caught that request.

Each time: exit 130 (143), a Swedish line, no traceback or native crash, the journal and the report
written, and the group in hand either finished or untouched — never half."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest


from tests.support.robot import robot
from tests.support.terminal import caught, finished, hold, in_terminal

SVE = "SVESVE01 HT26 Kista A"
GRN = "GRNMAT2 HT26 Kista A"
ROWS = (
    "personnummer,kurskod,grupp,betyg,larare\n"
    f"19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist\n"
    f"19910717-2380,SVESVE01,{SVE},C,Anna Lindqvist\n"
    f"19961020-2385,SVESVE01,{SVE},E,Anna Lindqvist\n"
    f"20000105-2380,SVESVE01,{SVE},B,Anna Lindqvist\n"
    f"20000103-2382,GRNMAT2,{GRN},G,Omar Haddad\n"
)
FIRST_SPARA = "/betyg/grupp/*"  # the form: shows the summary, stores nothing
STORING_SPARA = "/betyg/grupp/*/sammanfattning"  # the summary's Spara: stores and locks


def report_of(tmp_path: Path) -> dict[str, dict]:
    body = json.loads((tmp_path / "ut" / "rapport.json").read_text(encoding="utf-8"))
    assert body["stopped"] is True
    return {g["group"]: g for g in body["groups"]}


def journal_of(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "ut" / "journal.jsonl").read_text().splitlines()]


def assert_clean(output: str) -> None:
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "malloc" not in output and "core dumped" not in output, output


@pytest.fixture
def grades_csv(tmp_path) -> Path:
    path = tmp_path / "betyg.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def args_for(csv: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), "--no-trace", *extra]


def stores(journal, group_id_hint: str = "") -> list[dict]:
    return journal.pingpong(method="POST", path=STORING_SPARA)


def ctrl_c_at(
    path: str, grades_csv: Path, tmp_path: Path, pingpong_server, ber_server, *, presses: int = 1, method: str = "POST"
) -> str:
    """The robot started in a terminal and held at ``path``; Ctrl-C typed there ``presses`` times (the
    second once the first is acknowledged). Its output, after a clean exit 130."""
    rule = hold(pingpong_server, path, method=method)
    child = in_terminal(args_for(grades_csv, tmp_path), pingpong_server, ber_server)
    caught(pingpong_server, rule)
    child.sendintr()  # the terminal's Ctrl-C: SIGINT to the robot and to its Playwright driver
    if presses == 2:
        child.expect("Stoppar \\(Ctrl-C\\)")
        child.sendintr()
    output = finished(child)
    assert child.exitstatus == 130, output
    assert_clean(output)
    return output


def test_ctrl_c_between_the_two_spara_finishes_the_group_and_starts_no_other(
    scenario, pingpong_server, ber_server, journal, grades_csv, tmp_path
):
    journal.clear()
    output = ctrl_c_at(FIRST_SPARA, grades_csv, tmp_path, pingpong_server, ber_server)
    assert "Stoppar (Ctrl-C): inga nya grupper påbörjas" in output
    assert "Körningen stoppades (Ctrl-C)" in output and "Fortsätt med samma kommando" in output
    groups = report_of(tmp_path)
    assert groups[SVE]["status"] == "done" and len(groups[SVE]["grades_set"]) == 4, groups[SVE]
    assert groups[SVE]["catalogue"], "the group in hand was finished, catalogue and all"
    assert groups[GRN]["status"] == "not-run" and "stoppades" in groups[GRN]["error"]
    assert len(stores(journal)) == 1, "only the group in hand was stored"
    assert [e["status"] for e in journal_of(tmp_path)] == ["started", "done"]

    # Resumed: the rest is done, nothing twice.
    rerun = robot(args_for(grades_csv, tmp_path), pingpong_server, ber_server)
    out, err = rerun.communicate(timeout=180)
    body = json.loads((tmp_path / "ut" / "rapport.json").read_text(encoding="utf-8"))
    statuses = {g["group"]: g["status"] for g in body["groups"]}
    assert statuses[SVE] == "skipped" and statuses[GRN] in ("done", "incomplete"), out + err
    assert len(stores(journal)) == 2


def test_a_second_ctrl_c_before_the_storing_spara_leaves_the_group_untouched(
    scenario, pingpong_server, ber_server, journal, grades_csv, tmp_path
):
    journal.clear()
    output = ctrl_c_at(FIRST_SPARA, grades_csv, tmp_path, pingpong_server, ber_server, presses=2)
    assert "Stoppar direkt (Ctrl-C)" in output
    groups = report_of(tmp_path)
    assert groups[SVE]["status"] == "stopped" and groups[SVE]["grades_set"] == {}, groups[SVE]
    assert "avbröts innan något sparades" in groups[SVE]["error"]
    assert not stores(journal), "nothing was stored"
    assert journal_of(tmp_path)[-1]["status"] == "stopped"  # not finished: the next run does it

    rerun = robot(args_for(grades_csv, tmp_path), pingpong_server, ber_server)
    out, err = rerun.communicate(timeout=180)
    body = {g["group"]: g for g in json.loads((tmp_path / "ut" / "rapport.json").read_text())["groups"]}
    assert body[SVE]["status"] == "done" and len(body[SVE]["grades_set"]) == 4, out + err


def test_a_second_ctrl_c_during_the_storing_spara_still_finishes_the_group(
    scenario, pingpong_server, ber_server, journal, grades_csv, tmp_path
):
    journal.clear()
    ctrl_c_at(STORING_SPARA, grades_csv, tmp_path, pingpong_server, ber_server, presses=2)
    groups = report_of(tmp_path)
    assert groups[SVE]["status"] == "done" and len(groups[SVE]["grades_set"]) == 4, groups[SVE]
    assert groups[GRN]["status"] == "not-run"
    assert len(stores(journal)) == 1


def test_sigterm_stops_like_ctrl_c_with_exit_143(scenario, pingpong_server, ber_server, journal, grades_csv, tmp_path):
    journal.clear()
    rule = hold(pingpong_server, FIRST_SPARA)
    run = robot(args_for(grades_csv, tmp_path), pingpong_server, ber_server)
    caught(pingpong_server, rule)
    run.send_signal(signal.SIGTERM)  # a service manager's stop
    out, err = run.communicate(timeout=120)
    assert run.returncode == 143, out + err
    assert_clean(out + err)
    assert "Körningen stoppades (SIGTERM)" in out
    groups = report_of(tmp_path)
    assert groups[SVE]["status"] == "done" and groups[GRN]["status"] == "not-run"


def test_ctrl_c_while_waiting_for_ber_stops_the_wait_and_says_what_it_waited_for(
    scenario, pingpong_server, ber_server, tmp_path
):
    csv = tmp_path / "betyg.csv"
    csv.write_text(
        f"personnummer,kurskod,grupp,betyg,larare\n20000103-2382,GRNMAT2,{GRN},G,Omar Haddad\n", encoding="utf-8"
    )
    child = in_terminal(args_for(csv, tmp_path, "--verify-ber"), pingpong_server, ber_server)
    # The live line (point 8): what it waits for, for how long so far, at most how long.
    child.expect("Väntar på BER: 1 av 1 betyg syns inte än — \\d+ s av högst 20 min", timeout=120)
    child.sendintr()
    output = finished(child)
    assert child.exitstatus == 130, output
    assert_clean(output)
    [group] = report_of(tmp_path).values()
    assert group["status"] == "incomplete" and group["ber_visible"] is None, group  # 1 of its 3 admitted
    assert "Väntan på BER avbröts" in group["warning"]


def test_the_ber_wait_is_said_in_a_log_too(scenario, pingpong_server, ber_server, tmp_path):
    """Not a terminal (a log, CI): a line when the wait begins and every 30 s."""
    csv = tmp_path / "betyg.csv"
    csv.write_text(
        f"personnummer,kurskod,grupp,betyg,larare\n20000103-2382,GRNMAT2,{GRN},G,Omar Haddad\n", encoding="utf-8"
    )
    run = robot(args_for(csv, tmp_path, "--verify-ber", "--ber-timeout", "0.05"), pingpong_server, ber_server)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1, out + err  # 3 s is too short for BER's import
    assert "Väntar på BER: 1 av 1 betyg syns inte än — 0 s av högst 3 s." in err, err


def test_ctrl_c_while_the_groups_are_looked_up_starts_none(
    scenario, pingpong_server, ber_server, journal, grades_csv, tmp_path
):
    journal.clear()
    # held in the lookup, before any group
    ctrl_c_at("/betyg/sok-grupp", grades_csv, tmp_path, pingpong_server, ber_server, method="GET")
    groups = report_of(tmp_path)
    assert {g["status"] for g in groups.values()} == {"not-run"}, groups
    assert not journal.pingpong(path="/betyg/grupp/*"), "no group was opened"

"""A saved login (issue 21, point 10): ``betygsrobot login --save-state FILE`` keeps a person's
Ping Pong session in Playwright's own storage state; ``grade --storage-state FILE`` reuses it and
never logs in with a password; a session that has ended is a clear error before any group is opened."""

from __future__ import annotations

import json

from betyg_harness.flows import MockControl

from tests.support.robot import robot

SVE = "SVESVE01 HT26 Kista A"
ROW = f"personnummer,kurskod,grupp,betyg,larare\n19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist\n"


def _save(tmp_path, pingpong_server, ber_server, *extra: str):
    state = tmp_path / "inloggning.json"
    run = robot(
        [
            "login",
            "--save-state",
            str(state),
            "--headless",
            "--pingpong-user",
            "betygsadmin",
            "--pingpong-password",
            "betygsadmin",
            *extra,
        ],
        pingpong_server,
        ber_server,
    )
    out, err = run.communicate(timeout=120)
    return run.returncode, out, err, state


def _grade(tmp_path, pingpong_server, ber_server, *extra: str):
    csv = tmp_path / "betyg.csv"
    csv.write_text(ROW, encoding="utf-8")
    run = robot(
        ["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), "--no-trace", *extra], pingpong_server, ber_server
    )
    out, err = run.communicate(timeout=180)
    return run.returncode, out, err


def test_a_saved_login_is_private_and_the_robot_grades_with_it_without_a_password(
    scenario, pingpong_server, ber_server, journal, tmp_path
):
    code, out, err, state = _save(tmp_path, pingpong_server, ber_server)
    assert code == 0, out + err
    assert state.stat().st_mode & 0o777 == 0o600
    assert "Inloggningen sparad i" in out and "som ett lösenord" in out
    assert json.loads(state.read_text())["cookies"], "Playwright's storage state, with the session"
    journal.clear()
    # A wrong password proves the session came from the file: a password login would be refused.
    code, out, err = _grade(
        tmp_path, pingpong_server, ber_server, "--storage-state", str(state), "--pingpong-password", "fel-lösenord"
    )
    assert code == 1, out + err  # the group is incomplete (one of four students), but graded
    report = json.loads((tmp_path / "ut" / "rapport.json").read_text())
    assert report["groups"][0]["grades_set"] == {"199006022397": "A"}, report
    assert not journal.pingpong(method="POST", path="/login"), "no password login"


def test_an_ended_session_is_refused_before_any_group_is_opened(
    scenario, pingpong_server, ber_server, journal, tmp_path
):
    code, out, err, state = _save(tmp_path, pingpong_server, ber_server)
    assert code == 0, out + err
    MockControl(pingpong_server.url).end_sessions()  # as when Ping Pong logs everyone out
    journal.clear()
    code, out, err = _grade(tmp_path, pingpong_server, ber_server, "--storage-state", str(state))
    assert code == 2, out + err
    assert "gäller inte längre i Ping Pong" in err and f"betygsrobot login --save-state {state}" in err, err
    assert "Traceback" not in err
    assert not journal.pingpong(path="/betyg/grupp/*"), "no group was opened"
    assert not journal.pingpong(method="POST", path="/login"), "no password login instead"


def test_saved_login_mistakes_read_in_swedish(scenario, pingpong_server, ber_server, tmp_path):
    missing = tmp_path / "finns-inte.json"
    code, out, err = _grade(tmp_path, pingpong_server, ber_server, "--storage-state", str(missing))
    assert code == 2 and "finns inte" in err and "betygsrobot login --save-state" in err, err
    not_state = tmp_path / "betyg.json"
    not_state.write_text('{"betyg": []}', encoding="utf-8")
    code, out, err = _grade(tmp_path, pingpong_server, ber_server, "--storage-state", str(not_state))
    assert code == 2 and "ingen sparad inloggning" in err, err
    run = robot(["login", "--save-state", str(tmp_path / "x.json"), "--headless"], pingpong_server, ber_server)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2 and "--headless kräver" in err, err
    code, out, err, state = _save(tmp_path, pingpong_server, ber_server, "--wait", "5", "--pingpong-password", "fel")
    assert code == 2 and "Fel användarnamn eller lösenord" in err and not state.exists(), out + err

"""Mistakes an administrator makes with the robot's options and accounts, found in a trial of the
installed wheel (issue 21): each is said in Swedish before anything is opened (exit 2), or, where
the run goes on, the report and the exit code tell the truth."""

from __future__ import annotations

import json

import pytest

from betyg_harness.flows.browser import DEBIAN_CHROMIUM, DEBIAN_HEADLESS_SHELL

from tests.support.robot import robot

SVE = "SVESVE01 HT26 Kista A"
GRN = "GRNMAT2 HT26 Kista A"
HEADER = "personnummer,kurskod,grupp,betyg,larare\n"
ONE = HEADER + f"19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist\n"
TWO = ONE + f"20000103-2382,GRNMAT2,{GRN},G,Omar Haddad\n"


def _go(tmp_path, pingpong_server, ber_server, text: str, *args: str):
    csv = tmp_path / "betyg.csv"
    csv.write_text(text, encoding="utf-8")
    argv = [a.replace("{csv}", str(csv)).replace("{out}", str(tmp_path / "ut")) for a in args]
    run = robot(argv, pingpong_server, ber_server)
    out, err = run.communicate(timeout=180)
    assert "Traceback" not in out + err, out + err
    return run.returncode, out, err


def _nothing_opened(journal) -> None:
    assert not journal.pingpong(path="/betyg/grupp/*"), "no group was opened"


@pytest.mark.parametrize(
    "option, said",
    [
        (["--workers", "0"], "--workers/-w: ett heltal ≥ 1, inte «0»"),
        (["--workers", "två"], "--workers/-w: ett heltal ≥ 1, inte «två»"),
        (["--timeout", "0"], "--timeout: ett tal större än 0"),
        (["--max-groups", "0"], "--max-groups: ett heltal ≥ 1"),
        (["--bogus"], "okända argument: --bogus"),
    ],
)
def test_bad_options_are_refused_in_swedish(scenario, pingpong_server, ber_server, tmp_path, option, said):
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, ONE, "grade", "--input", "{csv}", "--out", "{out}", *option
    )
    assert code == 2 and said in err, err
    assert "invalid" not in err and "error:" not in err


def test_an_out_that_is_a_file_is_refused_before_anything_opens(
    scenario, pingpong_server, ber_server, journal, tmp_path
):
    journal.clear()
    code, out, err = _go(tmp_path, pingpong_server, ber_server, ONE, "grade", "--input", "{csv}", "--out", "{csv}")
    assert code == 2 and "finns redan och är ingen mapp" in err, err
    _nothing_opened(journal)


def test_an_address_where_nothing_answers_is_said_once(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err = _go(
        tmp_path,
        pingpong_server,
        ber_server,
        ONE,
        "grade",
        "--input",
        "{csv}",
        "--out",
        "{out}",
        "--pingpong-url",
        "http://127.0.0.1:9",
    )
    assert code == 2 and "Ping Pong svarar inte på http://127.0.0.1:9 (ingen server svarar där)" in err, err
    assert "ERR_CONNECTION_REFUSED" not in err
    assert not (tmp_path / "ut").exists(), "a refused run leaves no empty --out folder behind"


def test_a_wrong_ber_password_is_found_before_any_grade_is_stored(
    scenario, pingpong_server, ber_server, journal, tmp_path
):
    journal.clear()
    code, out, err = _go(
        tmp_path,
        pingpong_server,
        ber_server,
        ONE,
        "grade",
        "--input",
        "{csv}",
        "--out",
        "{out}",
        "--verify-ber",
        "--advance-mock-clock",
        "--ber-password",
        "fel",
    )
    assert code == 2 and "Fel användarnamn eller lösenord" in err and "BER" in err, err
    _nothing_opened(journal)
    assert not (tmp_path / "ut").exists(), "a refused run leaves no empty --out folder behind"


def test_a_term_ping_pong_does_not_list_is_said_before_any_group(
    scenario, pingpong_server, ber_server, journal, tmp_path
):
    journal.clear()
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, TWO, "grade", "--input", "{csv}", "--out", "{out}", "--termin", "HT26"
    )
    assert code == 2 and "Terminen «HT26» finns inte" in err, err
    _nothing_opened(journal)
    assert not (tmp_path / "ut").exists(), "a refused run leaves no empty --out folder behind"


def test_a_teachers_account_is_not_blamed_on_the_file(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err = _go(
        tmp_path,
        pingpong_server,
        ber_server,
        TWO,
        "grade",
        "--input",
        "{csv}",
        "--out",
        "{out}",
        "--dry-run",
        "--pingpong-user",
        "anna.lindqvist",
        "--pingpong-password",
        "anna.lindqvist",
    )
    assert code == 2 and "för anna.lindqvist" in err and "kör som Betygsadministratör" in err, err


def test_max_groups_lists_the_groups_left_and_exits_1(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err = _go(
        tmp_path,
        pingpong_server,
        ber_server,
        TWO,
        "grade",
        "--input",
        "{csv}",
        "--out",
        "{out}",
        "--max-groups",
        "1",
        "--no-trace",
    )
    assert code == 1, out + err
    report = json.loads((tmp_path / "ut" / "rapport.json").read_text())
    left = {g["group"]: g for g in report["groups"]}[GRN]
    assert left["status"] == "not-run" and "--max-groups 1" in left["error"]
    totals = report["totals"]  # the first group is incomplete (1 of its 4 students): failed, not "not run"
    assert totals["groups"] == 2 and totals["not_run"] == 1 and totals["ok"] + totals["failed"] == 1
    assert "1 grupper återstår (--max-groups 1)" in out


def test_the_progress_bar_counts_only_the_groups_that_run(scenario, pingpong_server, ber_server, tmp_path):
    """In a terminal, with --max-groups 1 of 2: the bar ends at 1/1, not at 2/2 as if both had run."""
    import re
    from tests.support.terminal import finished, in_terminal

    csv = tmp_path / "betyg.csv"
    csv.write_text(TWO, encoding="utf-8")
    child = in_terminal(
        ["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), "--max-groups", "1", "--no-trace"],
        pingpong_server,
        ber_server,
    )
    output = finished(child)
    counts = re.findall(r"Betygsgrupper\S*\s+\S*\s*(\d+)/(\d+)", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output))
    assert counts and counts[-1] == ("1", "1"), counts


def test_a_dry_run_never_replaces_a_real_runs_report(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, ONE, "grade", "--input", "{csv}", "--out", "{out}", "--no-trace"
    )
    real = (tmp_path / "ut" / "rapport.json").read_text()
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, ONE, "grade", "--input", "{csv}", "--out", "{out}", "--dry-run"
    )
    assert code == 1 and "skulle bli ofullständig" in out, out + err  # one of the group's four students
    assert (tmp_path / "ut" / "rapport.json").read_text() == real
    assert json.loads((tmp_path / "ut" / "provkorning.json").read_text())["dry_run"] is True


def test_file_errors_read_in_swedish(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, ONE, "validate", "--input", str(tmp_path / "finns-inte.csv")
    )
    assert code == 2 and "finns-inte.csv: finns inte." in err and "No such file" not in err, err
    code, out, err = _go(tmp_path, pingpong_server, ber_server, ONE, "validate", "--input", str(tmp_path))
    assert code == 2 and "är en mapp, inte en fil" in err, err
    code, out, err = _go(
        tmp_path,
        pingpong_server,
        ber_server,
        ONE,
        "grade",
        "--input",
        "{csv}",
        "--out",
        "{out}",
        "--storage-state",
        "{csv}",
    )
    assert code == 2 and "ingen sparad inloggning" in err and "Expecting value" not in err, err


only_a_headless_browser = pytest.mark.skipif(
    not DEBIAN_HEADLESS_SHELL.exists() or DEBIAN_CHROMIUM.exists(),
    reason="needs a machine whose only Chromium is Debian's headless shell",
)


@only_a_headless_browser
def test_no_window_to_show_is_said_before_anything_opens(
    scenario, pingpong_server, ber_server, journal, tmp_path, monkeypatch
):
    journal.clear()
    # Playwright's own browsers out of sight: the machine's headless shell is all there is.
    for name, value in {
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "inga-webbläsare"),
        "CHROMIUM_BIN": "",
        "PW_CONNECT_URL": "",
    }.items():
        monkeypatch.setenv(name, value)
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, ONE, "grade", "--input", "{csv}", "--out", "{out}", "--headed"
    )
    assert code == 2 and "Ingen Chromium med fönster hittades" in err, err
    _nothing_opened(journal)
    code, out, err = _go(
        tmp_path, pingpong_server, ber_server, ONE, "login", "--save-state", str(tmp_path / "inloggning.json")
    )
    assert code == 2 and "Ingen Chromium med fönster hittades" in err, err

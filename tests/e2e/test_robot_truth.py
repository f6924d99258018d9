"""The robot's own clock handling on the mocks (issue 21, point 8): ``--advance-mock-clock`` moves
BER's and Ping Pong's clocks together, so later runs on the same mocks still reach BER."""

from __future__ import annotations

import json
from datetime import datetime

from betyg_harness.flows import MockControl

from tests.support.robot import robot


def test_advance_mock_clock_moves_both_mocks_together(scenario, pingpong_server, ber_server, tmp_path):
    pp, ber = MockControl(pingpong_server.url), MockControl(ber_server.url)
    before_pp, before_ber = datetime.fromisoformat(pp.now()), datetime.fromisoformat(ber.now())
    csv = tmp_path / "betyg.csv"
    csv.write_text(
        "personnummer,kurskod,grupp,betyg,larare\n20000103-2382,GRNMAT2,GRNMAT2 HT26 Kista A,G,Omar Haddad\n",
        encoding="utf-8",
    )
    run = robot(
        ["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), "--verify-ber", "--advance-mock-clock"],
        pingpong_server,
        ber_server,
    )
    out, err = run.communicate(timeout=120)
    report = {g["group"]: g for g in json.loads((tmp_path / "ut" / "rapport.json").read_text())["groups"]}
    assert report["GRNMAT2 HT26 Kista A"]["ber_visible"] is True, out + err
    moved_ber = datetime.fromisoformat(ber.now()) - before_ber
    moved_pp = datetime.fromisoformat(pp.now()) - before_pp
    assert moved_ber.total_seconds() >= 60, (moved_ber, out + err)  # BER's import needed mock time
    # Both clocks moved by the same mock time (real seconds of the run aside).
    assert abs((moved_pp - moved_ber).total_seconds()) < 60, (moved_pp, moved_ber)


SVE = "SVESVE01 HT26 Kista A"
HEADER = "personnummer,kurskod,grupp,betyg,larare\n"


def _rows(*rows: tuple[str, str]) -> str:
    return HEADER + "".join(f"{pnr},SVESVE01,{SVE},{grade},Anna Lindqvist\n" for pnr, grade in rows)


def _run(tmp_path, text: str, *extra: str, pingpong_server, ber_server):
    csv = tmp_path / "betyg.csv"
    csv.write_text(text, encoding="utf-8")
    run = robot(["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), *extra], pingpong_server, ber_server)
    out, err = run.communicate(timeout=180)
    name = "provkorning.json" if "--dry-run" in extra else "rapport.json"
    report = json.loads((tmp_path / "ut" / name).read_text(encoding="utf-8"))
    return run.returncode, out, err, report


def test_a_group_left_with_an_admitted_student_unlocked_is_not_klar(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err, report = _run(
        tmp_path,
        _rows(("19900602-2397", "A"), ("19910717-2380", "C"), ("19961020-2385", "E")),
        pingpong_server=pingpong_server,
        ber_server=ber_server,
    )
    assert code == 1, out + err
    [group] = report["groups"]
    assert group["status"] == "incomplete" and group["catalogue"] is None
    assert group["missing_students"] == ["Nguyễn Thị Lan (20000105-2380)"]
    assert "ofullständig" in out and "Nguyễn Thị Lan (20000105-2380)" in out
    assert report["totals"]["incomplete"] == 1 and report["totals"]["ok"] == 0
    journal = [json.loads(line) for line in (tmp_path / "ut" / "journal.jsonl").read_text().splitlines()]
    assert journal[-1]["status"] == "incomplete"  # not finished: the next run looks again


def test_a_dry_run_lists_what_it_would_set_and_stores_nothing(scenario, pingpong_server, ber_server, journal, tmp_path):
    journal.clear()
    code, out, err, report = _run(
        tmp_path,
        _rows(("19900602-2397", "A"), ("19910717-2380", "C")),
        "--dry-run",
        pingpong_server=pingpong_server,
        ber_server=ber_server,
    )
    [group] = report["groups"]
    assert group["status"] == "dry-run"
    assert group["would_set"] == {"199006022397": "A", "199107172380": "C"}
    assert group["teachers"] == ["Anna Lindqvist"] and report["totals"]["would_set"] == 2
    assert "Provkörning: 2 betyg skulle sättas i 1 av 1 grupper" in out and "19900602-2397" in out
    assert not journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning"), "nothing stored"
    # The two admitted students the file leaves out: what the real run would call "ofullständig".
    missing = ["Nguyễn Thị Lan (20000105-2380)", "Ayşe Yılmaz (19961020-2385)"]  # as Ping Pong lists them
    assert group["missing_students"] == missing, group
    assert f"{SVE}: skulle bli ofullständig — utan betyg i filen: {', '.join(missing)}." in out
    assert code == 1, out + err


def test_a_dry_run_of_a_whole_group_is_clean(scenario, pingpong_server, ber_server, tmp_path):
    code, out, err, report = _run(
        tmp_path, _rows(*FOUR), "--dry-run", pingpong_server=pingpong_server, ber_server=ber_server
    )
    assert code == 0, out + err
    assert report["groups"][0]["missing_students"] == [] and "ofullständig" not in out


def test_the_output_folder_is_private_and_refusals_read_in_swedish(scenario, pingpong_server, ber_server, tmp_path):
    text = HEADER + f"19900602-2397,SVESVE01,{SVE},A,Ana Lindqvist\n"
    code, out, err, report = _run(tmp_path, text, pingpong_server=pingpong_server, ber_server=ber_server)
    assert code == 1
    assert (tmp_path / "ut").stat().st_mode & 0o777 == 0o700
    [group] = report["groups"]
    assert group["error"].startswith("Ana Lindqvist är inte betygssättande lärare")  # no class name first
    assert "Menade du «Anna Lindqvist»?" in group["error"]


# -- The truth after a failure (issue 21, point 3) -----------------------------------------------

FOUR = (("19900602-2397", "A"), ("19910717-2380", "C"), ("19961020-2385", "E"), ("20000105-2380", "B"))
GRN_ROW = "20000103-2382,GRNMAT2,GRNMAT2 HT26 Kista A,G,Omar Haddad\n"


def _playwright_drivers(pid: int) -> list:
    import psutil

    return [c for c in psutil.Process(pid).children(recursive=True) if "run-driver" in " ".join(c.cmdline())]


def test_a_group_stored_when_the_driver_died_is_reported_stored_and_later_confirmed(
    scenario, pingpong_server, ber_server, journal, tmp_path
):
    """The driver dies while the storing Spara is on its way: Ping Pong stores the grades, the
    robot never hears. The group is re-read with a fresh browser and reported "lagrad men inte
    bekräftad" with its grades; the next group is graded by a fresh browser; the rerun confirms
    the group (its grades count as set, the catalogue is fetched) without storing it again."""
    from tests.support.terminal import caught, hold

    journal.clear()
    csv = tmp_path / "betyg.csv"
    csv.write_text(_rows(*FOUR) + GRN_ROW, encoding="utf-8")
    rule = hold(pingpong_server, "/betyg/grupp/*/sammanfattning", seconds=3)
    run = robot(
        ["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), "--no-trace"], pingpong_server, ber_server
    )
    caught(pingpong_server, rule)
    [driver] = _playwright_drivers(run.pid)
    driver.kill()
    out, err = run.communicate(timeout=180)
    assert run.returncode == 1, out + err
    report = {g["group"]: g for g in json.loads((tmp_path / "ut" / "rapport.json").read_text())["groups"]}
    sve = report[SVE]
    assert sve["status"] == "unconfirmed", sve
    assert sve["grades_set"] == {"199006022397": "A", "199107172380": "C", "199610202385": "E", "200001052380": "B"}
    assert "Ping Pong visar alla 4 betyg låsta som filen säger" in sve["error"]
    assert "lagrad men inte bekräftad" in out
    assert report["GRNMAT2 HT26 Kista A"]["status"] in ("done", "incomplete"), "a fresh browser took the next group"
    assert "ej körd" not in out and "kunde inte starta" not in out

    rerun = robot(
        ["grade", "--input", str(csv), "--out", str(tmp_path / "ut"), "--no-trace"], pingpong_server, ber_server
    )
    out, err = rerun.communicate(timeout=180)
    again = {g["group"]: g for g in json.loads((tmp_path / "ut" / "rapport.json").read_text())["groups"]}
    assert again[SVE]["status"] == "done" and len(again[SVE]["grades_set"]) == 4, out + err
    assert again[SVE]["catalogue"] and "tidigare körning" in again[SVE]["warning"]
    stored = [e for e in journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")]
    assert len(stored) == 2, "SVE once, GRN once: nothing stored twice"


def test_a_save_whose_answer_was_lost_counts_as_set_by_the_robot(
    scenario, pingpong_server, ber_server, faults, journal, tmp_path
):
    """Ping Pong stores and answers 500: the retry reads the group and finds the grades locked.
    They are the robot's, "klar" with 4 set — not "redan låst" with 0."""
    journal.clear()
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", status=500, after=True, times=1)
    code, out, err, report = _run(tmp_path, _rows(*FOUR), pingpong_server=pingpong_server, ber_server=ber_server)
    assert code == 0, out + err
    [group] = report["groups"]
    assert group["status"] == "done" and len(group["grades_set"]) == 4 and group["already"] == {}, group
    assert len(journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")) == 1


def test_a_group_the_robot_lost_track_of_is_re_read_not_guessed(
    scenario, pingpong_server, ber_server, faults, journal, tmp_path
):
    """Every storing Spara refused with 503 before it is handled (nothing stored), every time: the
    group is re-read and reported untouched, in those words."""
    journal.clear()
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", status=503)
    code, out, err, report = _run(tmp_path, _rows(*FOUR), pingpong_server=pingpong_server, ber_server=ber_server)
    assert code == 1, out + err
    [group] = report["groups"]
    assert group["status"] == "failed" and group["grades_set"] == {}, group
    assert "Ping Pong visar gruppen orörd: inget av filens betyg sparades" in group["error"], group


def test_long_runs_recycle_contexts_and_browsers(scenario, pingpong_server, ber_server, journal, tmp_path):
    """Flat memory (issue 21, point 9; the figure is `make bench`'s "Robotens minne"): a worker's
    context grows with every group it opens, so a fresh one (and a fresh login) comes every
    ``--recycle-every`` groups, a fresh browser every four times that; 0 keeps one for the run."""
    from tests.support.robot import grades_csv

    grades_csv(scenario, tmp_path / "betyg.csv")
    runs = {}
    for every in ("1", "0"):
        journal.clear()
        run = robot(
            [
                "grade",
                "--input",
                str(tmp_path / "betyg.csv"),
                "--out",
                str(tmp_path / f"ut-{every}"),
                "--no-trace",
                "--no-lock",
                "--recycle-every",
                every,
            ],
            pingpong_server,
            ber_server,
        )
        out, err = run.communicate(timeout=300)
        report = json.loads((tmp_path / f"ut-{every}" / "rapport.json").read_text())
        opened = sum(g["status"] != "not-run" for g in report["groups"])
        runs[every] = (opened, len(journal.pingpong(method="POST", path="/login")), out + err)
    opened, logins, said = runs["1"]
    assert opened >= 3 and logins == opened, said  # one context per group
    opened, logins, said = runs["0"]
    assert logins == 1, said

"""The robot end to end: a generated scenario of 20 groups from a CSV, killed midway, resumed —
every grade set exactly once (Ping Pong's journal), visible in BER; bad input found by Ping Pong."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from betyg_harness.flows import ber_login
from betyg_harness.flows.pages.ber import BerImportLogPage
from tests.support.robot import grades_csv, robot


@pytest.mark.scenario("generated-20")
def test_killed_midway_and_resumed_sets_every_grade_exactly_once(
    scenario, mock_servers, pingpong_server, ber_server, journal, browser, tmp_path
):
    journal.clear()
    expected = grades_csv(scenario, tmp_path / "betyg.csv", delimiter=";")
    assert len({g for g, _ in expected}) == 20
    args = ["grade", "--input", str(tmp_path / "betyg.csv"), "--out", str(tmp_path / "ut"), "--workers", "2"]

    first = robot(args, pingpong_server, ber_server)
    finished = 0
    for line in first.stderr:  # plain log lines when not on a terminal: one per group
        finished += ": klar," in line
        if finished == 5:
            first.kill()  # SIGKILL: no cleanup, as after a crash
            break
    first.wait(timeout=60)
    assert finished == 5, "the robot ended before it could be killed"
    done_before = [json.loads(x) for x in (tmp_path / "ut" / "journal.jsonl").read_text().splitlines()]
    assert 5 <= sum(e["status"] == "done" for e in done_before) < 20

    second = robot(args, pingpong_server, ber_server)
    out, err = second.communicate(timeout=240)
    assert second.returncode == 0, out + err
    report = json.loads((tmp_path / "ut" / "rapport.json").read_text())
    statuses = Counter(g["status"] for g in report["groups"])
    assert statuses["skipped"] >= 5 and sum(statuses.values()) == 20
    assert set(statuses) <= {"skipped", "done", "already"}
    assert all(g["catalogue"] and Path(g["catalogue"]).exists() for g in report["groups"])

    # Exactly once: one storing "Spara" per group in Ping Pong, and no grade set by two entries.
    stores = Counter(e["path"] for e in journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning"))
    assert len(stores) == 20 and set(stores.values()) == {1}
    entries = [json.loads(x) for x in (tmp_path / "ut" / "journal.jsonl").read_text().splitlines()]
    set_by = Counter(
        (e["group"].split("|")[0], p) for e in entries if e["status"] == "done" for p in e.get("grades_set") or {}
    )
    assert set(set_by.values()) == {1}
    reached = {
        (e["group"].split("|")[0], p): g
        for e in entries
        if e["status"] == "done"
        for p, g in {**(e.get("already") or {}), **(e.get("grades_set") or {})}.items()
    }
    assert reached == expected

    # BER's import received each of the 200 grades once, and removed none.
    mock_servers.advance(minutes=15)
    ber_page = browser.new_page(base_url=ber_server.url)
    ber_login(ber_page)
    runs = BerImportLogPage(ber_page).goto().runs()
    assert sum(int(r["Mottagna betyg"]) for r in runs) == len(expected) == 200
    assert sum(int(r["Borttagna betyg"]) for r in runs) == 0


def test_course_no_group_has_is_bad_input_and_unadmitted_student_fails_its_group(
    scenario, pingpong_server, ber_server, tmp_path
):
    csv = tmp_path / "betyg.csv"
    csv.write_text(
        "personnummer,kurskod,grupp,betyg,larare\n"
        "19900602-2397,SVESVE01,SVESVE01 HT26 Kista A,A,Anna Lindqvist\n"
        "19900602-2397,BIOBIO01,BIOBIO01 HT26 Kista A,A,Anna Lindqvist\n",
        encoding="utf-8",
    )
    run = robot(["grade", "--input", str(csv), "--out", str(tmp_path / "ut")], pingpong_server, ber_server)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 2, out + err
    assert "rad 3: okänd kurskod «BIOBIO01»: Ping Pong visar ingen betygsgrupp i den kursen för betygsadmin." in err

    csv.write_text(
        "personnummer,kurskod,grupp,betyg,larare\n"
        "19900602-2397,SVESVE01,SVESVE01 HT26 Kista A,A,Anna Lindqvist\n"
        "19931217-2381,SVESVE01,SVESVE01 HT26 Kista A,B,Anna Lindqvist\n"  # Avbrott in BER
        "20000103-2382,GRNMAT2,GRNMAT2 HT26 Kista A,G,Omar Haddad\n",
        encoding="utf-8",
    )
    run = robot(
        ["grade", "--input", str(csv), "--out", str(tmp_path / "ut2"), "--verify-ber", "--advance-mock-clock"],
        pingpong_server,
        ber_server,
    )
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1, out + err
    report = {g["group"]: g for g in json.loads((tmp_path / "ut2" / "rapport.json").read_text())["groups"]}
    assert report["SVESVE01 HT26 Kista A"]["status"] == "failed"
    assert (
        "Ej antagna" in report["SVESVE01 HT26 Kista A"]["error"]
        and "19931217-2381" in report["SVESVE01 HT26 Kista A"]["error"]
    )
    assert report["SVESVE01 HT26 Kista A"]["trace"].endswith(".zip")  # kept for the failed group only
    assert Path(report["SVESVE01 HT26 Kista A"]["trace"]).exists()
    # One of its three admitted students was in the file: stored and locked, but not "klar".
    assert report["GRNMAT2 HT26 Kista A"]["status"] == "incomplete" and report["GRNMAT2 HT26 Kista A"]["trace"] is None
    assert report["GRNMAT2 HT26 Kista A"]["ber_visible"] is True  # --verify-ber, on the mock clock
    assert report["SVESVE01 HT26 Kista A"]["ber_visible"] is None

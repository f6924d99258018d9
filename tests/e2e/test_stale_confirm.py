"""Someone else saves the group while our summary's Spara is in flight (a 3 s latency fault holds our
confirm at the server): Ping Pong refuses ours as stale (409), the flow says StaleForm — not that the
grades failed to lock — and the robot re-opens the group, re-plans and finishes."""

from __future__ import annotations

import threading

import pytest

from betyg_harness.flows import PingPong, StaleForm, grade_group, login
from betyg_harness.flows.robot.csvinput import parse_grades
from betyg_harness.flows.robot.runner import Robot, Settings
from tests.support.pingpong_forms import PingPongForms

GROUP = "SVESVE01 HT26 Kista A"
OURS = {"19900602-2397": "A", "19910717-2380": "B"}
THEIRS = {"19961020-2385": "C"}  # a draft of another student: it bumps the group's version


def _save_by_someone_else_during_our_confirm(page, pingpong_server, faults) -> dict:
    """Hold our confirm for 3 s at the server; the moment it leaves the browser, a second
    administrator saves a draft over plain HTTP. Returns what the other save answered."""
    other = PingPongForms(pingpong_server.url).login()
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", latency_ms=3000, times=1)
    answered: dict = {}

    def theirs():
        answered["status"] = other.save(GROUP, THEIRS, teachers=["Anna Lindqvist"]).status_code

    def on_request(request):
        if request.method == "POST" and request.url.endswith("/sammanfattning") and "thread" not in answered:
            answered["thread"] = threading.Thread(target=theirs)
            answered["thread"].start()

    page.on("request", on_request)
    return answered


def test_a_stale_confirm_is_reported_as_stale(page, scenario, pingpong_server, faults, journal):
    login(page, base_url=pingpong_server.url)
    answered = _save_by_someone_else_during_our_confirm(page, pingpong_server, faults)
    with pytest.raises(StaleForm, match="Någon annan har sparat betyg"):
        grade_group(page, GROUP, OURS, teachers=["Anna Lindqvist"], base_url=pingpong_server.url)
    answered["thread"].join(timeout=30)
    assert answered["status"] == 302  # theirs was stored
    confirms = journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")
    assert sorted(e["status"] for e in confirms) == [302, 409]  # ours refused, nothing overwritten


def test_the_session_flow_and_the_robot_regrade_after_a_stale_confirm(
    page, scenario, pingpong_server, ber_server, faults, journal, tmp_path
):
    """The robot's worker meets the same race: it re-opens the group from the stored state (their
    draft stays a draft; our grades are set and locked) and reports the group done."""
    jobs = parse_grades(
        (
            "personnummer,kurskod,grupp,betyg,larare\n"
            + "".join(f"{pnr},SVESVE01,{GROUP},{grade},Anna Lindqvist\n" for pnr, grade in OURS.items())
        ).encode()
    )
    settings = Settings(pingpong_url=pingpong_server.url, ber_url=ber_server.url, out_dir=tmp_path / "ut", trace=False)
    robot = Robot(jobs, settings)
    login(page, base_url=pingpong_server.url)
    answered = _save_by_someone_else_during_our_confirm(page, pingpong_server, faults)
    session = PingPong(page, pingpong_server.url)
    outcome = robot._grade(jobs[0], session, page.context)
    answered["thread"].join(timeout=30)
    # Ours are set and locked; two admitted students were not in the file: stored, not "klar".
    assert outcome.status == "incomplete", outcome.error
    assert len(outcome.missing_students) == 2
    assert outcome.grades_set == {"199006022397": "A", "199107172380": "B"}
    state = grade_group(page, GROUP, {}, base_url=pingpong_server.url).state
    shown = {s.personnummer: (s.grade, s.locked) for s in state.students}
    assert shown["19900602-2397"] == ("A", True) and shown["19910717-2380"] == ("B", True)
    assert shown["19961020-2385"] == ("C", False)  # theirs, untouched
    confirms = journal.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning")
    assert sorted(e["status"] for e in confirms) == [302, 302, 409]

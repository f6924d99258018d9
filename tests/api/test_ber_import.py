"""BER's grade import from Ping Pong's grade API (betyg.xsd XML): from the real Ping Pong where no
fault is staged (tests/api/live_pair.py), else from a tiny real HTTP stand-in that stages it.

The stand-in is a werkzeug server on a free port in a thread, so BER's real HTTP client, timeouts
and connection errors are exercised; it lists a student when one of their grades was locked in
[from, tom) and then sends that student's complete list, as docs/contracts.md says.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest

from betyg_harness.contracts import validate_ss12000_response
from betyg_harness.scenario import stable_id
from tests.api.grade_api_support import (
    ANNA,
    AUTH,
    HIS_GROUP,
    KARIN,
    S01,
    SCHOOL,
    SVE_GROUP,
    advance,
    make_ber,
    runs,
)
from tests.api.live_pair import Pair
from tests.support.pingpong_forms import PingPongForms


@pytest.fixture
def ber(pingpong):
    return make_ber(pingpong)


@pytest.fixture(scope="module")
def live_pair():
    # Ping Pong does not subscribe to BER's notices here: BER's clock runs its import and nothing else.
    live = Pair(ber_config={"IMPORT_TIMEOUT_SECONDS": 2}, pingpong_config={"BER_WEBHOOKS": False})
    yield live
    live.close()


@pytest.fixture
def live(live_pair):
    """The real BER importing from the real Ping Pong, both at the scenario's start."""
    live_pair.load()
    live_pair.pingpong.kit.journal.clear()
    return live_pair


def asked(live) -> list[dict]:
    """The windows BER asked the real Ping Pong's grade API for, in order."""
    entries = live.pingpong.kit.journal.entries(method="GET", path="/api/skolplattform/betyg")
    return [dict(parse_qsl(e["query"])) for e in entries]


def grades_of(client, student=S01):
    response = client.get(f"/ss12000/v2.1/grades?student={student}", headers=AUTH)
    validate_ss12000_response("/ss12000/v2.1/grades", response.status_code, response.get_json())
    return {(g["syllabus"]["id"], g["gradeValue"]) for g in response.get_json()["data"]}


def login(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "beradmin", "password": "beradmin", "csrf_token": token})
    assert response.status_code == 302


def student_page(client, student=S01):
    login(client)
    return client.get(f"/elever/{student}").get_data(as_text=True)


def sve(value="B"):
    return (stable_id("syllabus", "SVESVE01"), value)


def test_a_locked_grade_is_absent_at_14_minutes_and_present_at_15(live):
    client = live.ber.app.test_client()
    teacher = PingPongForms(live.pingpong.app)
    teacher.sign_in("betygsadmin")
    saved = teacher.save_by_key("svesve01-ht26-a", {"s01": "B"}, locks=["s01"], teachers=["anna.lindqvist"])
    assert saved.status_code == 302  # locked at 08:00, the scenario's start
    assert advance(client, 14) == []
    assert grades_of(client) == set()
    assert "Inga betyg har tagits emot." in student_page(client)
    assert [r["job"] for r in advance(client, 1)] == ["grade_import"]
    assert grades_of(client) == {sve("B")}
    page = student_page(client)
    assert "SVESVE01 Svenska 1" in page and "Anna Lindqvist" in page and "2026-12-18 08:15" in page
    assert asked(live)[-1] == {"from": "2026-12-18T08:00", "tom": "2026-12-18T08:15", "schoolType": "VUX"}
    grade = client.get("/ss12000/v2.1/grades", headers=AUTH).get_json()["data"][0]
    assert grade["student"]["id"] == S01 and grade["group"]["id"] == SVE_GROUP
    assert grade["gradingTeacher"]["id"] == ANNA and grade["organisation"]["id"] == SCHOOL
    one = client.get(f"/ss12000/v2.1/grades/{grade['id']}", headers=AUTH)
    validate_ss12000_response(f"/ss12000/v2.1/grades/{grade['id']}", 200, one.get_json())


def test_each_run_starts_where_the_last_successful_one_ended(live):
    advance(live.ber.app.test_client(), 45)
    assert [(r["from"], r["tom"]) for r in asked(live)] == [
        ("2026-12-18T08:00", "2026-12-18T08:15"),
        ("2026-12-18T08:15", "2026-12-18T08:30"),
        ("2026-12-18T08:30", "2026-12-18T08:45"),
    ]


def test_a_grade_missing_from_a_later_complete_list_is_removed(ber, pingpong):
    app, client = ber
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:01")
    pingpong.lock(S01, "HISHIS01a1", "C", HIS_GROUP, [KARIN], "2026-12-18T08:02")
    advance(client, 15)
    his = (stable_id("syllabus", "HISHIS01a1"), "C")
    assert grades_of(client) == {sve("B"), his}
    pingpong.remove(S01, "HISHIS01a1", "2026-12-18T08:20")
    advance(client, 15)
    assert grades_of(client) == {sve("B")}
    assert runs(app)[-1][3:5] == (0, 1)  # nothing new applied, one removed


def test_a_changed_grade_replaces_the_old_value(ber, pingpong):
    app, client = ber
    pingpong.lock(S01, "SVESVE01", "C", SVE_GROUP, [ANNA], "2026-12-18T08:01")
    advance(client, 15)
    pingpong.lock(S01, "SVESVE01", "A", SVE_GROUP, [ANNA], "2026-12-18T08:16")
    advance(client, 15)
    assert grades_of(client) == {sve("A")}


def test_a_failed_poll_is_retried_from_the_same_point_without_loss(ber, pingpong):
    app, client = ber
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:05")
    pingpong.stop()  # Ping Pong is down
    advance(client, 15)
    assert grades_of(client) == set()
    assert runs(app)[-1][0] == "failed" and "kunde inte nås" in runs(app)[-1][5]
    pingpong.start()  # up again, on the same port
    advance(client, 15)
    assert grades_of(client) == {sve("B")}
    assert pingpong.requests[-1]["from"] == "2026-12-18T08:00"  # the failed window is asked for again
    assert [r[0] for r in runs(app)] == ["failed", "ok"]


def test_a_5xx_answer_is_a_failed_run(ber, pingpong):
    app, client = ber
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:05")
    pingpong.mode = "500"
    advance(client, 15)
    assert grades_of(client) == set()
    assert runs(app)[-1][0] == "failed" and "500" in runs(app)[-1][5]


def test_invalid_xml_is_rejected_logged_and_nothing_applied(ber, pingpong):
    app, client = ber
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:05")
    advance(client, 15)
    pingpong.lock(S01, "SVESVE01", "A", SVE_GROUP, [ANNA], "2026-12-18T08:20")
    pingpong.mode = "invalid"
    advance(client, 15)
    assert grades_of(client) == {sve("B")}  # the bad answer changed nothing
    status, start, _, applied, removed, error = runs(app)[-1]
    assert (status, applied, removed) == ("failed", 0, 0) and "Ogiltig XML" in error
    login(client)
    log = client.get("/betygsimport").get_data(as_text=True)
    assert "<h1>Betygsimport</h1>" in log and "Misslyckades" in log and "Ogiltig XML" in log
    pingpong.mode = "ok"
    advance(client, 15)
    assert grades_of(client) == {sve("A")}
    assert pingpong.requests[-1]["from"] == "2026-12-18T08:15"


def test_an_unknown_student_is_skipped_and_noted(ber, pingpong):
    app, client = ber
    stranger = "99999999-9999-4999-8999-999999999999"
    pingpong.lock(stranger, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:05")
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:05")
    advance(client, 15)
    assert grades_of(client) == {sve("B")}
    assert runs(app)[-1][0] == "ok" and stranger in runs(app)[-1][5]


def test_immediate_mode_imports_before_grades_are_read(pingpong):
    app, client = make_ber(pingpong, IMPORT_MODE="immediate")
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:00")
    assert advance(client, 60) == []  # no periodic job in this mode
    assert grades_of(client) == {sve("B")}
    assert pingpong.requests[-1]["tom"] == "2026-12-18T09:00"


def test_random_mode_delays_each_grade_by_a_seeded_0_to_14_minutes(pingpong):
    from betyg_harness.mock_ber.jobs.grade_import import delay_minutes

    app, client = make_ber(pingpong, IMPORT_MODE="random", IMPORT_SEED=7)
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:00:10")
    delay = delay_minutes(7, f"{S01}:SVESVE01:{SVE_GROUP}:B")
    assert 0 <= delay <= 14
    advance(client, 1)  # the poll at 08:01 fetches it; it shows at 08:01 + delay
    if delay:
        advance(client, delay - 1 + 0.5)
        assert grades_of(client) == set()
        advance(client, 0.5)
    assert grades_of(client) == {sve("B")}
    for seed in range(30):  # the delay spreads over the range (a constant would pass the above)
        if delay_minutes(seed, "x") != delay_minutes(0, "x"):
            break
    else:
        pytest.fail("delay_minutes ignores its seed")

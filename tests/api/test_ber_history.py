"""Earlier grades in BER (scenario ``earlierGrades``, origin history) and the complete-list contract
of Ping Pong's grade API: the import owns only the grades that came from Ping Pong — a grade missing
from a later list is removed, the student's earlier grades from elsewhere stay."""

from __future__ import annotations

import pytest

from betyg_harness.contracts import validate_ss12000_response
from betyg_harness.scenario import ScenarioError, stable_id
from tests.api.live_pair import frozen, with_history
from tests.api.grade_api_support import ANNA, AUTH, S01, SVE_GROUP, advance, make_ber, runs

MAT, ENG, HIS, SVE = (stable_id("syllabus", c) for c in ("MATMAT01a", "ENGENG05", "HISHIS01a1", "SVESVE01"))
HISTORY = {(MAT, "C"), (ENG, "B"), (HIS, "E")}


@pytest.fixture
def ber(pingpong):
    app, client = make_ber(pingpong, SCENARIO=with_history(frozen()))
    return app, client


def grades(client, student=S01) -> list[dict]:
    response = client.get(f"/ss12000/v2.1/grades?student={student}&expandReferenceNames=true", headers=AUTH)
    validate_ss12000_response("/ss12000/v2.1/grades", response.status_code, response.get_json())
    return response.get_json()["data"]


def values(client) -> set:
    return {(g["syllabus"]["id"], g["gradeValue"]) for g in grades(client)}


def test_earlier_grades_are_in_ber_from_the_start(ber):
    app, client = ber
    listed = {g["syllabus"]["id"]: g for g in grades(client)}
    assert {(k, g["gradeValue"]) for k, g in listed.items()} == HISTORY
    corrected = listed[ENG]
    assert corrected["correctionType"] == "Rättelse" and "från C" in corrected["remark"]
    assert corrected["meta"]["modified"].startswith("2026-01-15") and corrected["registeredDate"] == "2025-12-19"
    assert (corrected["semester"], corrected["year"]) == ("HT", 2025)
    assert listed[HIS]["trial"] is True and "gradingTeacher" not in listed[HIS]
    assert listed[MAT]["gradingTeacher"]["id"] == stable_id("person", "omar.haddad")


def test_the_import_adds_to_earlier_grades_and_removes_only_its_own(ber, pingpong):
    app, client = ber
    pingpong.lock(S01, "SVESVE01", "B", SVE_GROUP, [ANNA], "2026-12-18T08:01")
    # Ping Pong's complete list for s01 holds only what was set in Ping Pong; it has never seen the
    # earlier grades, and their absence from the list must not remove them.
    pingpong.lock(S01, "MATMAT01a", "A", stable_id("group", "matmat01a-vt27-a"), [ANNA], "2026-12-18T08:02")
    advance(client, 15)
    assert values(client) == HISTORY | {(SVE, "B"), (MAT, "A")}  # a retake beside the earlier MATMAT01a C
    pingpong.remove(S01, "MATMAT01a", "2026-12-18T08:20")
    advance(client, 15)
    assert values(client) == HISTORY | {(SVE, "B")}  # missing from the later list: removed
    assert runs(app)[-1][3:5] == (0, 1)
    deleted = client.get("/ss12000/v2.1/deletedEntities?entities=Grade", headers=AUTH).get_json()["data"]
    assert deleted["grades"] == [stable_id("grade", f"{S01}:MATMAT01a:{stable_id('group', 'matmat01a-vt27-a')}")]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"value": "X"}, "finns inte i betygsskalan"),
        ({"value": "D", "correction": {"type": "Ändring", "previousValue": "C", "date": "2026-07-01"}}, "aldrig sänka"),
        ({"value": "C", "correction": {"type": "Rättelse", "previousValue": "C", "date": "2026-07-01"}}, "måste ändra"),
        ({"course": "FYSFYS01a"}, "Okänd kurs"),
        ({"correction": {"type": "Rättelse", "previousValue": "D", "date": "2026-01-01"}}, "före betygsdatumet"),
    ],
)
def test_a_bad_earlier_grade_refuses_the_scenario_and_keeps_the_old_one(ber, change, message):
    app, client = ber
    doc = with_history(frozen())
    next(s for s in doc["students"] if s["key"] == "s01")["earlierGrades"][0].update(change)
    with pytest.raises(ScenarioError, match=message):
        app.extensions["mock_kit"].load_scenario(doc)
    assert values(client) == HISTORY  # nothing lost


@pytest.mark.xdist_group("ber_pingpong_live")
def test_the_real_pingpong_sends_its_complete_list_and_ber_keeps_the_history():
    from betyg_harness.contracts import betyg_records, check_betyg_contract
    from tests.api.live_pair import Pair
    from tests.api.pingpong_support import API_AUTH
    from tests.support.pingpong_forms import PingPongForms

    live = Pair(with_history(frozen()))
    try:
        teacher = PingPongForms(live.pingpong.app)
        teacher.sign_in("betygsadmin")
        saved = teacher.save_by_key("svesve01-ht26-a", {"s01": "B"}, locks=["s01"], teachers=["anna.lindqvist"])
        assert saved.status_code == 302
        xml = (
            live.pingpong.app.test_client()
            .get("/api/skolplattform/betyg?from=2026-12-18T08:00&tom=2026-12-18T08:15", headers=API_AUTH)
            .data
        )
        check_betyg_contract(xml)
        # Ping Pong's complete list for Åsa: what Ping Pong holds, never BER's earlier grades.
        assert [(r["elev"], r["kurskod"], r["value"]) for r in betyg_records(xml)] == [
            ("{" + S01 + "}", "SVESVE01", "B")
        ]
        live.ber.advance(minutes=15)  # BER's import polls the real Ping Pong
        client = live.ber.app.test_client()
        assert values(client) == HISTORY | {(SVE, "B")}
    finally:
        live.close()

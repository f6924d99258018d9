"""A mock restarted on the same database loses nothing: records, the scenario to reset to, the clock."""

from __future__ import annotations

from sqlalchemy import select

from betyg_harness.mock_ber import create_app as create_ber
from betyg_harness.mock_ber import store
from betyg_harness.mock_ber.models import Person, TeachingGroup
from betyg_harness.mock_kit.scenario import stable_id

AUTH = {"Authorization": "Bearer ber-dev-token"}
GROUP = stable_id("group", "matmat01a-vt27-a")


def graders_via_api(client) -> list[bool]:
    body = client.get(f"/ss12000/v2.1/activities?group={GROUP}", headers=AUTH).get_json()
    return sorted(t["grader"] for activity in body["data"] for t in activity["teachers"])


def test_ber_restarted_on_its_database_keeps_a_new_grader_link_and_the_clock(tmp_path):
    database = str(tmp_path / "ber.sqlite3")
    first = create_ber({"DATABASE": database, "SCHEDULER": False})
    client = first.test_client()
    client.post("/_mock/clock", json={"now": "2027-01-25T10:00:00+01:00", "freeze": True})
    assert graders_via_api(client) == [True]
    with first.app_context():
        kit = first.extensions["mock_kit"]
        with kit.db.session() as session:
            group = session.get(TeachingGroup, GROUP)
            anna = session.scalars(select(Person).where(Person.key == "anna.lindqvist")).one()
            store.link_grader(session, group, anna)
            session.commit()
    assert graders_via_api(client) == [True, True]
    first.extensions["mock_kit"].db.dispose()

    second = create_ber({"DATABASE": database, "SCHEDULER": False, "SCENARIO": "small"})
    again = second.test_client()
    assert graders_via_api(again) == [True, True]
    assert again.get("/_mock/clock").get_json() == {"now": "2027-01-25T10:00:00+01:00", "frozen": True}
    assert again.get("/healthz").get_json()["scenario"] == "default"  # not the configured "small"
    again.post("/_mock/reset", json={})
    assert graders_via_api(again) == [True]  # reset goes back to the stored scenario's start

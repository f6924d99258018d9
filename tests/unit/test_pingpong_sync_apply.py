"""Writing SS 12000 objects into Ping Pong's copy of BER (no HTTP: the objects are given, as the real
BER serves the default scenario, read through its test client)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from betyg_harness.mock_kit.scenario import load
from betyg_harness.scenario import stable_id
from betyg_harness.mock_pingpong import jobs, store
from betyg_harness.mock_pingpong.models import groups, memberships, metadata


def served_by_ber(document: dict) -> dict[str, dict[str, dict]]:
    """``document`` as BER's SS 12000 API serves it: resource → id → object."""
    from betyg_harness.mock_ber import create_app

    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "SCENARIO": document})
    client, auth = app.test_client(), {"Authorization": f"Bearer {app.config['BER_API_TOKEN']}"}
    try:
        return {
            name: {item["id"]: item for item in client.get(f"/ss12000/v2.1/{name}", headers=auth).get_json()["data"]}
            for name in jobs.RESOURCES
        }
    finally:
        app.extensions["mock_kit"].db.dispose()


@pytest.fixture
def copy_db():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    data = served_by_ber(load("default"))
    fetched = jobs.Fetched()
    for name in jobs.RESOURCES:
        setattr(fetched, name, list(data[name].values()))
    with engine.begin() as conn:
        store.refresh_derived(conn, jobs.apply(conn, fetched))
    return engine, data


def group_row(engine, key):
    with engine.connect() as conn:
        return conn.execute(select(groups).where(groups.c.id == stable_id("group", key))).one()


def test_admission_is_judged_at_course_end(copy_db):
    engine, _ = copy_db
    with engine.connect() as conn:
        flags = dict(
            conn.execute(
                select(memberships.c.person_id, memberships.c.admitted).where(
                    memberships.c.group_id == stable_id("group", "svesve01-ht26-a")
                )
            ).all()
        )
    assert flags[stable_id("person", "s05")] is False  # Avbrott 2026-10-05, before 2026-12-17
    assert flags[stable_id("person", "s01")] is True
    assert stable_id("person", "s06") not in flags  # Ej antagen: no membership at all
    assert group_row(engine, "svesve01-ht26-a").admitted_count == 4


def test_graders_and_search_text_are_derived(copy_db):
    engine, _ = copy_db
    eng = group_row(engine, "engeng05-ht26-sen")
    assert eng.grader_count == 2 and eng.grader_names == "Anna Lindqvist, Karin Östberg"
    assert "engelska 5" in eng.search_text and "östberg" in eng.search_text
    assert group_row(engine, "hishis01a1-ht26-utan").grader_count == 0


def test_a_changed_activity_replaces_the_teachers(copy_db):
    engine, data = copy_db
    activity = dict(data["activities"][stable_id("activity", "svesve01-ht26-a")])
    activity["teachers"] = [{"duty": {"id": stable_id("duty", "omar.haddad")}, "grader": True}]
    fetched = jobs.Fetched()
    fetched.activities = [activity]
    with engine.begin() as conn:
        affected = jobs.apply(conn, fetched)
        store.refresh_derived(conn, affected)
    assert affected == {stable_id("group", "svesve01-ht26-a")}
    assert group_row(engine, "svesve01-ht26-a").grader_names == "Omar Haddad"


def test_other_group_types_are_ignored(copy_db):
    engine, _ = copy_db
    fetched = jobs.Fetched()
    fetched.groups = [
        {
            "id": "11111111-1111-1111-1111-111111111111",
            "displayName": "Klass 3B",
            "groupType": "Klass",
            "startDate": "2026-08-17",
            "endDate": "2027-06-10",
            "organisation": {"id": "x"},
        }
    ]
    with engine.begin() as conn:
        jobs.apply(conn, fetched)
        assert conn.execute(select(groups.c.id).where(groups.c.name == "Klass 3B")).first() is None

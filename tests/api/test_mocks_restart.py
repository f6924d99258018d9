"""A mock restarted on the same database loses nothing: records, the scenario to reset to, the clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_engine, insert, select, text

from betyg_harness.mock_ber import create_app as create_ber
from betyg_harness.mock_ber import store
from betyg_harness.mock_ber.models import Person, TeachingGroup
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_kit.errors import DataFormatError
from betyg_harness.scenario import stable_id
from betyg_harness.mock_pingpong import create_app as create_pingpong
from betyg_harness.mock_pingpong.models import confirmed_summaries, grades

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


# -- a database kept from an earlier release ---------------------------------------------------------
SAVED = datetime(2026, 7, 1, 10, 0, tzinfo=STOCKHOLM)  # summer: 08:00 UTC
LOCKED = datetime(2026, 12, 18, 9, 30, tzinfo=STOCKHOLM)  # winter: 08:30 UTC


def _pingpong_on(database: str):
    return create_pingpong({"DATABASE": database, "SCHEDULER": False, "SYNC_ON_LOAD": False})


def _grade_times(app) -> tuple[datetime, datetime | None, datetime]:
    with app.app_context(), app.extensions["mock_kit"].db.engine.connect() as conn:
        grade = conn.execute(select(grades.c.saved_at, grades.c.locked_at)).one()
        summary = conn.execute(select(confirmed_summaries.c.saved_at)).scalar_one()
    return grade.saved_at, grade.locked_at, summary


def _pingpong_with_a_locked_grade(database: str):
    app = _pingpong_on(database)
    with app.app_context(), app.extensions["mock_kit"].db.engine.begin() as conn:
        row = {"group_id": "g", "course_code": "MATMAT01a", "value": "C", "deciders": [], "saved_by": "t"}
        conn.execute(
            insert(grades), [{**row, "person_id": "p", "saved_at": SAVED, "locked": True, "locked_at": LOCKED}]
        )
        conn.execute(
            insert(confirmed_summaries),
            [{"token": "x", "group_id": "g", "saved_by": "t", "saved_at": SAVED, "locked": 1}],
        )
    return app


def test_pingpong_upgrades_a_database_whose_times_an_earlier_release_wrote_as_stockholm_time(tmp_path):
    database = str(tmp_path / "pingpong.sqlite3")
    first = _pingpong_with_a_locked_grade(database)
    assert _grade_times(first) == (SAVED, LOCKED, SAVED)
    # What data format 1 left: naive Stockholm wall times and no stamp.
    engine = first.extensions["mock_kit"].db.engine
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE grades SET saved_at = '2026-07-01 10:00:00.000000', locked_at = '2026-12-18 09:30:00.000000'")
        )
        conn.execute(text("UPDATE confirmed_summaries SET saved_at = '2026-07-01 10:00:00.000000'"))
        conn.execute(text("DELETE FROM mock_state WHERE key = 'data_format'"))
    engine.dispose()

    second = _pingpong_on(database)
    assert _grade_times(second) == (SAVED, LOCKED, SAVED)
    second.extensions["mock_kit"].db.dispose()
    third = _pingpong_on(database)  # stamped: a second start converts nothing again
    assert _grade_times(third) == (SAVED, LOCKED, SAVED)


def test_a_mock_refuses_a_database_from_a_later_release_and_leaves_it_as_it_was(tmp_path):
    database = str(tmp_path / "pingpong.sqlite3")
    first = _pingpong_with_a_locked_grade(database)
    first.extensions["mock_kit"].db.set_state("data_format", 99)
    first.extensions["mock_kit"].db.dispose()
    before = _raw(database)
    with pytest.raises(DataFormatError, match="senare version av betyg-harness"):
        _pingpong_on(database)
    assert _raw(database) == before


def _raw(database: str) -> list:
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        rows = [*conn.execute(text("SELECT * FROM grades")), *conn.execute(text("SELECT * FROM mock_state"))]
    engine.dispose()
    return rows


def test_the_refusal_names_the_database_without_its_password():
    from types import SimpleNamespace

    from sqlalchemy.engine import make_url

    from betyg_harness.mock_kit.app import _bring_data_format

    kept = SimpleNamespace(
        get_state=lambda key, default=None: 99 if key == "data_format" else None,
        engine=SimpleNamespace(url=make_url("postgresql://mock:hemligt@db.example/pingpong")),
    )
    with pytest.raises(DataFormatError) as refused:
        _bring_data_format(kept, 2, None)  # type: ignore[arg-type]
    assert "db.example/pingpong" in str(refused.value) and "hemligt" not in str(refused.value)

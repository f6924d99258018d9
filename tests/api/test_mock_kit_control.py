"""The control API under /_mock, on a minimal mock built with mock_kit (the same code both mocks use)."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from betyg_harness import fixtures
from betyg_harness.mock_kit import init_mock
from betyg_harness.mock_kit.app import now
from betyg_harness.scenario import ScenarioError
from tests.support.clock import START_MINUTE


class Base(DeclarativeBase):
    metadata = MetaData()


class Student(Base):
    __tablename__ = "student"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)


def load(kit, document):
    if any(s["givenName"] == "Fel" for s in document["students"]):  # a check only the mock itself makes
        raise ScenarioError("Eleven Fel kan inte läsas in.", field="students")
    with kit.db.session() as session:
        session.add_all(Student(key=s["key"], name=s["givenName"]) for s in document["students"])
        session.commit()


def make_app(database=None, **config):
    app = Flask("tiny")
    app.config.update(DATABASE=database, SCHEDULER=False, **config)
    init_mock(app, name="tiny", metadata=Base.metadata, load_scenario=load)

    @app.get("/students")
    def students():
        with app.extensions["mock_kit"].db.session() as session:
            return {"students": session.scalars(select(Student.key)).all(), "now": now().isoformat()}

    return app


@pytest.fixture
def client(tmp_path):
    return make_app(str(tmp_path / "tiny.sqlite3")).test_client()


def default_doc():
    return json.loads(fixtures.scenario_path("default").read_text(encoding="utf-8"))


def test_health(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["scenario"] == "default"


def test_clock_starts_at_the_scenario_start(client):
    body = client.get("/_mock/clock").get_json()
    assert body["now"].startswith(START_MINUTE)


def test_set_freeze_and_advance_the_clock(client):
    assert client.post("/_mock/clock", json={"now": "2027-01-05T09:30:00+01:00", "freeze": True}).status_code == 200
    assert client.get("/_mock/clock").get_json() == {"now": "2027-01-05T09:30:00+01:00", "frozen": True}
    body = client.post("/_mock/clock/advance", json={"hours": 1, "minutes": 15}).get_json()
    assert body["now"] == "2027-01-05T10:45:00+01:00"
    assert client.get("/students").get_json()["now"] == "2027-01-05T10:45:00+01:00"
    client.post("/_mock/clock", json={"freeze": False})
    assert client.get("/_mock/clock").get_json()["frozen"] is False


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/_mock/clock", {"now": "igår"}, "now"),
        ("/_mock/clock", {"freeze": "ja"}, "freeze"),
        ("/_mock/clock", {}, "now"),
        ("/_mock/clock/advance", {"minutes": "femton"}, "minutes"),
        ("/_mock/clock/advance", {"days": -1}, "days"),
        ("/_mock/clock/advance", {}, "minutes"),
        ("/_mock/clock/advance", {"days": 401}, "days"),
        ("/_mock/clock/advance", {"days": 1e300}, "days"),
        ("/_mock/clock/advance", {"seconds": 1e12}, "seconds"),
        ("/_mock/faults", {"path": "/x", "status": 99}, "status"),
        ("/_mock/faults", {"status": 500}, "path"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(client, path, body, field):
    response = client.post(path, json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert error["field"] == field and error["message"]


def test_a_year_of_mock_time_passes_in_one_call(client):
    body = client.post("/_mock/clock/advance", json={"days": 365}).get_json()
    assert body["now"].startswith("2027-12-18T08:00")
    assert len(body["jobs_run"]) < 20


def test_non_json_body_is_400_and_another_content_type_415(client):
    response = client.post("/_mock/clock/advance", data="minutes=5", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["field"] == "body"
    response = client.post("/_mock/clock/advance", data="minutes=5", content_type="text/plain")
    assert response.status_code == 415 and "JSON" in response.get_json()["message"]


def test_reset_restores_the_scenario_start(client):
    client.post("/_mock/clock/advance", json={"days": 3})
    client.get("/students")
    body = client.post("/_mock/reset", json={}).get_json()
    assert body["now"].startswith(START_MINUTE)
    assert client.get("/_mock/journal").get_json()["entries"] == []


def test_load_a_scenario_document(client):
    doc = default_doc()
    doc["name"] = "annat"
    doc["students"] = doc["students"][:2]
    for group in doc["groups"]:
        group["enrolments"] = [e for e in group["enrolments"] if e["student"] in ("s01", "s02")]
    doc["clock"] = {"start": "2027-06-01T10:00:00+02:00"}
    response = client.post("/_mock/scenario", json=doc)
    assert response.status_code == 200, response.get_json()
    assert client.get("/students").get_json()["students"] == ["s01", "s02"]
    assert client.get("/_mock/clock").get_json()["now"].startswith("2027-06-01T10:00")
    # reset goes back to this scenario, not the first one
    client.post("/_mock/reset", json={})
    assert client.get("/students").get_json()["students"] == ["s01", "s02"]


def test_load_a_named_scenario(client):
    assert client.post("/_mock/scenario", json={"name": "default"}).status_code == 200
    response = client.post("/_mock/scenario", json={"name": "finns-inte"})
    assert response.status_code == 400 and response.get_json()["field"] == "name"
    assert "Scenariot finns inte" in response.get_json()["message"]


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../scenarios/default",
        "../../pyproject",
        "default.json",
        "./default",
        "C:\\x.json",
        "",
        7,
        None,
        ["default"],
    ],
)
def test_a_scenario_name_never_reaches_outside_the_scenario_folder(client, tmp_path, name):
    """Only bare names of fixtures/scenarios load by name; a path, even to a valid scenario file, is
    refused (a document is posted whole instead) and the loaded scenario stays."""
    before = client.get("/_mock/state").get_json()["scenario"]
    response = client.post("/_mock/scenario", json={"name": name})
    assert response.status_code == 400
    assert response.get_json()["field"] == "name"
    assert client.get("/_mock/state").get_json()["scenario"] == before


def test_a_valid_scenario_file_elsewhere_is_not_loaded_by_its_path(client, tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    doc = default_doc()
    doc["name"] = "elsewhere"
    elsewhere.write_text(json.dumps(doc), encoding="utf-8")
    response = client.post("/_mock/scenario", json={"name": str(elsewhere)})
    assert response.status_code == 400
    assert client.get("/_mock/state").get_json()["scenario"] != "elsewhere"


def test_an_invalid_scenario_is_refused_and_nothing_changes(client):
    doc = default_doc()
    doc["students"][0]["civicNo"] = "12345"
    response = client.post("/_mock/scenario", json=doc)
    assert response.status_code == 400
    assert "students/0/civicNo" in response.get_json()["field"]
    broken = default_doc()
    broken["groups"][0]["course"] = "XXXYYY01"
    assert client.post("/_mock/scenario", json=broken).status_code == 400
    assert len(client.get("/students").get_json()["students"]) == 12


def test_a_scenario_the_mock_refuses_after_emptying_its_tables_loses_nothing(client):
    doc = default_doc()
    doc["students"][0]["givenName"] = "Fel"
    response = client.post("/_mock/scenario", json=doc)
    assert response.status_code == 400 and response.get_json()["field"] == "students"
    assert len(client.get("/students").get_json()["students"]) == 12
    assert client.post("/_mock/reset", json={}).status_code == 200  # the previous scenario is still the one to reset to
    assert len(client.get("/students").get_json()["students"]) == 12


def test_journal_records_requests_newest_last_and_filters(client):
    client.get("/students")
    client.post("/students")
    client.get("/students?x=1")
    entries = client.get("/_mock/journal?method=GET&path=/students").get_json()["entries"]
    assert [e["query"] for e in entries] == ["", "x=1"]
    assert all(e["method"] == "GET" and e["status"] == 200 for e in entries)
    assert client.get("/_mock/journal?method=POST").get_json()["entries"][0]["status"] == 405
    assert client.delete("/_mock/journal", json={}).status_code == 200
    assert client.get("/_mock/journal").get_json()["entries"] == []


def test_faults_for_the_next_n_requests(client):
    created = client.post("/_mock/faults", json={"path": "/students", "status": 503, "times": 1})
    assert created.status_code == 201
    assert client.get("/_mock/faults").get_json()["faults"][0]["status"] == 503
    assert client.get("/students").status_code == 503
    assert client.get("/students").status_code == 200
    client.post("/_mock/faults", json={"path": "/students", "status": 500})
    assert client.delete("/_mock/faults", json={}).status_code == 200
    assert client.get("/students").status_code == 200


def test_control_api_can_require_a_token(tmp_path):
    client = make_app(str(tmp_path / "t.sqlite3"), CONTROL_TOKEN="hemligt").test_client()
    assert client.get("/_mock/clock").status_code == 401
    assert client.get("/_mock/clock", headers={"Authorization": "Bearer hemligt"}).status_code == 200


def test_control_api_can_be_switched_off(tmp_path):
    client = make_app(str(tmp_path / "t.sqlite3"), CONTROL_API=False).test_client()
    assert client.get("/_mock/clock").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_a_restart_on_the_same_database_keeps_records_and_mock_time(tmp_path):
    database = str(tmp_path / "keep.sqlite3")
    first = make_app(database).test_client()
    first.post("/_mock/clock", json={"now": "2027-02-01T12:00:00+01:00", "freeze": True})
    doc = default_doc()
    doc["students"] = doc["students"][:1]
    for group in doc["groups"]:
        group["enrolments"] = [e for e in group["enrolments"] if e["student"] == "s01"]
    doc["clock"] = {"start": "2027-02-01T12:00:00+01:00", "frozen": True}
    first.post("/_mock/scenario", json=doc)
    second = make_app(database, SCENARIO="default").test_client()
    assert second.get("/students").get_json() == {"students": ["s01"], "now": "2027-02-01T12:00:00+01:00"}

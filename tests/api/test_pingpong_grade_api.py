"""GET /api/skolplattform/betyg: XSD-valid answers, intervals, complete lists, drafts excluded, 400/401."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from betyg_harness.contracts import betyg_records, check_betyg_contract, validate_betyg_xml
from betyg_harness.mock_kit.clock import STOCKHOLM
from tests.api.pingpong_support import API_AUTH, gid, pid

URL = "/api/skolplattform/betyg"


def at(app, iso: str) -> None:
    app.extensions["mock_kit"].clock.set(datetime.fromisoformat(iso).astimezone(STOCKHOLM))


def fetch(client, start="2026-12-18T00:00", end="2026-12-19T00:00", **extra):
    params = {"from": start, "tom": end, **extra}
    response = client.get(URL, query_string=params, headers=API_AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    validate_betyg_xml(response.data)
    return response


def records(response):
    return betyg_records(response.data)


def test_empty_answer_is_valid_and_echoes_the_interval(fresh):
    response = fetch(fresh.test_client())
    assert response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    assert root.get("from") == "2026-12-18T00:00:00" and root.get("tom") == "2026-12-19T00:00:00"
    assert records(response) == []


def test_locked_grades_are_published_per_contract(admin):
    at(admin.app, "2026-12-18T10:15:00+01:00")
    admin.save_by_key("svesve01-ht26-a", {"s01": "A", "s02": "-"}, locks=["s01", "s02"], teachers=["anna.lindqvist"])
    response = fetch(admin.client)
    check_betyg_contract(response.data)
    got = {r["elev"]: r for r in records(response)}
    assert set(got) == {f"{{{pid('s01')}}}", f"{{{pid('s02')}}}"}
    first = got[f"{{{pid('s01')}}}"]
    assert first["value"] == "A" and first["datum"] == "2026-12-18" and first["kurskod"] == "SVESVE01"
    assert first["betygsgrupp"] == f"{{{gid('svesve01-ht26-a')}}}"
    assert first["beslutsfattare"] == [f"{{{pid('anna.lindqvist')}}}"] and first["roll"] == "LÄRARE"
    assert first["skolform"] == "VUX" and first["prövning"] is False and first["omdöme"] is False
    assert got[f"{{{pid('s02')}}}"]["value"] == "-"


def test_drafts_are_never_published(admin):
    admin.save_by_key("grnmat2-ht26-a", {"s07": "G", "s08": "IG"}, locks=["s07"], teachers=["omar.haddad"])
    elevs = {r["elev"] for r in records(fetch(admin.client))}
    assert elevs == {f"{{{pid('s07')}}}"}


def test_interval_is_from_inclusive_tom_exclusive(admin):
    at(admin.app, "2026-12-18T10:15:00+01:00")
    admin.save_by_key("svesve01-ht26-a", {"s01": "A"}, locks=["s01"], teachers=["anna.lindqvist"])
    assert len(records(fetch(admin.client, "2026-12-18T10:15", "2026-12-18T10:16"))) == 1
    assert records(fetch(admin.client, "2026-12-18T10:00", "2026-12-18T10:15")) == []
    assert records(fetch(admin.client, "2026-12-18T10:16", "2026-12-18T11:00")) == []


def test_each_listed_student_comes_with_the_complete_list(admin):
    # Łukasz Nowak (s02) is in SVESVE01 and ENGENG05: grade both, at different times.
    at(admin.app, "2026-12-18T09:00:00+01:00")
    admin.save_by_key("engeng05-ht26-sen", {"s02": "B"}, locks=["s02"], teachers=["karin.ostberg"])
    at(admin.app, "2026-12-18T14:00:00+01:00")
    admin.save_by_key("svesve01-ht26-a", {"s02": "C"}, locks=["s02"], teachers=["anna.lindqvist"])
    later = records(fetch(admin.client, "2026-12-18T13:00", "2026-12-18T15:00"))
    assert sorted((r["kurskod"], r["value"]) for r in later) == [("ENGENG05", "B"), ("SVESVE01", "C")]
    assert {r["elev"] for r in later} == {f"{{{pid('s02')}}}"}


def test_school_type_filter(admin):
    admin.save_by_key("svesve01-ht26-a", {"s01": "A"}, locks=["s01"], teachers=["anna.lindqvist"])
    assert len(records(fetch(admin.client, schoolType="VUX"))) == 1
    assert records(fetch(admin.client, schoolType="GY")) == []


def test_missing_token_is_401(app):
    response = app.test_client().get(URL, query_string={"from": "2026-12-18T00:00", "tom": "2026-12-19T00:00"})
    assert response.status_code == 401
    assert etree.fromstring(response.data).findtext("message").startswith("Åtkomst kräver")
    wrong = app.test_client().get(
        URL,
        query_string={"from": "2026-12-18T00:00", "tom": "2026-12-19T00:00"},
        headers={"Authorization": "Bearer fel"},
    )
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    "params, field",
    [
        ({"tom": "2026-12-19T00:00"}, "from"),
        ({"from": "2026-12-18T00:00"}, "tom"),
        ({"from": "2026-12-18", "tom": "2026-12-19T00:00"}, "from"),
        ({"from": "2026-12-18T00:00", "tom": "2026-13-19T00:00"}, "tom"),
        ({"from": "2026-12-18T00:00:00", "tom": "2026-12-19T00:00"}, "from"),
        ({"from": "2026-12-19T00:00", "tom": "2026-12-18T00:00"}, "tom"),
        ({"from": "2026-12-18T00:00", "tom": "2026-12-19T00:00", "schoolType": "VUXX"}, "schoolType"),
    ],
)
def test_malformed_parameters_are_400_with_an_xml_error(app, params, field):
    response = app.test_client().get(URL, query_string=params, headers=API_AUTH)
    assert response.status_code == 400
    assert response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    assert root.tag == "error" and field in root.findtext("message")


def test_a_save_in_flight_is_seen_by_the_window_its_time_falls_in(admin, monkeypatch):
    """The race that would lose a grade for good: a save has read its time (inside BER's window)
    but not committed when BER asks for that window; BER's next window starts where this one
    ended. Ping Pong makes the answer wait for the save, so the grade is in it."""
    import threading
    from betyg_harness.mock_pingpong import store

    at(admin.app, "2026-12-18T09:14:00+01:00")
    first = admin.post_grading(
        "svesve01-ht26-a",
        admin.grading_form("svesve01-ht26-a", {"s01": "B"}, locks=["s01"], teachers=["anna.lindqvist"]),
    )
    assert first.status_code == 200
    stored, release = threading.Event(), threading.Event()
    real_store = store.save_grades

    def slow_store(*args, **kwargs):
        real_store(*args, **kwargs)  # the time is read and the rows written, not yet committed
        stored.set()
        release.wait(timeout=30)

    monkeypatch.setattr(store, "save_grades", slow_store)
    saver = threading.Thread(target=admin.second_save, args=("svesve01-ht26-a",))
    saver.start()
    assert stored.wait(timeout=30)
    answer: dict = {}
    reader = threading.Thread(
        target=lambda: answer.setdefault(
            "records", records(fetch(admin.app.test_client(), "2026-12-18T09:00", "2026-12-18T09:15"))
        )
    )
    reader.start()
    reader.join(timeout=0.5)
    assert reader.is_alive(), "the grade API answered while a save was half-done"
    release.set()
    saver.join(timeout=30)
    reader.join(timeout=30)
    assert [(r["value"], r["elev"].lower()) for r in answer["records"]] == [("B", "{" + pid("s01") + "}")]

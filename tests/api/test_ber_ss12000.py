"""BER's SS 12000 v2.1 API: every route, paging, filters, auth, errors, and every answer checked
against the official YAML (betyg_harness.contracts)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from betyg_harness.contracts import validate_ss12000_response
from betyg_harness.mock_ber import create_app
from betyg_harness.scenario import stable_id
from tests.support.clock import START

API = "/ss12000/v2.1"
AUTH = {"Authorization": "Bearer ber-dev-token"}
RESOURCES = ["organisations", "persons", "duties", "groups", "activities", "syllabuses", "grades"]
UNKNOWN = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def client():
    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": "http://127.0.0.1:9"})
    return app.test_client()


def get(client, path, **kwargs):
    response = client.get(API + path, headers=AUTH, **kwargs)
    validate_ss12000_response(API + path, response.status_code, response.get_json())
    return response


def walk(client, resource, limit, extra=""):
    ids, token, pages = [], None, 0
    while True:
        query = f"?limit={limit}{extra}" + (f"&pageToken={token}" if token else "")
        body = get(client, f"/{resource}{query}").get_json()
        ids += [item["id"] for item in body["data"]]
        pages += 1
        token = body["pageToken"]
        if not token:
            return ids, pages


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r != "grades"])
def test_list_and_each_item_validate_against_the_official_yaml(client, resource):
    body = get(client, f"/{resource}").get_json()
    assert body["data"], f"{resource} is empty in the default scenario"
    assert body["pageToken"] is None
    for item in body["data"]:
        one = get(client, f"/{resource}/{item['id']}")
        assert one.status_code == 200
        assert one.get_json() == item


@pytest.mark.parametrize("resource", RESOURCES)
def test_paging_with_limit_visits_every_record_once(client, resource):
    everything = [item["id"] for item in get(client, f"/{resource}").get_json()["data"]]
    ids, pages = walk(client, resource, 2)
    assert ids == everything and len(set(ids)) == len(ids)
    assert pages == max(1, -(-len(everything) // 2))  # no empty last page


@pytest.mark.parametrize("resource", RESOURCES)
def test_without_a_valid_token_the_answer_is_401_error(client, resource):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "ber-dev-token"}):
        response = client.get(f"{API}/{resource}", headers=headers)
        assert response.status_code == 401
        validate_ss12000_response(f"{API}/{resource}", 401, response.get_json())
        assert response.get_json()["code"] == "unauthorized"


@pytest.mark.parametrize("resource", RESOURCES)
def test_unknown_id_is_404_and_bad_id_is_400(client, resource):
    response = get(client, f"/{resource}/{UNKNOWN}")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert get(client, f"/{resource}/not-a-uuid").status_code == 400


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(
    "query",
    [
        "meta.modified.after=igår",
        "meta.modified.before=2026-13-45T00:00",
        "meta.created.after=x",
        "limit=0",
        "limit=abc",
        "pageToken=%%%",
    ],
)
def test_malformed_filters_are_400(client, resource, query):
    response = get(client, f"/{resource}?{query}")
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_page_token_cannot_be_combined_with_other_filters(client):
    token = get(client, "/persons?limit=2").get_json()["pageToken"]
    assert get(client, f"/persons?limit=2&pageToken={token}").status_code == 200
    assert get(client, f"/persons?limit=2&pageToken={token}&civicNo=199006022397").status_code == 400


def test_unknown_path_under_the_api_is_an_error_object(client):
    response = get(client, "/nothing-here")
    assert response.status_code == 404
    assert set(response.get_json()) == {"code", "message"}


def test_modified_filters_are_exclusive_after_and_inclusive_before(client):
    start = START
    assert len(get(client, "/groups?meta.modified.before=" + quote(start)).get_json()["data"]) == 5
    assert get(client, "/groups?meta.modified.after=" + quote(start)).get_json()["data"] == []
    earlier = "2026-12-18T07:59:59+01:00"
    assert len(get(client, "/groups?meta.modified.after=" + quote(earlier)).get_json()["data"]) == 5
    # An unencoded "+" arrives as a space; the filter still works.
    assert get(client, f"/groups?meta.modified.after={start}").get_json()["data"] == []


def test_group_shape_memberships_and_statuses(client):
    group = get(client, f"/groups/{stable_id('group', 'svesve01-ht26-a')}").get_json()
    assert group["groupType"] == "Undervisning"
    assert group["organisation"]["id"] == stable_id("organisation", "vux-kista")
    assert (group["startDate"], group["endDate"]) == ("2026-08-17", "2026-12-17")
    members = {m["person"]["id"]: m for m in group["groupMemberships"]}
    for key in ("s01", "s02", "s03", "s04"):
        assert "endDate" not in members[stable_id("person", key)]
    assert members[stable_id("person", "s05")]["endDate"] == "2026-10-05"  # Avbrott keeps its membership
    assert stable_id("person", "s06") not in members  # Ej antagen: none
    other = get(client, f"/groups/{stable_id('group', 'grnmat2-ht26-a')}").get_json()
    ended = [m for m in other["groupMemberships"] if m["person"]["id"] == stable_id("person", "s10")]
    assert ended[0]["endDate"] == "2026-11-02"  # Avslutad


def test_person_civic_no_and_expand_duties(client):
    person = get(client, f"/persons/{stable_id('person', 'anna.lindqvist')}?expand=duties").get_json()
    assert person["civicNo"]["value"] == "197912309296"
    assert [d["dutyRole"] for d in person["_embedded"]["duties"]] == ["Lärare"]
    found = get(client, "/persons?civicNo=199006022397").get_json()["data"]
    assert [p["id"] for p in found] == [stable_id("person", "s01")]
    assert get(client, "/persons?expand=nonsense").status_code == 400


def test_activity_teachers_graders_and_expand(client):
    act = get(
        client, f"/activities/{stable_id('activity', 'engeng05-ht26-sen')}?expand=groups&expand=teachers,syllabus"
    ).get_json()
    assert act["groups"] == [{"id": stable_id("group", "engeng05-ht26-sen")}]
    assert act["syllabus"]["id"] == stable_id("syllabus", "ENGENG05")
    graders = {t["duty"]["id"] for t in act["teachers"] if t["grader"]}
    assert graders == {stable_id("duty", "karin.ostberg"), stable_id("duty", "anna.lindqvist")}
    assert act["_embedded"]["groups"][0]["id"] == stable_id("group", "engeng05-ht26-sen")
    assert act["_embedded"]["syllabus"]["courseCode"] == "ENGENG05"
    assert len(act["_embedded"]["teachers"]) == 2
    no_grader = get(client, f"/activities/{stable_id('activity', 'hishis01a1-ht26-utan')}").get_json()
    assert [t["grader"] for t in no_grader["teachers"]] == [False]
    assert get(client, "/activities?expand=members").status_code == 400


def test_activity_teacher_and_group_filters(client):
    by_teacher = get(client, f"/activities?teacher={stable_id('duty', 'omar.haddad')}").get_json()["data"]
    assert {a["displayName"] for a in by_teacher} == {"GRNMAT2 HT26 Kista A", "MATMAT01a VT27 Kista A"}
    by_group = get(client, f"/activities?group={stable_id('group', 'svesve01-ht26-a')}").get_json()["data"]
    assert [a["id"] for a in by_group] == [stable_id("activity", "svesve01-ht26-a")]
    assert get(client, "/activities?teacher=anna").status_code == 400


def test_syllabus_school_type_follows_the_course_level(client):
    gy = get(client, f"/syllabuses/{stable_id('syllabus', 'SVESVE01')}").get_json()
    gr = get(client, f"/syllabuses/{stable_id('syllabus', 'GRNMAT2')}").get_json()
    assert (gy["schoolType"], gy["subjectName"], gy["points"]) == ("VUXGY", "Svenska", 100)
    assert (gr["schoolType"], gr["official"]) == ("VUXGR", True)


def test_organisations_huvudman_and_school_unit(client):
    orgs = {o["organisationType"]: o for o in get(client, "/organisations").get_json()["data"]}
    assert orgs["Huvudman"]["displayName"] == "Stockholms stad"
    assert orgs["Skolenhet"]["schoolUnitCode"] == "41236987"
    assert orgs["Skolenhet"]["parentOrganisation"]["id"] == orgs["Huvudman"]["id"]
    named = get(client, "/organisations?expandReferenceNames=true&type=Skolenhet").get_json()["data"]
    assert named[0]["parentOrganisation"]["displayName"] == "Stockholms stad"


def test_duties_filter_by_role(client):
    rektor = get(client, "/duties?dutyRole=Rektor&expand=person").get_json()["data"]
    assert [d["_embedded"]["person"]["familyName"] for d in rektor] == ["Ek"]
    assert get(client, "/duties?dutyRole=Trollkarl").status_code == 400


def test_injected_fault_answers_as_an_error_object(client):
    client.post("/_mock/faults", json={"path": f"{API}/groups", "status": 503, "times": 1})
    response = get(client, "/groups")
    assert response.status_code == 503

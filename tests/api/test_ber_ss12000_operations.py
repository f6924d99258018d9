"""Every operation of the official SS 12000 v2.1 file for the resources BER publishes: which BER
offers, what the rest answer, lookups, sortkey, filters, expand, deletedEntities, subscriptions and
webhook deliveries (retried on the mock clock, in the journal). Answers are checked against the file."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from betyg_harness.contracts import ss12000_schema_for, ss12000_spec, validate_ss12000, validate_ss12000_response
from betyg_harness.mock_ber import create_app, store
from betyg_harness.mock_ber.models import Enrolment, Person, TeachingGroup
from betyg_harness.mock_ber.ss12000 import RESOURCES, offered_operations, spec_operations
from betyg_harness.scenario import stable_id
from tests.api.live_pair import rich

API = "/ss12000/v2.1"
AUTH = {"Authorization": "Bearer ber-dev-token"}
COVERED = (
    "organisations",
    "persons",
    "duties",
    "groups",
    "activities",
    "syllabuses",
    "grades",
    "studyplans",
    "schoolUnitOfferings",
    "programmes",
    "deletedEntities",
    "subscriptions",
)


def covered(template: str) -> bool:
    return template.strip("/").split("/")[0] in COVERED


@pytest.fixture(scope="module")
def app():
    application = create_app(
        {"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": "http://127.0.0.1:9", "SCENARIO": rich()}
    )
    yield application
    application.extensions["mock_kit"].db.dispose()


@pytest.fixture
def client(app):
    app.extensions["mock_kit"].reset()
    return app.test_client()


def get(client, path):
    response = client.get(API + path, headers=AUTH)
    validate_ss12000_response(API + path, response.status_code, response.get_json())
    return response


def ids_of(client, path) -> list[str]:
    return [item["id"] for item in get(client, path).get_json()["data"]]


def spec_pairs():
    return sorted((t, m) for t, methods in spec_operations().items() for m in methods)


# -- which operations --------------------------------------------------------------------------------
def test_ber_offers_every_operation_of_the_file_for_its_resources(app):
    with app.app_context():
        offered = offered_operations()
    in_file = {(t, m) for t, m in spec_pairs() if covered(t)}
    served = {(t, m) for t, methods in offered.items() for m in methods}
    assert in_file <= served, f"not offered: {sorted(in_file - served)}"
    assert served - in_file == set(), "BER serves nothing the file does not have"
    assert len(in_file) == 35 and len(spec_pairs()) == 69


@pytest.mark.parametrize("template, method", [p for p in spec_pairs() if not covered(p[0])])
def test_an_operation_ber_does_not_offer_answers_an_error_object(client, template, method):
    path = API + template.replace("{id}", "11111111-2222-3333-4444-555555555555")
    response = client.open(path, method=method, headers=AUTH, json={} if method in ("POST", "PATCH") else None)
    assert response.status_code == 404 and response.is_json
    validate_ss12000(response.get_json(), "Error")
    assert response.get_json()["code"] == "not_offered"


def test_a_method_the_path_lacks_is_405_with_allow(client):
    response = client.put(f"{API}/groups", headers=AUTH)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    validate_ss12000(response.get_json(), "Error")
    assert client.delete(f"{API}/placements", headers=AUTH).headers["Allow"] == "GET"


# -- lookups ------------------------------------------------------------------------------------------
def lookup(client, resource, body, query=""):
    response = client.post(f"{API}/{resource}/lookup{query}", headers=AUTH, json=body)
    schema = ss12000_spec()["paths"][f"/{resource}/lookup"]["post"]["responses"]
    name = (
        schema[str(response.status_code)]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        if str(response.status_code) in schema
        else "Error"
    )
    validate_ss12000(response.get_json(), name)
    return response


def test_persons_lookup_by_ids_and_civic_numbers(client):
    s01, s02 = stable_id("person", "s01"), stable_id("person", "s02")
    found = lookup(
        client,
        "persons",
        {"ids": [s01], "civicNos": ["19910717-2380", "000000000000"]},
        "?expand=duties&expandReferenceNames=true",
    ).get_json()
    assert sorted(p["id"] for p in found) == sorted([s01, s02])
    assert all(p["_embedded"]["duties"] == [] for p in found)
    assert lookup(client, "persons", {}).get_json() == []


@pytest.mark.parametrize(
    "resource",
    ["duties", "groups", "syllabuses", "grades", "schoolUnitOfferings", "programmes", "organisations", "activities"],
)
def test_lookup_by_ids_returns_those_records(client, resource):
    every = ids_of(client, f"/{resource}")
    assert len(every) >= 1
    wanted = every[:2] + ["11111111-2222-3333-4444-555555555555"]
    found = [item["id"] for item in lookup(client, resource, {"ids": wanted}).get_json()]
    assert sorted(found) == sorted(every[:2])


def test_activities_lookup_by_teachers_and_members(client):
    anna = stable_id("duty", "anna.lindqvist")
    by_teacher = {a["displayName"] for a in lookup(client, "activities", {"teachers": [anna]}).get_json()}
    assert by_teacher == {"SVESVE01 HT26 Kista A", "ENGENG05 HT26 Kista B"}
    by_member = {
        a["displayName"]
        for a in lookup(client, "activities", {"members": [stable_id("person", "s12")]}, "?expand=syllabus").get_json()
    }
    assert by_member == {"ENGENG05 HT26 Kista B", "MATMAT01a VT27 Kista A"}


def test_organisations_lookup_by_school_unit_code(client):
    [unit] = lookup(client, "organisations", {"schoolUnitCodes": ["41236987"]}).get_json()
    assert unit["displayName"] == "Vuxenutbildningscentrum Kista"


@pytest.mark.parametrize("body", [[], {"ids": "x"}, {"ids": ["not-a-uuid"]}, {"civicNos": [1]}])
def test_a_bad_lookup_body_is_400(client, body):
    response = lookup(client, "persons", body)
    assert response.status_code == 400


def test_a_lookup_too_large_for_one_answer_is_503():
    application = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "SS12000_MAX_PAGE_SIZE": 3})
    every = [stable_id("person", f"s{n:02d}") for n in range(1, 13)]
    response = lookup(application.test_client(), "persons", {"ids": every})
    assert response.status_code == 503 and response.get_json()["code"] == "response_too_large"


# -- sortkey ------------------------------------------------------------------------------------------
SORT_CASES = [(name, key) for name, resource in RESOURCES.items() for key in resource.sorts]


@pytest.mark.parametrize("resource, sortkey", SORT_CASES)
def test_every_sortkey_pages_in_one_order(client, resource, sortkey):
    everything = ids_of(client, f"/{resource}?sortkey={sortkey}")
    paged, token = [], None
    while True:
        query = f"?limit=2&sortkey={sortkey}" if token is None else f"?limit=2&pageToken={token}"
        body = get(client, f"/{resource}{query}").get_json()
        paged += [item["id"] for item in body["data"]]
        token = body["pageToken"]
        if not token:
            break
    assert paged == everything and sorted(everything) == sorted(ids_of(client, f"/{resource}"))


@pytest.mark.parametrize(
    "resource, sortkey, value, reverse",
    [
        ("persons", "FamilyNameAsc", lambda p: p["familyName"], False),
        ("persons", "CivicNoDesc", lambda p: p["civicNo"]["value"], True),
        ("persons", "DisplayNameAsc", lambda p: (p["givenName"], p["familyName"]), False),
        ("groups", "EndDateDesc", lambda g: g["endDate"], True),
        ("groups", "DisplayNameAsc", lambda g: g["displayName"], False),
        ("activities", "DisplayNameAsc", lambda a: a["displayName"], False),
        ("duties", "StartDateAsc", lambda d: d["startDate"], False),
        ("syllabuses", "CourseCodeDesc", lambda s: s["courseCode"], True),
        ("syllabuses", "SubjectNameAsc", lambda s: s["subjectName"], False),
        ("grades", "registeredDateAsc", lambda g: g["registeredDate"], False),
        ("grades", "ModifiedDesc", lambda g: g["meta"]["modified"], True),
        ("studyplans", "EndDateDesc", lambda p: p["endDate"], True),
    ],
)
def test_a_sortkey_sorts(client, resource, sortkey, value, reverse):
    items = get(client, f"/{resource}?sortkey={sortkey}").get_json()["data"]
    assert len(items) > 1
    assert [value(i) for i in items] == sorted((value(i) for i in items), reverse=reverse)


def test_an_unknown_sortkey_is_400(client):
    assert get(client, "/persons?sortkey=Shoesize").status_code == 400


# -- filters and expand --------------------------------------------------------------------------------
def test_person_filters(client):
    names = lambda q: sorted(p["givenName"] for p in get(client, f"/persons?{q}").get_json()["data"])  # noqa: E731
    assert names("nameContains=lind&nameContains=ann") == ["Anna"]  # every value must match
    assert names("nameContains=ÖBERG") == ["Åsa"]
    assert names("relationship.entity.type=duty") == ["Anna", "Bo", "Karin", "Omar"]
    assert "Søren" in names("relationship.entity.type=enrolment&relationship.endDate.onOrBefore=2026-10-31")
    assert "Åsa" not in names("relationship.entity.type=enrolment&relationship.endDate.onOrBefore=2026-10-31")
    assert names("relationship.entity.type=placement.child") == []
    assert names("eduPersonPrincipalName=asa@example.se") == []
    assert names("civicNo=19900602-2397") == ["Åsa"]


def test_group_activity_duty_filters(client):
    kista = stable_id("organisation", "vux-kista")
    assert len(ids_of(client, f"/groups?organisation={kista}&schoolTypes=VUXGR")) == 1
    assert len(ids_of(client, "/groups?groupType=Klass")) == 0
    assert len(ids_of(client, "/groups?endDate.onOrAfter=2027-01-01")) == 1
    assert len(ids_of(client, f"/activities?member={stable_id('person', 's07')}")) == 2
    assert ids_of(client, "/duties?endDate.onOrBefore=2030-01-01") == []  # duties run on
    assert len(ids_of(client, "/duties?endDate.onOrAfter=2030-01-01&dutyRole=Lärare")) == 3
    assert len(ids_of(client, "/organisations?schoolTypes=VUX")) == 1
    assert len(ids_of(client, "/organisations?type=Huvudman")) == 1


def test_studyplans_offerings_programmes(client):
    s01 = stable_id("person", "s01")
    [plan] = get(client, f"/studyplans?student={s01}&expandReferenceNames=true").get_json()["data"]
    courses = {c["syllabus"]["displayName"] for c in plan["content"][0]["syllabuses"]}
    assert courses == {"Svenska 1", "Historia 1a1"} and plan["student"]["displayName"] == "Åsa Öberg"
    [offer] = get(client, f"/schoolUnitOfferings?organisation={stable_id('organisation', 'vux-kista')}").get_json()[
        "data"
    ]
    assert len(offer["offeredSyllabuses"]) == 5 and offer["offeredProgrammes"] == [
        {"id": stable_id("programme", "behorighet-hogskola")}
    ]
    [programme] = get(client, "/programmes?schoolType=VUXGY&code=GRBEH").get_json()["data"]
    assert programme["type"] == "Högskoleförberedande program" and len(programme["content"][0]["content"]) == 3
    assert ids_of(client, "/programmes?parentProgramme=x") == []


def test_person_expand_group_memberships(client):
    person = get(client, f"/persons/{stable_id('person', 's05')}?expand=groupMemberships&expand=placements").get_json()
    [membership] = person["_embedded"]["groupMemberships"]
    assert membership["group"]["displayName"] == "SVESVE01 HT26 Kista A" and membership["endDate"] == "2026-10-05"
    assert person["_embedded"]["placements"] == []


def test_an_avbrott_changes_the_study_plan(app, client):
    s03 = stable_id("person", "s03")
    before = get(client, f"/studyplans?student={s03}").get_json()["data"][0]
    app.extensions["mock_kit"].clock.set(app.extensions["mock_kit"].clock.now() + timedelta(minutes=1))
    with app.app_context(), app.extensions["mock_kit"].db.session() as s, s.begin():
        enrolment = s.query(Enrolment).filter_by(person_id=s03, group_id=stable_id("group", "svesve01-ht26-a")).one()
        store.set_enrolment_status(s, enrolment, "Avbrott", date(2026, 11, 20))
    after = get(client, f"/studyplans?student={s03}").get_json()["data"][0]
    assert after["meta"]["modified"] > before["meta"]["modified"]
    assert "SVESVE01 HT26 Kista A: Avbrott 2026-11-20" in [c["note"] for c in after["content"][0]["syllabuses"]]


# -- deletedEntities ----------------------------------------------------------------------------------
def test_removals_are_listed_with_their_time(app, client):
    kit = app.extensions["mock_kit"]
    start = kit.clock.now()
    kit.clock.set(start + timedelta(minutes=5))
    with app.app_context(), kit.db.session() as s, s.begin():
        store.delete_group(s, s.get(TeachingGroup, stable_id("group", "grnmat2-ht26-a")))
    kit.clock.set(start + timedelta(minutes=10))
    with app.app_context(), kit.db.session() as s, s.begin():
        store.delete_person(s, s.get(Person, stable_id("person", "s01")))
    data = get(client, "/deletedEntities").get_json()["data"]
    assert data["groups"] == [stable_id("group", "grnmat2-ht26-a")]
    assert data["activities"] == data["activitites"] == [stable_id("activity", "grnmat2-ht26-a")]
    assert data["persons"] == [stable_id("person", "s01")]
    assert len(data["grades"]) == 3 and data["studyPlans"] == [stable_id("studyplan", "s01")]
    after = (start + timedelta(minutes=7)).isoformat().replace("+", "%2B")
    assert set(get(client, f"/deletedEntities?after={after}").get_json()["data"]) == {"persons", "grades", "studyPlans"}
    assert set(get(client, "/deletedEntities?entities=Group&entities=Activity").get_json()["data"]) == {
        "groups",
        "activities",
        "activitites",
    }
    seen, token = [], None
    while True:
        body = get(client, "/deletedEntities?limit=1" + (f"&pageToken={token}" if token else "")).get_json()
        seen += [i for key, ids in body["data"].items() if key != "activitites" for i in ids]
        token = body["pageToken"]
        if not token:
            break
    assert len(seen) == 7 == len(set(seen))
    assert get(client, f"/persons/{stable_id('person', 's01')}").status_code == 404
    assert get(client, "/deletedEntities?after=igår").status_code == 400


# -- subscriptions -------------------------------------------------------------------------------------
def test_subscription_lifecycle(app, client):
    body = {"name": "Test", "target": "http://127.0.0.1:9/hook", "resourceTypes": [{"resource": "Group"}]}
    created = client.post(f"{API}/subscriptions", headers=AUTH, json=body)
    assert created.status_code == 201
    validate_ss12000(created.get_json(), "Subscription")
    sid = created.get_json()["id"]
    assert [s["id"] for s in get(client, "/subscriptions").get_json()["data"]] == [sid]
    assert get(client, f"/subscriptions/{sid}").get_json()["name"] == "Test"
    later = (app.extensions["mock_kit"].clock.now() + timedelta(days=90)).isoformat()
    renewed = client.patch(f"{API}/subscriptions/{sid}", headers=AUTH, json={"expires": later})
    assert renewed.status_code == 200 and renewed.get_json()["expires"].startswith(later[:16])
    assert (
        client.patch(f"{API}/subscriptions/{sid}", headers=AUTH, json={"expires": "2000-01-01T00:00:00Z"}).status_code
        == 400
    )
    assert client.delete(f"{API}/subscriptions/{sid}", headers=AUTH).status_code == 204
    assert client.get(f"{API}/subscriptions/{sid}", headers=AUTH).status_code == 404
    assert client.delete(f"{API}/subscriptions/{sid}", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "target": "ftp://host/x", "resourceTypes": [{"resource": "Group"}]},
        {"name": "x", "target": "http://host/x", "resourceTypes": []},
        {"name": "x", "target": "http://host/x", "resourceTypes": [{"resource": "Klass"}]},
        {"name": 7, "target": "http://host/x", "resourceTypes": [{"resource": "Group"}]},
        {"target": "http://host/x", "resourceTypes": [{"resource": "Group"}]},
        ["not", "an", "object"],
    ],
)
def test_a_bad_subscription_is_400_and_nothing_stored(client, body):
    response = client.post(f"{API}/subscriptions", headers=AUTH, json=body)
    assert response.status_code == 400
    validate_ss12000(response.get_json(), "Error")
    assert get(client, "/subscriptions").get_json()["data"] == []


class Subscriber:
    """A webhook receiver on a free port; ``status`` is what it answers."""

    def __init__(self):
        self.notices, self.status = [], 200
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def app(self, request):
        self.notices.append(request.get_json())
        return Response("", self.status)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def subscriber(app):
    receiver = Subscriber()
    app.config["WEBHOOK_ALLOWED_TARGETS"] = receiver.url.rsplit("/", 1)[0]  # BER posts only where it is let
    yield receiver
    app.config["WEBHOOK_ALLOWED_TARGETS"] = None
    receiver.stop()


def tick(kit, minutes: int) -> None:
    """Mock time passing half a minute at a time, as the scheduler thread would see it."""
    for _ in range(minutes * 2):
        kit.scheduler.advance(timedelta(seconds=30))


def test_deliveries_on_the_mock_clock_retried_with_back_off(app, client, subscriber):
    kit = app.extensions["mock_kit"]
    client.post(
        f"{API}/subscriptions",
        headers=AUTH,
        json={"name": "t", "target": subscriber.url, "resourceTypes": [{"resource": "Group"}, {"resource": "Person"}]},
    )
    kit.scheduler.advance(timedelta(seconds=30))
    assert subscriber.notices == []  # nothing changed: nothing sent
    kit.clock.set(kit.clock.now() + timedelta(seconds=1))
    with app.app_context(), kit.db.session() as s, s.begin():
        store.remove_enrolment(
            s,
            s.query(Enrolment)
            .filter_by(person_id=stable_id("person", "s02"), group_id=stable_id("group", "svesve01-ht26-a"))
            .one(),
        )
    subscriber.status = 503
    tick(kit, minutes=4)  # fails at +30 s; retries 1 and 2 min later
    assert [n["modifiedEntites"] for n in subscriber.notices] == [["Group"]] * 3
    out = [e for e in kit.journal.entries(method="POST") if e.get("direction") == "out"]
    assert [(e["attempt"], e["status"]) for e in out] == [(1, 503), (2, 503), (3, 503)]
    subscriber.status = 200
    tick(kit, minutes=4)  # the next try (4 min later) succeeds
    assert len(subscriber.notices) == 4 and subscriber.notices[-1] == {
        "modifiedEntites": ["Group"],
        "modifiedEntities": ["Group"],
        "deletedEntities": False,
    }
    tick(kit, minutes=5)
    assert len(subscriber.notices) == 4  # delivered once: nothing more to tell


def test_no_delivery_to_an_expired_subscription(app, client, subscriber):
    kit = app.extensions["mock_kit"]
    client.post(
        f"{API}/subscriptions",
        headers=AUTH,
        json={"name": "t", "target": subscriber.url, "resourceTypes": [{"resource": "Person"}]},
    )
    kit.clock.set(kit.clock.now() + timedelta(days=31))
    with app.app_context(), kit.db.session() as s, s.begin():
        store.delete_person(s, s.get(Person, stable_id("person", "s12")))
    kit.scheduler.advance(timedelta(minutes=1))
    assert subscriber.notices == []


def test_the_schema_names_cover_every_offered_get():
    for name in RESOURCES:
        assert ss12000_schema_for(f"/{name}") and ss12000_schema_for(f"/{name}/x")

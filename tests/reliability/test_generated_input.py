"""By class, not by case: every number, date, token and body either mock is given is a 4xx with a
Swedish message or a normal answer — never a 5xx — and a refused form stores nothing.

First one example of each class of input that reached a 500 (ASCII digits only where digits are
meant, instants at the calendar's edges with an offset, page tokens that decode to the wrong types,
JSON nested past the parser's limit, bodies and lookups without a bound); then Hypothesis over the
HTML forms of both mocks and the control API, drawing from all of Unicode (control characters,
other scripts' digits, lone calendar edges) and raw bytes. The API side (SS 12000, the grade API)
is schemathesis's negative mode in tests/api/test_schemathesis.py.

Bounded for CI: derandomized, no example database, a few dozen examples per endpoint.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from betyg_harness.scenario import stable_id
from tests.reliability.support import csrf_of, stored

SVE = stable_id("group", "svesve01-ht26-a")
S01, ANNA = stable_id("person", "s01"), stable_id("person", "anna.lindqvist")
BER_AUTH = {"Authorization": "Bearer ber-dev-token"}
API = "/ss12000/v2.1"
BOUNDED = settings(
    max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)

# Digits that are not 0–9 but that str.isdigit() (or \d) accepts: superscripts, Arabic-Indic,
# N'Ko, Devanagari, Thai, fullwidth, mathematical.
OTHER_DIGITS = "²³¹٣߃३๓１𝟙"
EDGES = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999-00:01",
    "0001-01-01T00:00:00",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "0000-01-01",
    "2026-02-30",
    "2026-12-18T08:00:00+24:00",
    "٢٠٢٦-١٢-١٨",
    "２０２６-12-18",
    "2026-12-18T08:00:00Z",
    "9" * 5000,
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    " 7",
    "²",
    "٣",
    "߃",
    "𝟙𝟚",
]
# Every code point but the surrogates (which cannot be sent as UTF-8): control characters, other
# scripts, digits of every script, combining marks, private use.
ANY_CHAR = st.characters(codec="utf-8")
hostile = st.one_of(
    st.text(ANY_CHAR, max_size=30),
    st.text(st.sampled_from("0123456789" + OTHER_DIGITS + "-+:T.Z "), max_size=30),
    st.sampled_from(EDGES),
    st.integers().map(str),
)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile)
json_value = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile, inner, max_size=3), max_leaves=8
)
raw_body = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe", b'"\\ud800"', b"[" * 70 + b"]" * 70]),
)
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/json; charset=utf-16",
]


def token(body) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


def assert_refused(answer, status: int = 400, *words: str):
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True)[:300])
    text = answer.get_data(as_text=True)
    for word in words:
        assert word in text
    return text


def assert_no_server_error(answer, what):
    assert answer.status_code < 500, (what, answer.status_code, answer.get_data(as_text=True)[:300])


# == one example of each class ==========================================================================
@pytest.mark.parametrize("value", ["²", "٣", "߃", "１0", "0", "-1", " 7", "1_0"])
def test_limit_with_digits_other_than_ascii_is_a_400(pair, value):
    ber = pair.ber.app.test_client()
    assert_refused(ber.get(f"{API}/groups", query_string={"limit": value}, headers=BER_AUTH), 400, "limit")


def test_a_limit_of_more_digits_than_int_reads_is_the_largest_page(pair):
    ber = pair.ber.app.test_client()
    answer = ber.get(f"{API}/groups", query_string={"limit": "9" * 5000}, headers=BER_AUTH)
    assert answer.status_code == 200 and answer.json["data"]


@pytest.mark.parametrize("since", ["²", "٣", "߃", "9" * 5000, "99999999999999999999999"])
def test_the_journal_since_with_digits_other_than_ascii_is_a_400(pair, since):
    answer = pair.ber.app.test_client().get("/_mock/journal", query_string={"since": since})
    assert_refused(answer, 400, "since")


@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00"])
def test_instants_at_the_calendars_edges_are_a_400(pair, instant):
    ber = pair.ber.app.test_client()
    for name in ("meta.modified.after", "meta.created.before"):
        assert_refused(ber.get(f"{API}/persons", query_string={name: instant}, headers=BER_AUTH), 400, name)
    assert_refused(ber.get(f"{API}/deletedEntities", query_string={"after": instant}, headers=BER_AUTH), 400)


@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59"])
def test_the_control_clock_at_the_calendars_edges_is_a_400(pair, instant):
    kit = pair.ber.kit
    before = kit.clock.now()
    answer = pair.ber.app.test_client().post("/_mock/clock", json={"now": instant})
    assert_refused(answer, 400, "now")
    assert kit.clock.now() == before


# A page token is opaque, but it decodes: positions of the wrong type must be an invalid token.
BAD_TOKENS = {
    "date column, a string": ("groups", {"a": ["x", "y"], "q": {"sortkey": ["StartDateAsc"]}}),
    "date column, a number": ("groups", {"a": [7, "y"], "q": {"sortkey": ["StartDateAsc"]}}),
    "date column, an instant": (
        "groups",
        {"a": [{"t": "2026-01-01T00:00:00+01:00"}, "y"], "q": {"sortkey": ["StartDateAsc"]}},
    ),
    "instant past the calendar": (
        "persons",
        {"a": [{"t": "9999-12-31T23:59:59-14:00"}, "x"], "q": {"sortkey": ["ModifiedDesc"]}},
    ),
    "a huge int": ("deletedEntities", {"a": [2**70], "q": {}}),
    "a bool": ("deletedEntities", {"a": [True], "q": {}}),
    "a list": ("groups", {"a": [[1, 2]], "q": {}}),
    "an object": ("groups", {"a": [{"x": 1}], "q": {}}),
    "a float": ("groups", {"a": [1.5], "q": {}}),
    "a lone surrogate": ("groups", {"a": ["\ud800"], "q": {}}),
    "a filter that is no list of strings": ("groups", {"a": ["x"], "q": {"expandReferenceNames": [1]}}),
    "a filter that is a number": ("groups", {"a": ["x"], "q": {"expandReferenceNames": 1}}),
}


@pytest.mark.parametrize("case", BAD_TOKENS, ids=list(BAD_TOKENS))
def test_page_tokens_that_decode_to_the_wrong_types_are_invalid(pair, case):
    resource, body = BAD_TOKENS[case]
    answer = pair.ber.app.test_client().get(
        f"{API}/{resource}", query_string={"pageToken": token(body)}, headers=BER_AUTH
    )
    assert_refused(answer, 400, "pageToken är ogiltig", "invalid_page_token")


@pytest.mark.parametrize(
    "raw",
    [
        "é" * 8,
        "٣٣٣٣",
        base64.urlsafe_b64encode(b"[" * 3000).decode(),
        base64.urlsafe_b64encode(b'{"a":[1],"q":{"x":' + b"[" * 4000 + b"}").decode(),
    ],
    ids=["non-ascii", "other-digits", "3000-brackets", "deep-filter"],
)
def test_page_tokens_with_non_ascii_or_deep_nesting_are_invalid(pair, raw):
    answer = pair.ber.app.test_client().get(f"{API}/groups", query_string={"pageToken": raw}, headers=BER_AUTH)
    assert_refused(answer, 400, "invalid_page_token")


def _json_endpoints(pair):
    """Every JSON endpoint of both mocks: (test client, path, headers)."""
    ber, pp = pair.ber.app.test_client(), pair.pingpong.app.test_client()
    return [
        (ber, f"{API}/persons/lookup", BER_AUTH),
        (ber, f"{API}/groups/lookup", BER_AUTH),
        (ber, f"{API}/subscriptions", BER_AUTH),
        (ber, "/_mock/clock", {}),
        (ber, "/_mock/faults", {}),
        (ber, "/_mock/scenario", {}),
        (pp, "/_mock/clock", {}),
        (pp, "/_mock/clock/advance", {}),
        (pp, "/api/ber/webhook/okand-token", {}),
    ]


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"ids":' * 100_000, b"[" * 65 + b"]" * 65, b'{"ids": ["\\ud800"]}'],
    ids=["100000-brackets", "100000-objects", "65-deep", "lone-surrogate"],
)
def test_json_nested_too_deep_is_a_4xx_on_every_json_endpoint(pair, body):
    for client, path, headers in _json_endpoints(pair):
        answer = client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.get_data(as_text=True)[:200])


def test_bodies_over_the_limit_are_a_413_before_they_are_read(pair):
    big = b'{"ids": [' + b'"x",' * 400_000 + b'"x"]}'  # 1.6 MB: over the public 1 MB
    answer = pair.ber.app.test_client().post(
        f"{API}/persons/lookup", data=big, headers={**BER_AUTH, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.is_json and answer.json["code"] == "payload_too_large" and "för stort" in answer.json["message"]
    # The control API takes a big scenario (bench's 5,000 groups, ~6 MB) but not 40 MB.
    huge = pair.ber.app.test_client().post(
        "/_mock/scenario", data=b" " * (40 * 1024 * 1024), headers={"Content-Type": "application/json"}
    )
    assert huge.status_code == 413 and huge.is_json


def test_a_chunked_body_without_content_length_is_bounded(pair):
    """Over real HTTP: a body sent in chunks (no Content-Length) is cut off at the limit (413), not
    read into memory whole."""

    def chunks():
        for _ in range(64):
            yield b"[" * 64 * 1024  # 4 MB in all

    answer = requests.post(
        f"{pair.ber.url}{API}/persons/lookup",
        data=chunks(),
        headers={**BER_AUTH, "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 413, answer.status_code


def test_a_lookup_is_bounded_as_the_page_size(pair):
    ber = pair.ber.app.test_client()
    many = [stable_id("person", f"x{i}") for i in range(1001)]
    answer = ber.post(
        f"{API}/persons/lookup", json={"ids": many[:600], "civicNos": ["199006022397"] * 401}, headers=BER_AUTH
    )
    assert_refused(answer, 400, "too_many_values", "Högst 1000")
    assert ber.post(f"{API}/persons/lookup", json={"ids": many[:1000]}, headers=BER_AUTH).status_code == 200


# == names are text =================================================================================
def test_names_with_other_scripts_digits_are_sorted_shown_and_synced(pair, pp_user):
    """With a teacher named "Åsa ²" and a student "Anna ٣ Öberg ߃" (the fixture's scenario), BER's
    sync still brings every group to Ping Pong, and the search, the teacher list and the grading view
    show them."""
    client, _ = pp_user
    found = client.get("/betyg/sok-grupp", query_string={"sok": "1"})
    assert found.status_code == 200 and "SVESVE01 HT26 Kista A" in found.get_data(as_text=True)
    teachers = client.get("/betyg/sok-larare")
    assert teachers.status_code == 200 and "Åsa ²" in teachers.get_data(as_text=True)
    view = client.get(f"/betyg/grupp/{SVE}")
    text = view.get_data(as_text=True)
    assert view.status_code == 200 and "Anna ٣" in text and "Öberg ߃" in text and "Åsa ²" in text


# == generated: the forms of both mocks =============================================================
@pytest.fixture(scope="module")
def controlled():
    """A BER and a Ping Pong of their own: the generated clock and scenario changes touch no other test."""
    from betyg_harness.mock_ber import create_app as ber_app
    from betyg_harness.mock_pingpong import create_app as pingpong_app
    from tests.api.live_pair import frozen

    apps = [
        ber_app(
            {"SCHEDULER": False, "LOG_REQUESTS": False, "SCENARIO": frozen(), "PINGPONG_URL": "http://127.0.0.1:9"}
        ),
        pingpong_app(
            {
                "SCHEDULER": False,
                "LOG_REQUESTS": False,
                "SCENARIO": frozen(),
                "SYNC_ON_LOAD": False,
                "BER_URL": "http://127.0.0.1:9",
                "BER_WEBHOOKS": False,
            }
        ),
    ]
    yield apps
    for app in apps:
        app.extensions["mock_kit"].db.dispose()


@given(username=hostile, password=hostile, nxt=hostile)
@BOUNDED
def test_generated_logins_never_fail_the_server(controlled, username, password, nxt):
    # The control API's pair of mocks: so many failed logins are throttled (429), which must not
    # lock the other tests' users out.
    for app in controlled:
        client = app.test_client()
        page = client.get("/login")
        answer = client.post(
            "/login",
            query_string={"next": nxt},
            data={"csrf_token": csrf_of(page.get_data(as_text=True)), "username": username, "password": password},
        )
        assert_no_server_error(answer, "login")


@given(text=hostile, teacher=hostile, term=hostile, start=hostile, end=hostile)
@BOUNDED
def test_generated_searches_never_fail_the_server(pair, pp_user, ber_user, text, teacher, term, start, end):
    pp, _ = pp_user
    ber, _ = ber_user
    for path, args in (
        ("/betyg/sok-grupp", {"sok": "1", "q": text, "termin": term, "from": start, "tom": end}),
        ("/betyg/sok-larare", {"sok": "1", "larare": teacher, "termin": term, "from": start, "tom": end}),
    ):
        assert_no_server_error(pp.get(path, query_string=args), path)
    answer = ber.get(
        "/grupper",
        query_string={
            "name": text,
            "course": teacher,
            "school": term,
            "date_from": start,
            "date_to": end,
            "submit": "Sök",
        },
    )
    assert_no_server_error(answer, "/grupper")


@given(
    grade=st.one_of(st.sampled_from(["A", "C", "F", "-"]), hostile),
    version=st.one_of(st.none(), hostile),
    teacher=hostile,
    lock=hostile,
    field=hostile,
)
@BOUNDED
def test_generated_grading_forms_store_nothing_and_never_fail(pair, pp_user, grade, version, teacher, lock, field):
    pp, csrf = pp_user
    if version is None:  # the group's real version: the form gets past the version check to its fields
        version = re.search(
            r'name="version"[^>]*value="([^"]*)"', pp.get(f"/betyg/grupp/{SVE}").get_data(as_text=True)
        ).group(1)
    before = stored(pair.pingpong.app)
    answer = pp.post(
        f"/betyg/grupp/{SVE}",
        data={
            "csrf_token": csrf,
            "version": version,
            "teacher": [ANNA, teacher],
            f"grade-{S01}": grade,
            f"lock-{S01}": lock,
            f"grade-{field}": grade,
        },
    )
    assert_no_server_error(answer, "grading")
    summary = pp.post(
        f"/betyg/grupp/{SVE}/sammanfattning",
        data={"csrf_token": csrf, "payload": field, "action": grade, "token": version},
    )
    assert_no_server_error(summary, "summary")
    assert stored(pair.pingpong.app) == before  # the first Spara shows a summary; a forged one stores nothing


@given(teacher=hostile, person=hostile, group=hostile)
@BOUNDED
def test_generated_ber_forms_store_nothing_and_never_fail(pair, ber_user, teacher, person, group):
    ber, csrf = ber_user
    before = stored(pair.ber.app)
    for path, data in (
        (f"/grupper/{SVE}/betygssattande", {"csrf_token": csrf, "teacher": teacher}),
        (f"/grupper/{SVE}/betygssattande/ta-bort", {"csrf_token": csrf, "person": person}),
        (f"/grupper/{group}/betygssattande", {"csrf_token": csrf, "teacher": ANNA}),
    ):
        answer = ber.post(path, data=data)
        assert_no_server_error(answer, path)
        if answer.status_code >= 400:
            assert stored(pair.ber.app) == before, path
    assert_no_server_error(ber.post("/betygsimport", data={"csrf_token": person}), "/betygsimport")


@given(body=raw_body, content_type=st.sampled_from(CONTENT_TYPES))
@settings(BOUNDED, max_examples=80)
def test_generated_raw_bodies_never_fail_the_server(pair, pp_user, ber_user, body, content_type):
    pp, _ = pp_user
    ber, _ = ber_user
    targets = [
        (pp, "/login"),
        (pp, f"/betyg/grupp/{SVE}"),
        (pp, f"/betyg/grupp/{SVE}/sammanfattning"),
        (pp, "/api/ber/webhook/okand"),
        (ber, "/login"),
        (ber, f"/grupper/{SVE}/betygssattande"),
        (ber, "/betygsimport"),
        (ber, f"{API}/persons/lookup"),
        (ber, f"{API}/subscriptions"),
    ]
    for client, path in targets:
        answer = client.post(path, data=body, headers={"Content-Type": content_type, **BER_AUTH})
        assert_no_server_error(answer, path)


# == generated: the control API =====================================================================
@given(
    now=st.one_of(hostile, json_value),
    freeze=json_value,
    advance=st.dictionaries(st.sampled_from(["seconds", "minutes", "hours", "days", "weeks"]), json_value, max_size=2),
    since=hostile,
)
@BOUNDED
def test_generated_clock_and_journal_calls_never_fail(controlled, now, freeze, advance, since):
    for client in (app.test_client() for app in controlled):
        for path, body in (
            ("/_mock/clock", {"now": now}),
            ("/_mock/clock", {"now": now, "freeze": freeze}),
            ("/_mock/clock/advance", advance),
        ):
            assert_no_server_error(client.post(path, json=body), path)
        assert_no_server_error(client.get("/_mock/journal", query_string={"since": since}), "journal")
        assert_no_server_error(client.get("/healthz"), "healthz")


@given(
    rule=st.dictionaries(
        st.sampled_from(["method", "path", "status", "latency_ms", "drop", "after", "times"]), json_value, max_size=5
    ),
    document=json_value,
    name=hostile,
)
@BOUNDED
def test_generated_faults_and_scenarios_never_fail(controlled, rule, document, name):
    for client in (app.test_client() for app in controlled):
        assert_no_server_error(client.post("/_mock/faults", json=rule), "faults")
        client.delete("/_mock/faults", json={})
        assert_no_server_error(client.post("/_mock/scenario", json=document), "scenario")
        assert_no_server_error(client.post("/_mock/scenario", json={"name": name}), "scenario name")


# Documents that pass the schema, made from the small scenario by what a person editing one does:
# copy an item of any list once more, give one string field another string of the same document
# (a key, a reference, a username, a personnummer), or drop an item. Random JSON above never passes
# the schema, so it never reaches the tables; these reach their constraints.
def _lists(node, path=()):
    if isinstance(node, list):
        if node:
            yield path
        for i, item in enumerate(node):
            yield from _lists(item, (*path, i))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _lists(value, (*path, key))


def _strings(node, path=()):
    if isinstance(node, str):
        yield path
    elif isinstance(node, (list, dict)):
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            yield from _strings(value, (*path, key))


def _at(doc, path):
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def edited_scenarios(draw):
    from tests.api.live_pair import frozen

    doc = frozen("small")
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["copy", "reuse", "drop"]))
        if edit == "reuse":
            paths = list(_strings(doc))
            target, source = draw(st.sampled_from(paths)), draw(st.sampled_from(paths))
            _at(doc, target[:-1])[target[-1]] = _at(doc, source)
        else:
            items = _at(doc, draw(st.sampled_from(list(_lists(doc)))))
            index = draw(st.integers(0, len(items) - 1))
            if edit == "copy":
                items.append(json.loads(json.dumps(items[index])))
            else:
                del items[index]
    return doc


@given(document=edited_scenarios())
@settings(BOUNDED, max_examples=120)
def test_generated_scenarios_that_pass_the_schema_never_fail_and_a_refused_one_changes_nothing(controlled, document):
    for app in controlled:
        client, db = app.test_client(), app.extensions["mock_kit"].db
        before = db.digest()
        answer = client.post("/_mock/scenario", json=document)
        assert_no_server_error(answer, "scenario")
        if answer.status_code != 200:
            assert db.digest() == before

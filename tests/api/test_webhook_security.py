"""BER's webhooks as an attacker or a clumsy client would use them (issue 17, points 1, 2 and the
subscriptions of 6): where BER posts (URL syntax, never a ``/_mock`` path, the allow-list, no
internal addresses, no redirects), that one bad or silent subscriber neither stops nor stalls the
others, that a subscription belongs to the API client that made it and its secret is never listed,
and that Ping Pong's receiver checks the token before it reads a notice."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import timedelta

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from betyg_harness.contracts import validate_ss12000
from betyg_harness.mock_ber import create_app
from betyg_harness.mock_ber.jobs import webhooks
from betyg_harness.mock_ber.models import Person, Subscription
from betyg_harness.scenario import stable_id
from betyg_harness.ports import free_port
from tests.api.live_pair import frozen

API = "/ss12000/v2.1"
AUTH = {"Authorization": "Bearer ber-dev-token"}  # the client "pingpong"
OTHER = {"Authorization": "Bearer en-annan-klients-token"}  # the client "annan"
PINGPONG = "http://127.0.0.1:5999"  # Ping Pong's address as BER knows it (no server; a constant, so every xdist worker collects the same ids)
SECRET = "hemlig-token-Xq9"


@pytest.fixture(scope="module")
def app():
    application = create_app(
        {
            "SCHEDULER": False,
            "LOG_REQUESTS": False,
            "PINGPONG_URL": PINGPONG,
            "SCENARIO": frozen(),
            "API_CLIENTS": "pingpong:ber-dev-token,annan:en-annan-klients-token",
        }
    )
    yield application
    application.extensions["mock_kit"].db.dispose()


@pytest.fixture
def client(app):
    app.extensions["mock_kit"].reset()
    app.config.update(WEBHOOK_ALLOWED_TARGETS=None, WEBHOOK_PUBLIC_TARGETS=False, WEBHOOK_TIMEOUT_SECONDS=10)
    yield app.test_client()
    app.config.update(WEBHOOK_ALLOWED_TARGETS=None, WEBHOOK_PUBLIC_TARGETS=False, WEBHOOK_TIMEOUT_SECONDS=10)


def subscribe(client, target, headers=AUTH, types=("Person",)):
    return client.post(
        f"{API}/subscriptions",
        headers=headers,
        json={"name": "t", "target": target, "resourceTypes": [{"resource": t} for t in types]},
    )


def listed(client, headers=AUTH) -> list[dict]:
    response = client.get(f"{API}/subscriptions", headers=headers)
    assert response.status_code == 200
    return response.get_json()["data"]


def refused(response) -> str:
    """The 400 Error object's (Swedish) message."""
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    validate_ss12000(body, "Error")
    assert "target" in body["message"]
    return body["message"]


def change_a_person(app) -> None:
    """A second later on BER's clock, a person changes: every Person subscriber has news."""
    kit = app.extensions["mock_kit"]
    kit.clock.set(kit.clock.now() + timedelta(seconds=1))
    with app.app_context(), kit.db.session() as session, session.begin():
        session.get(Person, stable_id("person", "s01")).modified = kit.clock.now()


def stored(app) -> dict[str, Subscription]:
    kit = app.extensions["mock_kit"]
    with kit.db.session() as session:
        return {s.id: s for s in session.query(Subscription)}


def insert_unchecked(app, sid: str, target: str) -> None:
    """A subscription written straight into BER's database, past every check of the API."""
    kit = app.extensions["mock_kit"]
    at = kit.clock.now()
    with kit.db.session() as session, session.begin():
        session.add(
            Subscription(
                id=sid,
                name="rå",
                owner="pingpong",
                target=target,
                resource_types=["Person"],
                created=at,
                expires=at + timedelta(days=30),
                notified_until=at,
                attempts=0,
                delivered=0,
            )
        )
    webhooks.ensure_job(kit)


def deliveries(app) -> list[dict]:
    return [e for e in app.extensions["mock_kit"].journal.entries(method="POST") if e.get("direction") == "out"]


class Receiver:
    """A webhook receiver on a free port; ``handle(request)`` answers (204 by default)."""

    def __init__(self, handle=None):
        self.requests: list[str] = []
        self.handle = handle or (lambda request: Response("", 204))
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def app(self, request):
        self.requests.append(request.path)
        return self.handle(request)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(handle=None) -> Receiver:
        made.append(Receiver(handle))
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop()


# -- 1. where BER posts: a URL, strictly ---------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/_mock/reset",
        "/%2F_mock/reset",
        "//_mock/reset",
        "/x/../_mock/reset",
        "/_MOCK/reset",
        "/%5Fmock/reset",
        "/%255Fmock/reset",
        "/api/..%2F_mock/reset",
        "/_mock;x/reset",
        "/api/ber/webhook/../../../_Mock/clock/advance",
        "/_mock./reset",
        "/_mock%2e/reset",
        "/_MOCK%2E%2E/clock",
        "/_mock",
    ],
)
def test_a_target_at_a_mocks_control_api_is_refused(client, path):
    """Ping Pong's own origin is allowed — its /_mock control API never (a notice there wiped it)."""
    message = refused(subscribe(client, PINGPONG + path))
    assert "/_mock" in message
    assert listed(client) == []


@pytest.mark.parametrize(
    "target",
    [
        PINGPONG + "/hook\r\nX-Injected: 1",
        PINGPONG + "/hook\n",
        PINGPONG + "/ho ok",
        PINGPONG + "/hook\t",
        " " + PINGPONG + "/hook",
        PINGPONG + "/h\u00f6k",
        PINGPONG + "/h\x00k",
        "http://127.0.0.1:99999/hook",
        "http://127.0.0.1:0/hook",
        "http://127.0.0.1:port/hook",
        "http://user:pass@" + PINGPONG[7:] + "/hook",
        "http://" + PINGPONG[7:] + "@127.0.0.1:1/hook",
        "ftp://" + PINGPONG[7:] + "/hook",
        "http:///hook",
        "http://:5001/hook",
        "javascript:alert(1)",
        "http://[::1/hook",
        "http://a..b/hook",
        "http://-a.example/",
        "http://" + "a" * 70 + ".example/hook",
        PINGPONG + "/" + "x" * 2000,
        PINGPONG + "/hook#frag",
        PINGPONG + "/%zz",
        17,
        None,
        ["http://x/"],
        # Round three: escapes two servers may read differently, and a host spelled past the allow-list.
        PINGPONG + "/api/ber/webhook/a%00b",
        PINGPONG + "/api/ber/webhook/a%20b",
        PINGPONG + "/a%C0%AF_mock/reset",
        PINGPONG + "/hook%0d%0aX:1",
        PINGPONG + "/hook%7F",
        PINGPONG + "/%ff",
        "http://127.0.0.1.:" + PINGPONG.rsplit(":", 1)[1] + "/api/ber/webhook/abc",
        "http://localhost.:5001/hook",
    ],
)
def test_a_malformed_target_is_400_in_swedish(client, target):
    message = refused(subscribe(client, target))
    assert any(word in message for word in ("måste", "får", "ingen giltig", "varken"))
    assert listed(client) == []


# -- 2. the allow-list -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:5998/hook",
        f"http://localhost:{PINGPONG.rsplit(':', 1)[1]}/hook",
        "http://127.0.0.2/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:5001/hook",
        "http://0.0.0.0:5001/hook",
        "http://224.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://api.localhost/hook",
    ],
)
def test_an_internal_target_not_on_the_allow_list_is_refused(client, target):
    refused(subscribe(client, target))
    assert listed(client) == []


def test_a_public_target_is_refused_unless_allowed_and_never_one_resolving_inside(app, client, monkeypatch):
    """Off by default; on, a host name is resolved, and one resolving to loopback is loopback."""
    answers = {"intern.example": "127.0.0.1", "privat.example": "10.0.0.7", "publik.example": "93.184.216.34"}
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda host, port, **kw: [(2, 1, 6, "", (answers[host], port))])
    message = refused(subscribe(client, "http://publik.example/hook"))
    assert "WEBHOOK_PUBLIC_TARGETS" in message
    app.config["WEBHOOK_PUBLIC_TARGETS"] = True
    assert "intern adress" in refused(subscribe(client, "http://intern.example/hook"))
    assert "intern adress" in refused(subscribe(client, "http://privat.example:8080/hook"))
    assert subscribe(client, "http://publik.example/hook").status_code == 201


def test_a_target_on_the_allow_list_is_accepted(app, client):
    """By default Ping Pong's origin (PINGPONG_URL); configured, exactly the listed origins."""
    assert subscribe(client, PINGPONG + "/api/ber/webhook/abc").status_code == 201
    assert subscribe(client, "HTTP://" + PINGPONG[len("http://") :] + "/").status_code == 201
    app.config["WEBHOOK_ALLOWED_TARGETS"] = "http://127.0.0.1:6001, http://10.0.0.9:8080"
    assert subscribe(client, "http://127.0.0.1:6001/hook").status_code == 201
    assert subscribe(client, "http://10.0.0.9:8080/a/b?c=d").status_code == 201
    refused(subscribe(client, PINGPONG + "/api/ber/webhook/abc"))  # the list replaces the default
    refused(subscribe(client, "http://127.0.0.1:6002/hook"))  # the origin's port is part of it
    refused(subscribe(client, "https://127.0.0.1:6001/hook"))  # and its scheme
    assert len(listed(client)) == 4


def test_a_control_path_stored_past_the_checks_is_not_posted_to(app, client, receivers):
    """Checked again before each delivery: a target written straight into the database (or allowed
    under an earlier configuration) is that subscription's failure, and nothing is posted."""
    pingpong = receivers()
    app.config["WEBHOOK_ALLOWED_TARGETS"] = pingpong.origin
    insert_unchecked(app, str(uuid.uuid4()), pingpong.origin + "/_mock/reset")
    change_a_person(app)
    app.extensions["mock_kit"].scheduler.advance(timedelta(seconds=30))
    assert pingpong.requests == []
    [sub] = stored(app).values()
    assert sub.attempts == 1 and "/_mock" in sub.last_error
    [entry] = deliveries(app)
    assert entry["status"] is None and "/_mock" in entry["error"]


def test_a_redirect_is_not_followed(app, client, receivers):
    elsewhere = receivers()
    redirecting = receivers(lambda request: Response("", 307, {"Location": elsewhere.origin + "/stolen"}))
    app.config["WEBHOOK_ALLOWED_TARGETS"] = f"{redirecting.origin},{elsewhere.origin}"
    assert subscribe(client, redirecting.origin + "/hook").status_code == 201
    change_a_person(app)
    app.extensions["mock_kit"].scheduler.advance(timedelta(seconds=30))
    assert redirecting.requests == ["/hook"] and elsewhere.requests == []
    [sub] = stored(app).values()
    assert sub.last_status == 307 and sub.attempts == 1 and sub.delivered == 0 and "omdirigering" in sub.last_error


# -- 3. isolated and time-bounded deliveries ---------------------------------------------------------------
@pytest.mark.parametrize("checked", [True, False], ids=["checked", "past-the-check"])
def test_one_unparseable_target_does_not_silence_the_others(app, client, receivers, monkeypatch, checked):
    """Targets the HTTP library cannot parse (it raises LocationParseError, ValueError — outside
    requests.RequestException) sort first; the subscriber after them still gets its notice — whether
    the check before delivery refuses them or (switched off here) the HTTP library fails on them."""
    if not checked:
        monkeypatch.setattr(webhooks, "check_target", lambda value, config: value)
    good = receivers()
    app.config["WEBHOOK_ALLOWED_TARGETS"] = good.origin
    insert_unchecked(app, "00000000-0000-4000-8000-000000000001", "http://" + "a" * 70 + ".example/x")
    insert_unchecked(app, "00000000-0000-4000-8000-000000000002", "http://[::1/x")
    insert_unchecked(app, "00000000-0000-4000-8000-000000000003", "http://127.0.0.1:99999/x")
    assert subscribe(client, good.origin + "/hook").status_code == 201
    change_a_person(app)
    app.extensions["mock_kit"].scheduler.advance(timedelta(seconds=30))
    assert good.requests == ["/hook"]
    subs = stored(app)
    bad = [subs[f"00000000-0000-4000-8000-00000000000{i}"] for i in (1, 2, 3)]
    assert all(s.attempts == 1 and s.last_error and s.next_attempt is not None for s in bad)
    assert sorted(e["subscription"] for e in deliveries(app)) == sorted(subs)  # each recorded, once


def test_deliveries_of_one_round_are_in_flight_at_once(app, client, receivers):
    """Each subscriber answers only when all three notices have reached it together: delivered one
    after another, the first would wait for the others until BER gave up on it."""
    together = threading.Barrier(3, timeout=60)

    def answer_when_all_are_here(request):
        together.wait()
        return Response("", 204)

    receiver = receivers(answer_when_all_are_here)
    app.config["WEBHOOK_ALLOWED_TARGETS"] = receiver.origin
    for path in ("/a", "/b", "/c"):
        assert subscribe(client, receiver.origin + path).status_code == 201
    change_a_person(app)
    app.extensions["mock_kit"].scheduler.advance(timedelta(seconds=30))
    assert sorted(receiver.requests) == ["/a", "/b", "/c"]
    assert [(s.last_status, s.delivered, s.attempts) for s in stored(app).values()] == [(204, 1, 0)] * 3


def test_subscribers_that_never_answer_do_not_stall_the_clock(app, client, receivers):
    """Three subscribers hold every notice unanswered until the test ends: a one-minute advance
    comes back with each recorded once as a failure, all three notices having been under way before
    any outcome was recorded (the journal, written as outcomes are settled, was still empty)."""
    release = threading.Event()
    seen_at_arrival: list[int] = []

    def never_answer(request):
        seen_at_arrival.append(len(deliveries(app)))
        release.wait(120)
        return Response("", 204)

    silent = receivers(never_answer)
    app.config.update(WEBHOOK_ALLOWED_TARGETS=silent.origin, WEBHOOK_TIMEOUT_SECONDS=2)
    try:
        for path in ("/a", "/b", "/c"):
            assert subscribe(client, silent.origin + path).status_code == 201
        change_a_person(app)
        answer = client.post("/_mock/clock/advance", json={"minutes": 1})
        assert answer.status_code == 200
        assert not release.is_set()  # returned while all three still hold their notice
        assert seen_at_arrival == [0, 0, 0]
        subs = stored(app).values()
        assert all(s.attempts == 1 and s.last_status is None and s.last_error for s in subs)
        assert sorted(e["target"] for e in deliveries(app)) == [silent.origin + "/***"] * 3
    finally:
        release.set()


# -- 6. ownership and secrets ---------------------------------------------------------------------------------
def test_another_client_cannot_see_renew_or_remove_a_subscription(app, client):
    created = subscribe(client, f"{PINGPONG}/api/ber/webhook/{SECRET}")
    assert created.status_code == 201
    sid = created.get_json()["id"]
    assert listed(client, OTHER) == []
    for method in ("GET", "PATCH", "DELETE"):
        answer = client.open(f"{API}/subscriptions/{sid}", method=method, headers=OTHER)
        assert answer.status_code == 404 and SECRET not in answer.get_data(as_text=True), method
    assert [s["id"] for s in listed(client)] == [sid]  # still there, still the owner's
    mine = subscribe(client, f"{PINGPONG}/api/ber/webhook/annans", headers=OTHER).get_json()["id"]
    assert [s["id"] for s in listed(client, OTHER)] == [mine]
    assert client.delete(f"{API}/subscriptions/{mine}", headers=AUTH).status_code == 404
    assert client.delete(f"{API}/subscriptions/{sid}", headers=AUTH).status_code == 204


def test_a_target_secret_is_never_listed(app, client):
    """Only the creator's 201 echoes the target; lists, reads, renewals and the journal mask it."""
    target = f"http://127.0.0.1:{PINGPONG.rsplit(':', 1)[1]}/api/ber/webhook/{SECRET}?key=hemligt2"
    created = subscribe(client, target)
    assert created.status_code == 201 and created.get_json()["target"] == target
    sid = created.get_json()["id"]
    shown = f"{PINGPONG}/api/ber/webhook/***"
    answers = [
        client.get(f"{API}/subscriptions", headers=AUTH),
        client.get(f"{API}/subscriptions/{sid}", headers=AUTH),
        client.patch(f"{API}/subscriptions/{sid}", headers=AUTH),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert SECRET not in text and "hemligt2" not in text
    assert [s["target"] for s in answers[0].get_json()["data"]] == [shown]
    for body in (answers[1].get_json(), answers[2].get_json()):
        validate_ss12000(body, "Subscription")
        assert body["target"] == shown


# -- 5. Ping Pong's receiver ----------------------------------------------------------------------------------
class Untouchable(io.BytesIO):
    """A request body that records whether anything read it."""

    read_from = False

    def read(self, *args):
        self.read_from = True
        return super().read(*args)

    def readline(self, *args):
        self.read_from = True
        return super().readline(*args)

    def readinto(self, *args):
        self.read_from = True
        return super().readinto(*args)


@pytest.fixture(scope="module")
def pingpong():
    from betyg_harness.mock_pingpong import create_app as create_pingpong, get_syncer

    application = create_pingpong(
        {
            "SCHEDULER": False,
            "SYNC_ON_LOAD": False,
            "LOG_REQUESTS": False,
            "BER_URL": f"http://127.0.0.1:{free_port()}",
            "BER_WEBHOOKS": True,
        }
    )
    get_syncer(application)._save(
        webhook={"id": str(uuid.uuid4()), "token": SECRET, "target": "x", "expires": "2099-01-01T00:00:00+00:00"}
    )
    yield application
    application.extensions["mock_kit"].db.dispose()


@pytest.mark.parametrize(
    "data",
    [b"[" * 60_000, b"\xff\xfe not json", b'{"modifiedEntites": ["Group"]}'],
    ids=["deep", "not-json", "a-notice"],
)
def test_an_unknown_token_is_404_before_the_body_is_read(pingpong, data):
    for token in ("fel", "\u00e5\u00e4\u00f6", SECRET + "x"):
        body = Untouchable(data)
        answer = pingpong.test_client().post(
            f"/api/ber/webhook/{token}", input_stream=body, content_length=len(data), content_type="application/json"
        )
        assert answer.status_code == 404 and answer.get_json()["code"] == "not_found"
        assert not body.read_from


@pytest.mark.parametrize(
    "data, status",
    [
        (b"[" * 60_000, 200),
        (b"{" * 50 + b"]", 200),
        (b"\xff\xfe", 200),
        (b"", 200),
        (b"false", 200),
        (b" " * (64 * 1024 + 1), 413),
    ],
    ids=["deep", "unbalanced", "not-utf8", "empty", "false", "too-large"],
)
def test_a_notice_with_the_right_token_never_answers_5xx(pingpong, data, status):
    answer = pingpong.test_client().post(f"/api/ber/webhook/{SECRET}", data=data, content_type="application/json")
    assert answer.status_code == status and answer.is_json

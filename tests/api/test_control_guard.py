"""The control API (``/_mock``) answers its owner only: a page on another site — which can send a
plain-text or form POST without asking first — is refused (403 for a foreign Origin or a cross-site
Sec-Fetch-Site, 415 for a state change that is not JSON), and the refused request changes nothing.
The library client (MockControl) and the bearer-token option keep working."""

from __future__ import annotations

import threading

import pytest
import requests
from flask import Flask
from sqlalchemy import MetaData
from werkzeug.serving import make_server

from betyg_harness.flows.mockctl import MockControl
from betyg_harness.mock_kit import init_mock
from tests.support.clock import START_MINUTE

MOVED = "2026-12-21T08:00"


def _noop_load(kit, document):
    return None


def make_app(tmp_path, **config) -> Flask:
    app = Flask("guarded")
    app.config.update(DATABASE=str(tmp_path / "guard.sqlite3"), SCHEDULER=False, LOG_REQUESTS=False, **config)
    init_mock(app, name="guarded", metadata=MetaData(), load_scenario=_noop_load)
    return app


@pytest.fixture
def client(tmp_path):
    app = make_app(tmp_path)
    yield app.test_client()
    app.extensions["mock_kit"].db.dispose()


def _moved(client) -> None:
    """Move the clock three days on, so a reset would show (it goes back to the scenario's start)."""
    assert client.post("/_mock/clock/advance", json={"days": 3}).status_code == 200
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)


def _assert_refused(response, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == f"error_{status}" and body["message"]
    assert any(word in body["message"] for word in ("webbplatser", "JSON")), body


def test_a_cross_site_plain_text_reset_is_refused_and_resets_nothing(client):
    _moved(client)
    response = client.post(
        "/_mock/reset", data="x", content_type="text/plain", headers={"Origin": "https://evil.example"}
    )
    _assert_refused(response, 403)
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)  # the clock did not go back


def test_a_plain_text_or_form_reset_without_origin_is_415_and_resets_nothing(client):
    _moved(client)
    for kwargs in (
        {"data": "x", "content_type": "text/plain"},
        {"data": {"a": "1"}},  # application/x-www-form-urlencoded
        {},
    ):  # no body, no content type
        _assert_refused(client.post("/_mock/reset", **kwargs), 415)
    _assert_refused(client.delete("/_mock/journal"), 415)
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        "http://localhost:1",
        "https://localhost",
        "http://localhost.evil.example",
        "http://ev\u00efl",
        "http://[::1",
        "garbage",
        "http://user@localhost",
    ],
)
def test_a_foreign_origin_is_refused_even_with_json(client, origin):
    _moved(client)
    _assert_refused(client.post("/_mock/reset", json={}, headers={"Origin": origin}), 403)
    _assert_refused(client.get("/_mock/state", headers={"Origin": origin}), 403)
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)


@pytest.mark.parametrize("site", ["cross-site", "same-site", "unknown"])
def test_a_cross_site_fetch_is_refused(client, site):
    _moved(client)
    _assert_refused(client.post("/_mock/reset", json={}, headers={"Sec-Fetch-Site": site}), 403)
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)


def test_the_mocks_own_origin_and_a_typed_address_pass(client):
    _moved(client)
    # The test client's host is localhost (port 80): the same origin, spelled as a browser would.
    for headers in (
        {"Origin": "http://localhost"},
        {"Origin": "http://LOCALHOST:80"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
    ):
        response = client.post("/_mock/clock/advance", json={"minutes": 1}, headers=headers)
        assert response.status_code == 200, (headers, response.get_json())
    body = client.post("/_mock/reset", json={}, headers={"Origin": "http://localhost"}).get_json()
    assert body["status"] == "reset" and body["now"].startswith(START_MINUTE)


def test_an_unparsable_host_with_an_origin_is_refused_not_a_500(client):
    response = client.post("/_mock/reset", json={}, headers={"Origin": "http://localhost", "Host": "[::1"})
    assert response.status_code == 400 and response.get_json()["code"] == "unknown_host"


# -- DNS rebinding: evil.example resolving to 127.0.0.1 makes Origin and Host agree ------------------
@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:80",
        "localhost.evil.example",
        "127.0.0.1.evil.example",
        "10.0.0.1",
        "[::2]",
        "evil.example:1:2",
        "l\u00f6calhost",
        "localhost@evil.example",
    ],
)
def test_a_foreign_host_with_its_own_origin_is_refused(client, host):
    _moved(client)
    origin = "http://" + host
    response = client.post("/_mock/reset", json={}, headers={"Host": host, "Origin": origin})
    assert response.status_code == 400, (host, response.status_code)
    body = response.get_json()
    assert body["code"] == "unknown_host" and "MOCK_ALLOWED_HOSTS" in body["message"]
    assert client.get("/_mock/state", headers={"Host": host}).status_code == 400
    assert client.get("/healthz", headers={"Host": host}).status_code == 400  # every request, not /_mock only
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:5001", "localhost.", "127.0.0.1:15301", "[::1]:5001", "[::ffff:127.0.0.1]"]
)
def test_the_loopback_names_pass(client, host):
    response = client.post("/_mock/clock/advance", json={"minutes": 1}, headers={"Host": host})
    assert response.status_code == 200, (host, response.get_json())


def test_names_in_the_setting_and_the_mocks_urls_pass(tmp_path, monkeypatch):
    from betyg_harness.mock_kit.config import build_config

    monkeypatch.setenv("MOCK_ALLOWED_HOSTS", "mocks.example, Other.Example")
    settings = build_config("GUARDED", {}, {"PINGPONG_URL": "http://pp.example:5001"})
    assert settings["ALLOWED_HOSTS"] == "mocks.example, Other.Example"
    app = make_app(tmp_path, **{k: settings[k] for k in ("ALLOWED_HOSTS", "PINGPONG_URL", "BER_URL")})
    client = app.test_client()
    for host in ("mocks.example:15301", "other.example", "pp.example:5001", "127.0.0.1:5002"):
        assert client.get("/_mock/clock", headers={"Host": host}).status_code == 200, host
    assert client.get("/_mock/clock", headers={"Host": "evil.example"}).status_code == 400
    app.config["ALLOWED_HOSTS"] = "*"  # any name: the token is the guard then
    assert client.get("/_mock/clock", headers={"Host": "evil.example"}).status_code == 200
    app.extensions["mock_kit"].db.dispose()


def test_a_rebound_name_is_refused_over_http(tmp_path):
    """The finding as made: a served mock, ``Host: evil.example:<port>`` with the matching Origin."""
    app = make_app(tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        mock = MockControl(f"http://127.0.0.1:{port}")
        mock.advance(days=3)
        evil = f"evil.example:{port}"
        answer = requests.post(
            f"http://127.0.0.1:{port}/_mock/reset",
            json={},
            timeout=10,
            headers={"Host": evil, "Origin": f"http://{evil}"},
        )
        assert answer.status_code == 400 and answer.json()["code"] == "unknown_host"
        assert mock.now().startswith(MOVED)  # not reset
        # The address the server is bound to passes, whatever it is.
        assert (
            requests.get(
                f"http://127.0.0.1:{port}/_mock/clock", timeout=10, headers={"Host": f"127.0.0.1:{port}"}
            ).status_code
            == 200
        )
    finally:
        server.shutdown()
        thread.join()
        app.extensions["mock_kit"].db.dispose()


def test_the_connections_own_address_is_known():
    from betyg_harness.mock_kit import hosts

    class Sock:
        def getsockname(self):
            return ("192.0.2.7", 5001)

    environ = {"werkzeug.socket": Sock()}
    assert hosts.is_known("192.0.2.7:5001", environ, set())
    assert not hosts.is_known("192.0.2.8:5001", environ, set())
    assert hosts.is_known("192.0.2.7", {"gunicorn.socket": Sock()}, set())


def test_a_body_less_json_post_resets(client):
    _moved(client)
    response = client.post("/_mock/reset", content_type="application/json")
    assert response.status_code == 200 and response.get_json()["now"].startswith(START_MINUTE)


def test_a_non_ascii_authorization_header_is_401_not_500(tmp_path):
    app = make_app(tmp_path, CONTROL_TOKEN="hemligt")
    client = app.test_client()
    for given in ("Bearer hemligt\u00e5", "Bearer \u00e5\u00e4\u00f6", "\u00ff"):
        response = client.get("/_mock/clock", headers={"Authorization": given})
        assert response.status_code == 401, (given, response.status_code)
    assert client.get("/_mock/clock", headers={"Authorization": "Bearer hemligt"}).status_code == 200
    app.extensions["mock_kit"].db.dispose()


def test_the_library_client_still_steers_the_mock(tmp_path):
    """MockControl over real HTTP: every state change it makes passes the guard."""
    app = make_app(tmp_path, CONTROL_TOKEN="hemligt")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        mock = MockControl(f"http://127.0.0.1:{server.server_port}", token="hemligt")
        assert mock.advance(days=3)["now"].startswith(MOVED)
        assert mock.reset()["now"].startswith(START_MINUTE)
        assert mock.set_clock(f"{MOVED}:00+01:00", freeze=True)["now"].startswith(MOVED)
        assert mock.clear_journal() == {"status": "cleared"}
        assert mock.clear_faults() == {"status": "cleared"}
        assert mock.end_sessions()["status"] == "ended"
        assert mock.now().startswith(MOVED)
    finally:
        server.shutdown()
        thread.join()
        app.extensions["mock_kit"].db.dispose()

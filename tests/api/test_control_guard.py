"""The control API (``/_mock``) answers its owner only: a page on another site — which can send a
plain-text or form POST without asking first — is refused (403 for a foreign Origin or a cross-site
Sec-Fetch-Site, 415 for a state change that is not JSON), and the refused request changes nothing.
The library client (MockControl) and the bearer-token option keep working."""
from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import MetaData
from werkzeug.serving import make_server

from betyg_harness.flows.mockctl import MockControl
from betyg_harness.mock_kit import init_mock

START = "2026-12-18T08:00"
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
    response = client.post("/_mock/reset", data="x", content_type="text/plain",
                           headers={"Origin": "https://evil.example"})
    _assert_refused(response, 403)
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)  # the clock did not go back


def test_a_plain_text_or_form_reset_without_origin_is_415_and_resets_nothing(client):
    _moved(client)
    for kwargs in ({"data": "x", "content_type": "text/plain"},
                   {"data": {"a": "1"}},  # application/x-www-form-urlencoded
                   {}):  # no body, no content type
        _assert_refused(client.post("/_mock/reset", **kwargs), 415)
    _assert_refused(client.delete("/_mock/journal"), 415)
    assert client.get("/_mock/clock").get_json()["now"].startswith(MOVED)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:1", "https://localhost",
                                    "http://localhost.evil.example", "http://ev\u00efl", "http://[::1", "garbage",
                                    "http://user@localhost"])
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
    for headers in ({"Origin": "http://localhost"}, {"Origin": "http://LOCALHOST:80"},
                    {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}):
        response = client.post("/_mock/clock/advance", json={"minutes": 1}, headers=headers)
        assert response.status_code == 200, (headers, response.get_json())
    body = client.post("/_mock/reset", json={}, headers={"Origin": "http://localhost"}).get_json()
    assert body["status"] == "reset" and body["now"].startswith(START)


def test_an_unparsable_host_with_an_origin_is_refused_not_a_500(client):
    response = client.post("/_mock/reset", json={}, headers={"Origin": "http://localhost", "Host": "[::1"})
    assert response.status_code == 403


def test_a_body_less_json_post_resets(client):
    _moved(client)
    response = client.post("/_mock/reset", content_type="application/json")
    assert response.status_code == 200 and response.get_json()["now"].startswith(START)


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
        assert mock.reset()["now"].startswith(START)
        assert mock.set_clock(f"{MOVED}:00+01:00", freeze=True)["now"].startswith(MOVED)
        assert mock.clear_journal() == {"status": "cleared"}
        assert mock.clear_faults() == {"status": "cleared"}
        assert mock.end_sessions()["status"] == "ended"
        assert mock.now().startswith(MOVED)
    finally:
        server.shutdown()
        thread.join()
        app.extensions["mock_kit"].db.dispose()

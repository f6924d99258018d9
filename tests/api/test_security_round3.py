"""Findings of the user trial after the second round (round three): Ping Pong's webhook secret is
not written down (journal, request logs, the serve folder), chunked bodies are bounded like announced
ones (413, on every read path, and the connection closed when the client asked), and
``POST /subscriptions`` checks ``expires`` as ``PATCH`` does. (The DNS-rebinding guard is in
test_control_guard.py, the server's own refusals in tests/e2e/test_server_errors.py, the webhook
targets in test_webhook_security.py.)"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
import requests
from werkzeug.serving import make_server

from betyg_harness.contracts import validate_ss12000
from betyg_harness.mock_kit.server import KeepAliveHandler
from betyg_harness.ports import free_port
from tests.api.live_pair import frozen

SECRET = "hemlig-token-Rd3"
MB = 1024 * 1024


def _pingpong(**config):
    from betyg_harness.mock_pingpong import create_app, get_syncer

    app = create_app(
        {
            "SCHEDULER": False,
            "SYNC_ON_LOAD": False,
            "LOG_REQUESTS": False,
            "BER_WEBHOOKS": True,
            "BER_URL": f"http://127.0.0.1:{free_port()}",
            "BER_TIMEOUT_SECONDS": 1,
            **config,
        }
    )
    get_syncer(app)._save(
        webhook={"id": str(uuid.uuid4()), "token": SECRET, "target": "x", "expires": "2099-01-01T00:00:00+00:00"}
    )
    return app


class _Served:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveHandler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        self.app.extensions["mock_kit"].db.dispose()


@pytest.fixture(scope="module")
def served():
    # The control API's limit made small, so a chunked body over it is a few megabytes, not 33.
    server = _Served(_pingpong(CONTROL_MAX_CONTENT_LENGTH=2 * MB))
    yield server
    server.close()


# -- 2. the webhook secret is not written down -----------------------------------------------------------
def test_the_secret_is_masked_in_the_journal_and_the_request_log(caplog):
    app = _pingpong(LOG_REQUESTS=True)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="mock_kit.requests"):
        assert client.post(f"/api/ber/webhook/{SECRET}", json={"modifiedEntites": ["Group"]}).status_code == 200
        assert client.post(f"/api/ber/webhook/{SECRET}x/more", json={}).status_code == 404
    entries = client.get("/_mock/journal", query_string={"path": "/api/ber/webhook"}).get_json()["entries"]
    assert [e["path"] for e in entries] == ["/api/ber/webhook/***", "/api/ber/webhook/***/more"]
    assert SECRET not in json.dumps(client.get("/_mock/journal").get_json())
    assert "/api/ber/webhook/***" in caplog.text and SECRET not in caplog.text
    # The journal's path filter still finds the receiver's entries.
    assert client.get("/_mock/journal", query_string={"path": "/api/ber/webhook/*"}).get_json()["entries"]
    app.extensions["mock_kit"].db.dispose()


def test_the_servers_own_log_lines_mask_the_secret(served, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert requests.post(f"{served.url}/api/ber/webhook/{SECRET}", json={}, timeout=30).status_code == 200
        # A refusal by the server itself logs the path it could read.
        assert requests.get(f"{served.url}/api/ber/webhook/{SECRET}?{'x' * 70_000}", timeout=30).status_code == 414
    assert caplog.text.count("/api/ber/webhook/***") >= 2, caplog.text
    assert SECRET not in caplog.text


def _wait(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)  # sleep-ok: polling a process we started, which has no other readiness signal
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and signals")
def test_the_serve_folder_is_private_and_removed_after_sigterm(tmp_path):
    pingpong_port, ber_port = free_port(), free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    for key in ("PINGPONG_URL", "BER_URL"):
        env.pop(key, None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "betyg_harness.serve",
            "--pingpong-port",
            str(pingpong_port),
            "--ber-port",
            str(ber_port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        folder = _wait(lambda: next(tmp_path.glob("betyg-serve-*"), None), "the serve folder")
        pingpong = f"http://127.0.0.1:{pingpong_port}"
        _wait(lambda: _healthy(pingpong), "Ping Pong")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for log in ("pingpong.log", "ber.log"):
            assert stat.S_IMODE((folder / log).stat().st_mode) == 0o600, log
        requests.post(f"{pingpong}/api/ber/webhook/{SECRET}", json={}, timeout=30)
        log = folder / "pingpong.log"
        _wait(lambda: "/api/ber/webhook/***" in log.read_text(errors="replace"), "the masked line in the log")
        assert SECRET not in log.read_text(errors="replace")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not folder.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


# -- 3. chunked bodies are bounded -------------------------------------------------------------------------
def _chunked(
    port: int, method: str, path: str, body: bytes, headers: dict[str, str], *, chunk: int = 64 * 1024
) -> tuple[int, dict[str, str], bytes, bool]:
    """Send ``body`` chunked over a raw socket, then read the answer until the server closes.
    Returns (status, headers, body, closed): ``closed`` is False when the server kept the connection
    open (the read timed out) instead of closing it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    received, closed = b"", False
    try:
        sock.sendall(head.encode("latin-1"))
        try:
            for start in range(0, len(body), chunk):
                part = body[start : start + chunk]
                sock.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body went out
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    closed = True
                    break
                received += data
        except socket.timeout:
            closed = False
        except ConnectionResetError:
            closed = True
    finally:
        sock.close()
    header_block, _, payload = received.partition(b"\r\n\r\n")
    lines = header_block.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    parsed = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, parsed, payload, closed


def _login_form(served) -> tuple[str, str]:
    """(cookie header, the login form's CSRF token) of a fresh session."""
    session = requests.Session()
    page = session.get(f"{served.url}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert token, page
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return cookie, token.group(1)


def _logged_in(served, cookie_header: str) -> bool:
    answer = requests.get(f"{served.url}/", headers={"Cookie": cookie_header}, allow_redirects=False, timeout=30)
    return not (answer.status_code in (302, 303) and "/login" in answer.headers.get("Location", ""))


FORM = "application/x-www-form-urlencoded"


def test_a_chunked_login_under_the_limit_still_logs_in(served):
    cookie, token = _login_form(served)
    body = f"csrf_token={token}&username=betygsadmin&password=betygsadmin".encode()
    status, headers, _, _ = _chunked(served.port, "POST", "/login", body, {"Content-Type": FORM, "Cookie": cookie})
    assert status in (302, 303), status
    new_cookie = headers.get("set-cookie", "").split(";", 1)[0]
    assert _logged_in(served, new_cookie or cookie)


def test_a_chunked_login_over_the_limit_is_413_and_logs_nobody_in(served):
    """The finding: a 3 MB chunked login POST went through (werkzeug stopped reading at 1 MB and
    parsed the form from what it had)."""
    cookie, token = _login_form(served)
    body = f"csrf_token={token}&username=betygsadmin&password=betygsadmin&pad=".encode() + b"x" * (3 * MB)
    status, headers, payload, closed = _chunked(
        served.port, "POST", "/login", body, {"Content-Type": FORM, "Cookie": cookie, "Connection": "close"}
    )
    assert status == 413, (status, payload[:300])
    assert "För mycket data" in payload.decode("utf-8", "replace")
    assert headers.get("content-security-policy") and headers.get("x-content-type-options") == "nosniff"
    assert closed, "the server kept the connection open although the client asked to close it"
    assert headers.get("set-cookie") is None or not _logged_in(served, headers["set-cookie"].split(";", 1)[0])
    assert not _logged_in(served, cookie)


def test_40_mb_chunked_without_csrf_is_413_not_400(served):
    body = b"username=a&password=b&pad=" + b"x" * (40 * MB)
    status, _, payload, closed = _chunked(
        served.port, "POST", "/login", body, {"Content-Type": FORM, "Connection": "close"}, chunk=MB
    )
    assert status == 413, (status, payload[:300])
    assert closed


def test_a_chunked_multipart_upload_over_the_limit_is_413(served):
    boundary = "grans"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="fil"; filename="a.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + b"y" * (2 * MB)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _, payload, closed = _chunked(
        served.port,
        "POST",
        "/login",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}", "Connection": "close"},
    )
    assert status == 413, (status, payload[:300])
    assert closed


def test_a_chunked_json_body_over_the_control_apis_limit_is_413_json(served):
    body = b'{"name": "default", "pad": "' + b"z" * (3 * MB) + b'"}'
    status, headers, payload, closed = _chunked(
        served.port, "POST", "/_mock/scenario", body, {"Content-Type": "application/json", "Connection": "close"}
    )
    assert status == 413, (status, payload[:300])
    assert headers["content-type"].startswith("application/json")
    assert json.loads(payload)["code"] == "payload_too_large"
    assert closed


def test_a_chunked_json_body_over_the_limit_is_413_in_the_ss12000_format():
    """get_json (and get_data) through the test client, with a stream as the server hands it over."""
    import io
    from betyg_harness.mock_ber import create_app

    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "SCENARIO": frozen()})
    body = b'{"name": "t", "pad": "' + b"z" * (2 * MB) + b'"}'
    answer = app.test_client().post(
        "/ss12000/v2.1/subscriptions",
        input_stream=io.BytesIO(body),
        headers={"Authorization": "Bearer ber-dev-token", "Content-Type": "application/json"},
        # As the server hands a chunked body over: no length, the stream ends itself.
        environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert answer.status_code == 413, answer.get_data(as_text=True)[:300]
    validate_ss12000(answer.get_json(), "Error")
    # Exactly at the limit is still read whole (the bound is "more than", as for Content-Length).
    from betyg_harness.mock_kit.app import BoundedStream

    assert BoundedStream(io.BytesIO(b"a" * 10), 10).read() == b"a" * 10
    with pytest.raises(Exception) as raised:
        BoundedStream(io.BytesIO(b"a" * 11), 10).read()
    assert getattr(raised.value, "code", None) == 413
    app.extensions["mock_kit"].db.dispose()


# -- 5. POST /subscriptions checks expires as PATCH does ------------------------------------------------------
@pytest.fixture(scope="module")
def ber():
    from betyg_harness.mock_ber import create_app

    app = create_app(
        {"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": "http://127.0.0.1:5999", "SCENARIO": frozen()}
    )
    yield app
    app.extensions["mock_kit"].db.dispose()


AUTH = {"Authorization": "Bearer ber-dev-token"}
SUBS = "/ss12000/v2.1/subscriptions"


def _subscribe(client, **extra):
    return client.post(
        SUBS,
        headers=AUTH,
        json={
            "name": "t",
            "target": "http://127.0.0.1:5999/api/ber/webhook/abc",
            "resourceTypes": [{"resource": "Person"}],
            **extra,
        },
    )


@pytest.mark.parametrize(
    "expires",
    [
        "i morgon",
        "2026-13-40T00:00:00Z",
        17,
        None,
        True,
        ["2027-01-01"],
        "2020-01-01T00:00:00+00:00",
        "2099-01-01T00:00:00+00:00",
        "",
    ],
)
def test_a_bad_expires_is_400_on_post_as_on_patch(ber, expires):
    client = ber.test_client()
    ber.extensions["mock_kit"].reset()
    answer = _subscribe(client, expires=expires)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    body = answer.get_json()
    validate_ss12000(body, "Error")
    assert "expires" in body["message"]
    assert client.get(SUBS, headers=AUTH).get_json()["data"] == []  # nothing was made
    made = _subscribe(client).get_json()["id"]
    patched = client.patch(f"{SUBS}/{made}", headers=AUTH, json={"expires": expires})
    assert patched.status_code == 400 and patched.get_json()["message"] == body["message"]


def test_a_good_expires_on_post_is_kept(ber):
    client = ber.test_client()
    kit = ber.extensions["mock_kit"]
    kit.reset()
    wanted = (kit.clock.now() + timedelta(days=7)).replace(microsecond=0)
    answer = _subscribe(client, expires=wanted.isoformat())
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert datetime.fromisoformat(answer.get_json()["expires"].replace("Z", "+00:00")) == wanted
    without = _subscribe(client).get_json()["expires"]  # none given: now + the lifetime, as before
    assert datetime.fromisoformat(without.replace("Z", "+00:00")) - kit.clock.now() > timedelta(days=29)


def test_the_serve_help_says_where_the_data_is():
    out = subprocess.run(
        [sys.executable, "-m", "betyg_harness.serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0
    assert "hemligheter" in out.stdout and "0700" in out.stdout

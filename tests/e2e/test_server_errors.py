"""The refusals the HTTP server makes before Flask sees a request (a request line over its 64 KiB
limit: 414; headers over its limits: 431; HTTP/2.0: 505) are the system's own answers too, over real
HTTP: the Swedish page, or the API's error format under an API, with the security headers."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from betyg_harness.contracts import validate_ss12000


@pytest.mark.parametrize("which, layout", [("pingpong", "Lärportalen"), ("ber", "BER – Barn- och elevregistret")])
@pytest.mark.parametrize("length", [10_000, 70_000])  # over the app's limit; over the server's own
def test_a_very_long_address_is_refused_in_swedish(mock_servers, which, layout, length):
    server = getattr(mock_servers, which)
    response = requests.get(f"{server.url}/login?q={'x' * length}", timeout=30)
    assert response.status_code == 414
    assert "Adressen är för lång" in response.text and layout in response.text
    assert "Request-URI Too Long" not in response.text and "Error response" not in response.text
    assert server.healthy()  # and the server keeps serving


# -- round three: every refusal of the server layer, with the house's headers and formats ---------------
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def _read_to_end(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while data := sock.recv(65536):
        received += data
    return received


def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        received = _read_to_end(sock)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _refused_by_the_server(status: int, path: str) -> bytes:
    if status == 414:
        return f"GET {path}?q={'x' * 70_000} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    if status == 431:
        return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stor: {'y' * 70_000}\r\n\r\n".encode()
    if status == 505:
        return f"GET {path} HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n".encode()
    raise AssertionError(status)


@pytest.mark.parametrize(
    "status, text", [(414, "Adressen är för lång"), (431, "rubriker är för stora"), (505, "HTTP-version")]
)
@pytest.mark.parametrize(
    "which, path, kind",
    [
        ("pingpong", "/login", "page"),
        ("ber", "/login", "page"),
        ("ber", "/ss12000/v2.1/persons", "ss12000"),
        ("pingpong", "/_mock/state", "json"),
        ("ber", "/_mock/state", "json"),
        ("pingpong", "/api/ber/webhook/okand", "json"),
        ("pingpong", "/api/skolplattform/betyg", "xml"),
    ],
)
def test_the_servers_refusals_carry_the_houses_headers_and_formats(mock_servers, status, text, which, path, kind):
    server = getattr(mock_servers, which)
    answered, headers, body = _raw(server.url, _refused_by_the_server(status, path))
    assert answered == status
    for header in SECURITY_HEADERS:
        assert headers.get(header), (header, headers)
    assert headers["content-length"] == str(len(body))
    decoded = body.decode("utf-8")
    assert text in decoded
    if kind == "page":
        assert (
            headers["content-type"].startswith("text/html") and "<html" in decoded and "Error response" not in decoded
        )
    elif kind == "xml":
        assert headers["content-type"].startswith(("application/xml", "text/xml")) and "<error>" in decoded
    else:
        assert headers["content-type"].startswith("application/json")
        document = json.loads(body)
        assert document["code"] and text in document["message"]
        if kind == "ss12000":
            validate_ss12000(document, "Error")
    assert server.healthy()


def test_a_refusal_after_a_kept_alive_request_says_it_closes(mock_servers):
    """A body-less request keeps its connection open; a refusal on the same connection still says
    ``Connection: close`` (and closes)."""
    host, port = mock_servers.pingpong.url.rsplit("/", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first or not first.rstrip().endswith(b"}"):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /login HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n")
        second = _read_to_end(sock)
    assert second.startswith(b"HTTP/1.1 505") and b"\r\nConnection: close\r\n" in second

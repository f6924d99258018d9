"""Serving a mock as its own process: ``python -m betyg_harness.mock_ber`` / ``python -m betyg_harness.mock_pingpong``."""

from __future__ import annotations

import argparse
import io
import logging
import os
import signal
import sys
from typing import Callable, Iterable, cast

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from betyg_harness import add_version_option
from betyg_harness.mock_kit import memory
from betyg_harness.mock_kit.app import start_background
from betyg_harness.mock_kit.error_pages import render_outside_request, request_path


DRAIN_WAIT_SECONDS = 0.25  # after answering, how long a pause in the client's sending ends the discarding


class _Drain:
    """The request's socket file once the answer is out: ``read`` gives what arrives within
    ``DRAIN_WAIT_SECONDS`` (one receive), and b"" at a pause or an error, never blocking for a
    body's full length."""

    def __init__(self, rfile, connection):
        self._rfile, self._connection = rfile, connection

    def read(self, size: int = -1) -> bytes:
        try:
            self._connection.settimeout(DRAIN_WAIT_SECONDS)
            return self._rfile.read1(size if size and size > 0 else 65536)
        except (OSError, ValueError):
            return b""

    def __getattr__(self, name):
        return getattr(self._rfile, name)


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug closes every connection, because it cannot tell where an unread request body ends
    before the next request. A request without a body has no such end to find: its connection stays
    open, so Ping Pong's calls to BER, browsers and test clients skip a TCP connect and a new server
    thread on every request. Requests with a body are answered and closed as before."""

    timeout = 300  # an idle kept-alive connection is closed after this many seconds
    # Headers and body go out as two writes: with Nagle's algorithm the body of a kept-alive answer
    # would wait for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        self._keep_alive = not self.close_connection and self._without_body()
        if not self._keep_alive:
            socket_file = self.rfile
            try:
                return super().run_wsgi()
            finally:
                self.rfile = socket_file
        socket_file = self.rfile
        # After answering, werkzeug reads whatever the client sent next and throws it away (it
        # would be an unread body); here that is the next request, so it reads an empty body instead.
        self.rfile = io.BytesIO(b"")
        try:
            return super().run_wsgi()
        finally:
            self.rfile = socket_file

    def _without_body(self) -> bool:
        headers = self.headers
        return (
            headers.get("Content-Length", "0").strip() in ("", "0")
            and "Transfer-Encoding" not in headers
            and "Expect" not in headers
        )

    def end_headers(self) -> None:
        super().end_headers()
        if not getattr(self, "_keep_alive", True) and not isinstance(self.rfile, _Drain):
            # The answer is going out: what werkzeug reads from now on is the unread rest of the body,
            # thrown away (so a client still sending sees a 413, not a reset). It must not wait for
            # more than arrives, or a client that sent everything and waits for the close
            # ("Connection: close") would wait until the server's timeout.
            # _Drain has what werkzeug reads (read, readline), not all of BufferedIOBase.
            self.rfile = _Drain(self.rfile, self.connection)  # type: ignore[assignment]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The server's own refusals (a request line over its 64 KiB limit: 414; headers over its
        limits: 431; HTTP/2.0 and other versions it does not speak: 505; bad syntax: 400) as the app
        answers for that path (mock_kit.error_pages.render_outside_request): the Swedish page, the API's
        error format or the control API's JSON, with the security headers — not http.server's
        English page."""
        try:
            path = request_path(getattr(self, "raw_requestline", b""))
            response = render_outside_request(cast(Flask, self.server.app), code, path)
            body = b"".join(cast("Iterable[bytes]", response.response))  # a rendered page: bytes
        except Exception:  # never fail while failing: fall back to the standard page
            return super().send_error(code, message, explain)
        self._keep_alive = False  # a refusal closes the connection, after an earlier kept-alive request too
        self.log_error("code %d, message %s, path %s", code, message, path)
        if not self.request_version or self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # http.server writes no status line for HTTP/0.9
        self.send_response(code)  # the standard reason: ``message`` may quote the client's bytes
        for header, value in response.headers.items():
            if header.lower() != "content-length":
                self.send_header(header, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)
        self.close_connection = True

    def log(self, type: str, message: str, *args) -> None:
        """Every line the server logs (requests, errors), a secret path segment masked
        (``MockKit.secret_paths``: Ping Pong's webhook token is not for its log file)."""
        text = message % args if args else message
        kit = getattr(self.server, "app", None) and cast(Flask, self.server.app).extensions.get("mock_kit")
        super().log(type, "%s", kit.shown_path(text) if kit is not None else text)

    def send_header(self, keyword: str, value: str) -> None:
        if getattr(self, "_keep_alive", False) and keyword.lower() == "connection" and value.lower() == "close":
            return  # keep the connection (HTTP/1.1 default); Flask sends whole bodies with a length
        super().send_header(keyword, value)


def serve(app: Flask, host: str, port: int) -> None:
    server = make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler)
    start_background(app)
    kit = app.extensions["mock_kit"]
    print(f"{kit.name} lyssnar på http://{host}:{server.server_port}", flush=True)

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        kit.scheduler.stop()
        server.server_close()


def gunicorn_app(create_app: Callable[[dict], Flask]) -> Flask:
    """The app for one gunicorn worker: the mock in shared mode (the clock, the jobs' schedule, the
    journal and the faults in the database; each periodic job run by one worker at a time), its
    configuration from the environment (``<PREFIX>_DATABASE``, ``<PREFIX>_SCENARIO``, ...)."""
    memory.tune()
    logging.basicConfig(
        level=os.environ.get("MOCK_LOG_LEVEL", "WARNING").upper(), stream=sys.stderr, format="%(message)s"
    )
    app = create_app({"MULTI_PROCESS": True})
    start_background(app)
    return app


def main(
    create_app: Callable[[dict], Flask], *, name: str, env_prefix: str, default_port: int, argv: list[str] | None = None
) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m betyg_harness.{name}", description=f"Kör {name}-mocken.")
    add_version_option(parser)
    parser.add_argument("--host", default=os.environ.get(f"{env_prefix}_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get(f"{env_prefix}_PORT", default_port)))
    parser.add_argument("--database", help="SQLite-fil eller SQLAlchemy-URL (standard: en temporär fil)")
    parser.add_argument("--scenario", help="scenarionamn i fixtures/scenarios eller en sökväg")
    parser.add_argument("--log-level", default=os.environ.get("MOCK_LOG_LEVEL", "WARNING"))
    args = parser.parse_args(argv)
    memory.tune()  # before the app allocates anything
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(message)s")
    config = {}
    if args.database:
        config["DATABASE"] = args.database
    if args.scenario:
        config["SCENARIO"] = args.scenario
    serve(create_app(config), args.host, args.port)
    return 0

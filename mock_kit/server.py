"""Serving a mock as its own process: ``python -m mock_ber`` / ``python -m mock_pingpong``."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Callable

from flask import Flask
from werkzeug.serving import make_server

from mock_kit.app import start_background


def serve(app: Flask, host: str, port: int) -> None:
    server = make_server(host, port, app, threaded=True)
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


def main(create_app: Callable[[dict], Flask], *, name: str, env_prefix: str, default_port: int,
         argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=f"Kör {name}-mocken.")
    parser.add_argument("--host", default=os.environ.get(f"{env_prefix}_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get(f"{env_prefix}_PORT", default_port)))
    parser.add_argument("--database", help="SQLite-fil eller SQLAlchemy-URL (standard: en temporär fil)")
    parser.add_argument("--scenario", help="scenarionamn i fixtures/scenarios eller en sökväg")
    parser.add_argument("--log-level", default=os.environ.get("MOCK_LOG_LEVEL", "WARNING"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(message)s")
    config = {}
    if args.database:
        config["DATABASE"] = args.database
    if args.scenario:
        config["SCENARIO"] = args.scenario
    serve(create_app(config), args.host, args.port)
    return 0

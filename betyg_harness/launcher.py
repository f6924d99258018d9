"""Starting the two mocks as separate processes and steering them over their control API.

Used by the pytest plugin, ``make serve`` and ``make demo``. Each mock runs as
``python -m betyg_harness.mock_ber`` / ``python -m betyg_harness.mock_pingpong`` with its own database file, and they find
each other through ``PINGPONG_URL`` / ``BER_URL`` — real HTTP, as in production.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from betyg_harness.flows.mockctl import MockControl
from betyg_harness.ports import free_port
from betyg_harness.mock_kit.config import SHARED_ENV


class MockStartError(RuntimeError):
    pass


class MockServer(MockControl):
    """A running mock (a child process, or one given by URL) and its control API."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        process: subprocess.Popen | None = None,
        log_path: Path | None = None,
        control_token: str | None = None,
    ):
        super().__init__(url, token=control_token, name=name)
        self.process = process
        self.log_path = log_path
        self.spawn: Callable[[], subprocess.Popen] | None = None  # how to start it again

    def kill(self) -> None:
        """SIGKILL, as a crash: no shutdown code runs (the database keeps what was committed)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self, timeout: float = 30) -> None:
        """Start the same mock again on the same port and database (after :meth:`kill` or :meth:`stop`)."""
        if self.spawn is None:
            raise MockStartError(f"{self.name} startades inte härifrån och kan inte startas om.")
        self.stop()
        self.process = self.spawn()
        _wait_healthy(self, timeout)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class MockPair:
    pingpong: MockServer
    ber: MockServer
    # The scenario start_mocks loaded (the plugin's mock_servers sets it; the scenario fixture then
    # skips reloading it): not a constructor argument, not part of equality.
    loaded: str | None = field(default=None, init=False, repr=False, compare=False)

    def __iter__(self):
        return iter((self.pingpong, self.ber))

    def load_scenario(self, scenario: str | dict) -> None:
        # BER first: Ping Pong syncs from BER right after it loads.
        self.ber.load_scenario(scenario)
        self.pingpong.load_scenario(scenario)

    def reset(self) -> None:
        self.ber.reset()
        self.pingpong.reset()

    def set_clock(self, now: str | None = None, *, freeze: bool | None = None) -> None:
        for server in (self.pingpong, self.ber):
            server.set_clock(now, freeze=freeze)

    def advance(self, **delta) -> dict:
        """Advance both clocks; Ping Pong first, so BER never polls for a time Ping Pong has not reached."""
        self.pingpong.advance(**delta)
        return self.ber.advance(**delta)

    def stop(self) -> None:
        for server in (self.pingpong, self.ber):
            server.stop()


def _spawn(
    module: str,
    port: int,
    env: dict,
    database: Path | str,
    scenario: str | None,
    log_path: Path,
    host: str,
    workers: int = 0,
) -> subprocess.Popen:
    """One mock: ``python -m <module>`` (werkzeug, one process), or with ``workers`` gunicorn with
    that many worker processes sharing the database (a URL, normally PostgreSQL)."""
    if workers:
        prefix = "PINGPONG" if module.endswith("pingpong") else "BER"
        env = {**env, f"{prefix}_DATABASE": str(database)}
        if scenario:
            env[f"{prefix}_SCENARIO"] = scenario
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "8",
            "--timeout",
            "300",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            f"{module}.wsgi:app",
        ]
    else:
        cmd = [sys.executable, "-m", module, "--host", host, "--port", str(port), "--database", str(database)]
        if scenario:
            cmd += ["--scenario", scenario]
    # The log may hold what a request carried (a secret is masked, but the log is the owner's only).
    with os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _wait_healthy(server: MockServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            tail = server.log_path.read_text(errors="replace")[-3000:] if server.log_path else ""
            raise MockStartError(f"{server.name} avslutades vid start (kod {server.process.returncode}):\n{tail}")
        if server.healthy():
            return
        time.sleep(0.05)  # polling a child process we started; it has no other readiness signal
    raise MockStartError(f"{server.name} svarade inte på {server.url}/healthz inom {timeout} s")


def start_mocks(
    scenario: str | None = "default",
    workdir: Path | str | None = None,
    *,
    pingpong_port: int | None = None,
    ber_port: int | None = None,
    host: str = "127.0.0.1",
    extra_env: dict | None = None,
    timeout: float = 30,
    workers: int = 0,
    databases: dict[str, str] | None = None,
) -> MockPair:
    """Start BER and Ping Pong on free (or given) ports, each with its own database in ``workdir``
    (or at ``databases["pingpong"]`` / ``databases["ber"]``, URLs). ``workers`` > 0 serves each with
    gunicorn and that many processes (their database must be one all can reach: PostgreSQL)."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="betyg-mocks-"))  # mkdtemp: mode 0700
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)  # databases and logs: the owner's only
    pingpong_port = pingpong_port or free_port()
    ber_port = ber_port or free_port()
    env = dict(os.environ)
    for key, default in SHARED_ENV.items():
        env.setdefault(key, default)
    env.update(
        {
            "PINGPONG_URL": f"http://{host}:{pingpong_port}",
            "BER_URL": f"http://{host}:{ber_port}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra_env or {})
    ber_log, pingpong_log = workdir / "ber.log", workdir / "pingpong.log"
    ber = MockServer("BER", env["BER_URL"], log_path=ber_log)
    pingpong = MockServer("Ping Pong", env["PINGPONG_URL"], log_path=pingpong_log)
    databases = databases or {}
    ber.spawn = functools.partial(
        _spawn,
        "betyg_harness.mock_ber",
        ber_port,
        env,
        databases.get("ber", workdir / "ber.sqlite3"),
        scenario,
        ber_log,
        host,
        workers,
    )
    pingpong.spawn = functools.partial(
        _spawn,
        "betyg_harness.mock_pingpong",
        pingpong_port,
        env,
        databases.get("pingpong", workdir / "pingpong.sqlite3"),
        scenario,
        pingpong_log,
        host,
        workers,
    )
    ber.process = ber.spawn()
    try:
        _wait_healthy(ber, timeout)
        pingpong.process = pingpong.spawn()
        _wait_healthy(pingpong, timeout)
    except BaseException:
        ber.stop()
        pingpong.stop()
        raise
    return MockPair(pingpong=pingpong, ber=ber)


def connect_mocks(pingpong_url: str, ber_url: str, control_token: str | None = None) -> MockPair:
    """Already running mocks, e.g. given with ``--pingpong-url`` / ``--ber-url``."""
    return MockPair(
        pingpong=MockServer("Ping Pong", pingpong_url, control_token=control_token),
        ber=MockServer("BER", ber_url, control_token=control_token),
    )

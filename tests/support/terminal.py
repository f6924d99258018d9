"""The robot in a pseudo-terminal, held at a chosen request by a latency fault: how the tests stop it
as a person does (Ctrl-C, SIGTERM) at a moment of their choosing."""

from __future__ import annotations

import os
import sys
import time

import pexpect

from betyg_harness.flows import MockControl
from tests.support.robot import ROOT


def in_terminal(args: list[str], pingpong_server, ber_server) -> pexpect.spawn:
    """The robot in a pseudo-terminal of its own, as a person starts it."""
    env = {
        **os.environ,
        "PINGPONG_URL": pingpong_server.url,
        "BER_URL": ber_server.url,
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm",
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "betyg_harness.flows", *args],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        codec_errors="replace",
        timeout=120,
        dimensions=(50, 220),
    )


def hold(pingpong_server, path: str, *, method: str = "POST", seconds: float = 6) -> int:
    """Every request of this kind waits ``seconds`` before it is handled; the rule's id."""
    return MockControl(pingpong_server.url).add_fault(
        path=path, method=method, latency_ms=int(seconds * 1000), times=1
    )["id"]


def caught(pingpong_server, rule: int, *, within: float = 60) -> None:
    """Until the mock holds a request of ``rule`` (a rule of ``times=1`` is gone once it caught one):
    the robot is at that moment now."""
    control = MockControl(pingpong_server.url)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(r["id"] == rule and not r["hits"] for r in control.faults()):
            return
        time.sleep(0.05)  # sleep-ok: polling the mock for the moment to press the key
    raise AssertionError("the robot never reached the held request")


def finished(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    return child.before or ""

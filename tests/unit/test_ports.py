"""``betyg_harness.ports``: the one free port, which the launcher and the browser server share."""

from __future__ import annotations

import socket

from betyg_harness import browser_server, launcher, ports


def test_a_free_port_can_be_listened_on():
    port = ports.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
    assert 0 < port < 65536


def test_the_tools_use_the_one_function():
    assert launcher.free_port is ports.free_port and browser_server.free_port is ports.free_port

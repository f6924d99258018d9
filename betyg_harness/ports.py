"""A free TCP port on the loopback interface: for the mocks, a browser server, a local PostgreSQL.

In the floor so that a tool without the mocks' extras (the remote browser server) finds it too.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the system's pick; another process may take it before use)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

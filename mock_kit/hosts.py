"""Which ``Host`` a mock answers to: its own names only (a guard against DNS rebinding).

A page on ``evil.example`` whose name is made to resolve to 127.0.0.1 talks to the mock as the same
origin — ``Origin`` and ``Host`` both say ``evil.example``, so no origin check can tell. What the
mock can tell is that ``evil.example`` is not one of its names. Known names:

* the loopback names ``localhost``, ``127.0.0.1`` and ``::1``;
* the address the request came in on (the connection's local address: the address the server is
  bound to, or with a wildcard binding the interface the client reached);
* the hosts of ``PINGPONG_URL``, ``BER_URL`` and ``WEBHOOK_BASE_URL`` (how the mocks and BER's
  notices address each other);
* ``ALLOWED_HOSTS`` (env ``MOCK_ALLOWED_HOSTS`` for both mocks or ``<PREFIX>_ALLOWED_HOSTS`` for
  one; comma-separated names, ``*`` for any host — then the control token is the only guard).

The port is not compared (a name is what a rebinding attack must bring); a trailing dot and case
are ignored. Any other ``Host``, or one that does not parse, is a 400 in the answering part's
format, before anything else runs.
"""

from __future__ import annotations

from collections.abc import Callable

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
URL_SETTINGS = ("PINGPONG_URL", "BER_URL", "WEBHOOK_BASE_URL")
UNKNOWN_HOST_MESSAGE = (
    "Okänd värd i adressen. Mocken svarar bara på sina egna namn (localhost, 127.0.0.1 och "
    "de som anges i MOCK_ALLOWED_HOSTS)."
)


def normalise(name: str) -> str:
    """A host name as compared: lower case, no brackets or trailing dot, an IP address in its
    canonical spelling (``::ffff:127.0.0.1`` is 127.0.0.1)."""
    name = name.strip().lower().strip("[]").rstrip(".")
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return name
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def host_name(host: str) -> str | None:
    """The name in a ``Host`` header (``name``, ``name:port``, ``[v6]:port``); None when it does not parse."""
    if not host or any(c in host for c in "/\\?#@ \t\r\n") or host.count("[") > 1:
        return None
    try:
        parts = urlsplit(f"http://{host}")
        parts.port  # noqa: B018 — a bad port raises here
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return normalise(parts.hostname)


def configured(config) -> set[str]:
    """The names the configuration gives: ``ALLOWED_HOSTS`` and the hosts of the mocks' URLs."""
    names: set[str] = set()
    listed = config.get("ALLOWED_HOSTS") or ()
    if isinstance(listed, str):
        listed = listed.split(",")
    names.update(normalise(str(entry)) for entry in listed if str(entry).strip())
    for key in URL_SETTINGS:
        value = config.get(key)
        if not value:
            continue
        try:
            hostname = urlsplit(str(value)).hostname
        except ValueError:
            continue
        if hostname:
            names.add(normalise(hostname))
    return names


def local_address(environ: dict) -> str | None:
    """The address the connection came in on (werkzeug's and gunicorn's sockets), if known."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    try:
        return normalise(str(sock.getsockname()[0])) if sock is not None else None
    except (OSError, AttributeError, IndexError, TypeError):
        return None


def is_known(host: str, environ: dict, allowed: "set[str] | Callable[[], set[str]]") -> bool:
    """Whether ``host`` (the request's ``Host``) names this mock. ``allowed`` may be a callable, so
    that a loopback name (nearly every request) is answered without reading the configuration."""
    name = host_name(host)
    if name in LOOPBACK_NAMES:
        return True
    names = allowed() if callable(allowed) else allowed
    if "*" in names:
        return True
    return name is not None and (name in names or name == local_address(environ))

"""The helpers every suite would otherwise write by hand, as fixtures of the pytest plugin
(registered by :mod:`betyg_harness.plugin`).

- ``ss12000`` / ``grade_api``: clients for BER's SS 12000 API and Ping Pong's grade API
  (:mod:`betyg_harness.flows.api`), with the mocks' tokens.
- ``pingpong_as(user)`` / ``ber_as(user)``: a :class:`flows.PingPong` / :class:`flows.Ber` logged in
  as another user of the scenario, in a browser context of its own.

Each one is a plain pytest fixture: a fixture of the same name in your ``conftest.py`` overrides it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from betyg_harness import flows
from betyg_harness.flows.api import GradeApiClient, Ss12000Client


def _token(name: str) -> str:
    from betyg_harness.mock_kit.config import SHARED_ENV

    return os.environ.get(name) or SHARED_ENV[name]


@pytest.fixture
def ss12000(scenario, mock_servers) -> Iterator[Ss12000Client]:
    """A client for BER's SS 12000 v2.1 API (function scope; the scenario reset first):
    :class:`flows.Ss12000Client` at ``mock_servers.ber.url`` with the token of ``BER_API_TOKEN`` (the
    mocks' development token when unset). ``ss12000.get(path, **params)`` is one request's JSON,
    ``ss12000.all(path, **params)`` every page of a list; typed helpers ``persons()``, ``groups()``,
    ``person(id)``, ``person_by_civic_no(pnr)``, ``grades(**filters)``, ``grades_of(pnr)``…; a non-2xx
    answer raises :class:`flows.ApiError` with the API's ``code`` and ``message``. Override it with a
    fixture ``ss12000`` of your own (e.g. another token)."""
    client = Ss12000Client(mock_servers.ber.url, _token("BER_API_TOKEN"))
    yield client
    client.http.close()


@pytest.fixture
def grade_api(scenario, mock_servers) -> Iterator[GradeApiClient]:
    """A client for Ping Pong's grade API ``/api/skolplattform/betyg`` (function scope; the scenario
    reset first): :class:`flows.GradeApiClient` at ``mock_servers.pingpong.url`` with the token of
    ``PINGPONG_API_TOKEN`` (the mocks' development token when unset). ``grade_api.grades(start, end)``
    returns the parsed records (:class:`flows.GradeRecord`) of ``[start, end)`` (datetimes or
    ``yyyy-MM-ddTHH:mm``, mock time); ``document(...)`` the XML itself; errors raise
    :class:`flows.ApiError`. Override it with a fixture ``grade_api`` of your own."""
    client = GradeApiClient(mock_servers.pingpong.url, _token("PINGPONG_API_TOKEN"))
    yield client
    client.http.close()


def _account(scenario: dict, system: str, user: str) -> dict:
    accounts = (scenario.get("accounts") or {}).get(system) or []
    wanted = user.strip().casefold()
    for account in accounts:
        if account.get("username") == user or (account.get("name") or "").casefold() == wanted:
            if "password" not in account:
                raise LookupError(f"Kontot «{user}» i scenariot saknar lösenord.")
            return account
    known = ", ".join(f"{a.get('username')} ({a.get('name')})" for a in accounts) or "inga"
    raise LookupError(f"«{user}» finns inte bland scenariots konton i {system} (finns: {known}).")


def _session_factory(request, new_context, scenario, url: str, system: str, session_class):
    from betyg_harness.plugin import _attempts

    def open_as(user: str):
        account = _account(scenario, system, user)
        page = new_context(base_url=url).new_page()
        return session_class(page, url, account["username"], account["password"], attempts=_attempts(request)).login()

    return open_as


@pytest.fixture
def pingpong_as(request, new_context, scenario, mock_servers) -> Callable[[str], flows.PingPong]:
    """``pingpong_as(user) -> flows.PingPong``: Ping Pong as another user of the scenario (function
    scope): ``user`` is a username or a full name from ``scenario["accounts"]["pingpong"]`` (a second
    administrator, a teacher: ``pingpong_as("Anna Lindqvist")``), logged in within a browser context
    of its own (pytest-playwright's ``new_context``: ``--tracing``/``--screenshot`` record it, and it
    is closed after the test). Each call opens a new context; retries as the ``pingpong`` fixture's.
    An unknown user raises LookupError listing the scenario's accounts. Override it with a fixture
    ``pingpong_as`` of your own."""
    return _session_factory(request, new_context, scenario, mock_servers.pingpong.url, "pingpong", flows.PingPong)


@pytest.fixture
def ber_as(request, new_context, scenario, mock_servers) -> Callable[[str], flows.Ber]:
    """``ber_as(user) -> flows.Ber``: BER as a user of ``scenario["accounts"]["ber"]`` (username or full
    name), like ``pingpong_as`` (function scope, a context of its own, closed after the test).
    Override it with a fixture ``ber_as`` of your own."""
    return _session_factory(request, new_context, scenario, mock_servers.ber.url, "ber", flows.Ber)

"""Shared by the generated-input tests: the real BER and the real Ping Pong in this process (BER over
HTTP for Ping Pong's sync, as in production), asked through Flask's test client — fast enough for
Hypothesis to try hundreds of inputs — plus a logged-in client of each."""

from __future__ import annotations

import pytest

from betyg_harness.scenario import stable_id

# Lent to test_access.py: the Ping Pong API tests' Ping Pong and the real BER it syncs from. Not in
# tests/conftest.py, where ``ber`` would shadow the plugin's ``ber`` fixture for the browser tests.
from tests.api.conftest import app, ber, fresh  # noqa: F401
from tests.api.live_pair import Pair, frozen
from tests.reliability.support import csrf_of

SVE = stable_id("group", "svesve01-ht26-a")


def logged_in(application, path: str, username: str, password: str, page: str):
    """A test client logged in through the real login form; (client, the CSRF token of its new session,
    read from ``page``)."""
    client = application.test_client()
    token = csrf_of(client.get(path).get_data(as_text=True))
    answer = client.post(path, data={"csrf_token": token, "username": username, "password": password})
    assert answer.status_code == 302, answer.status_code
    return client, csrf_of(client.get(page).get_data(as_text=True))


def with_other_digits_in_names(document: dict) -> dict:
    """Names are text: a teacher "Åsa ²" (anna.lindqvist) and a student "Anna ٣ Öberg ߃" (s01) — digits of
    other scripts, which str.isdigit() accepts and int() does not always read."""
    for person in document["staff"]:
        if person["key"] == "anna.lindqvist":
            person["givenName"] = "Åsa ²"
    for person in document["students"]:
        if person["key"] == "s01":
            person["givenName"], person["familyName"] = "Anna ٣", "Öberg ߃"
    document["name"] = "names-with-other-digits"
    return document


@pytest.fixture(scope="module")
def pair():
    """BER and Ping Pong on the frozen default scenario with other scripts' digits in two names (Ping
    Pong synced from BER over HTTP)."""
    served = Pair(with_other_digits_in_names(frozen()))
    yield served
    served.close()


@pytest.fixture(scope="module")
def pp_user(pair):
    return logged_in(pair.pingpong.app, "/login", "betygsadmin", "betygsadmin", "/betyg/grupp/" + SVE)


@pytest.fixture(scope="module")
def ber_user(pair):
    return logged_in(pair.ber.app, "/login", "beradmin", "beradmin", "/grupper/" + SVE)

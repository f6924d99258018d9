"""Logins guarded as real systems guard them, on both mocks (mock_kit.logins, used by both login views).

Throttling: after N failed logins for one username from one address within the window — or a
ceiling of failures from one address — every attempt, even with the right password, is the Swedish
429 page with Retry-After, until the window passes; the counters live in the database (every process
of a mock sees them) and a success or a scenario load clears them. The same work for an unknown
username as for a known one (a password check against a dummy hash, proved by counting the checks,
never by timing). An idle and an absolute lifetime for a login, on real time (a replaced
``logins.wall_clock``; the mock clock is never involved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from betyg_harness.mock_kit import config as kit_config, logins
from betyg_harness.mock_kit.error_pages import MESSAGES

T0 = 1_900_000_000.0  # a fixed real-time instant; the tests move it, never sleep


class WallClock:
    def __init__(self, start: float = T0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def forward(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0) -> None:
        self.now += seconds + 60 * minutes + 3600 * hours


@pytest.fixture
def wall(monkeypatch) -> WallClock:
    clock = WallClock()
    monkeypatch.setattr(logins, "wall_clock", clock)
    return clock


@dataclass
class System:
    name: str
    app: Flask
    user: str  # an account of the default scenario (password = username)
    other: str  # another one
    page: str  # a page that needs a login

    def client(self):
        return self.app.test_client()


def make_system(name: str, database: str, **config) -> System:
    if name == "pingpong":
        from betyg_harness.mock_pingpong import create_app

        app = create_app(
            {
                "SCHEDULER": False,
                "SYNC_ON_LOAD": False,
                "BER_WEBHOOKS": False,
                "LOG_REQUESTS": False,
                "BER_URL": "http://127.0.0.1:9",
                "DATABASE": database,
                **config,
            }
        )
        return System(name, app, "betygsadmin", "anna.lindqvist", "/")
    from betyg_harness.mock_ber import create_app

    app = create_app(
        {
            "SCHEDULER": False,
            "LOG_REQUESTS": False,
            "PINGPONG_URL": "http://127.0.0.1:9",
            "DATABASE": database,
            **config,
        }
    )
    return System(name, app, "beradmin", "beradmin", "/grupper")


@pytest.fixture(params=["pingpong", "ber"])
def system_factory(request, tmp_path):
    made: list[System] = []

    def make(database: str | None = None, **config) -> System:
        system = make_system(request.param, database or str(tmp_path / f"{request.param}.sqlite3"), **config)
        made.append(system)
        return system

    yield make
    for system in made:
        system.app.extensions["mock_kit"].db.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username: str, password: str, address: str = "127.0.0.1"):
    env = {"REMOTE_ADDR": address}
    token = _csrf(client.get("/login", environ_base=env).get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, environ_base=env
    )


def logged_in(system: System, client) -> bool:
    response = client.get(system.page)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def assert_throttled(response, window_seconds: int) -> None:
    assert response.status_code == 429, response.status_code
    page = response.get_data(as_text=True)
    title, message = MESSAGES[429]
    assert title in page and message in page  # the system's own Swedish page
    assert 0 < int(response.headers["Retry-After"]) <= window_seconds


# -- throttling -------------------------------------------------------------------------------------
def test_after_n_failures_even_the_right_password_is_429_until_the_window_passes(system_factory, wall):
    system = system_factory(LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_MINUTES=15)
    client = system.client()
    for _ in range(3):
        response = login(client, system.user, "fel")
        assert response.status_code == 401 and "Fel användarnamn eller lösenord." in response.get_data(as_text=True)
    wall.forward(minutes=5)
    refused = login(client, system.user, system.user)
    assert_throttled(refused, 15 * 60)
    assert int(refused.headers["Retry-After"]) == 10 * 60  # the first failure leaves the window in 10 minutes
    assert not logged_in(system, client)
    # The username is folded: another spelling of it is the same account, and the same count.
    assert login(client, f"  {system.user.upper()} ", system.user).status_code == 429
    wall.forward(minutes=10, seconds=1)
    assert login(client, system.user, system.user).status_code == 302
    assert logged_in(system, client)


def test_the_throttle_is_per_username_and_address(system_factory, wall):
    system = system_factory(LOGIN_MAX_FAILURES=2)
    for _ in range(2):
        login(system.client(), system.user, "fel", "10.0.0.1")
    assert login(system.client(), system.user, system.user, "10.0.0.1").status_code == 429
    assert login(system.client(), system.user, system.user, "10.0.0.2").status_code == 302  # another address
    if system.other != system.user:
        assert login(system.client(), system.other, system.other, "10.0.0.1").status_code == 302  # another user


def test_an_address_has_a_ceiling_across_usernames(system_factory, wall):
    system = system_factory(LOGIN_MAX_FAILURES=100, LOGIN_MAX_FAILURES_PER_ADDRESS=4)
    for name in ("finns.inte.1", "finns.inte.2", "finns.inte.3", "finns.inte.4"):
        assert login(system.client(), name, "fel", "10.0.0.9").status_code == 401
    assert_throttled(login(system.client(), system.user, system.user, "10.0.0.9"), 15 * 60)
    assert login(system.client(), system.user, system.user, "10.0.0.8").status_code == 302


def test_a_successful_login_clears_the_users_count(system_factory, wall):
    system = system_factory(LOGIN_MAX_FAILURES=3)
    client = system.client()
    for _ in range(2):
        login(client, system.user, "fel")
    assert login(client, system.user, system.user).status_code == 302
    for _ in range(2):
        assert login(system.client(), system.user, "fel").status_code == 401
    assert login(system.client(), system.user, system.user).status_code == 302  # 2, not 4, failures
    for _ in range(3):
        assert login(system.client(), system.user, "fel").status_code == 401
    assert login(system.client(), system.user, system.user).status_code == 429  # 3 since the last success


def test_a_scenario_reset_clears_the_counts(system_factory, wall):
    system = system_factory(LOGIN_MAX_FAILURES=2)
    client = system.client()
    for _ in range(2):
        login(client, system.user, "fel")
    assert login(client, system.user, system.user).status_code == 429
    assert client.post("/_mock/reset", json={}).status_code == 200
    assert login(client, system.user, system.user).status_code == 302


def test_the_counts_are_shared_by_every_process_on_the_database(system_factory, wall, tmp_path):
    """Two apps on one database stand for two gunicorn workers: failures at one throttle the other."""
    database = str(tmp_path / "shared.sqlite3")
    first = system_factory(database, LOGIN_MAX_FAILURES=2, MULTI_PROCESS=True)
    second = system_factory(database, LOGIN_MAX_FAILURES=2, MULTI_PROCESS=True)
    for _ in range(2):
        assert login(first.client(), first.user, "fel").status_code == 401
    assert login(second.client(), second.user, second.user).status_code == 429


def test_the_limits_are_read_from_the_environment(system_factory, wall, monkeypatch, request):
    prefix = "PINGPONG" if "pingpong" in request.node.callspec.id else "BER"
    monkeypatch.setenv(f"{prefix}_LOGIN_MAX_FAILURES", "1")
    system = system_factory()
    assert login(system.client(), system.user, "fel").status_code == 401
    assert login(system.client(), system.user, system.user).status_code == 429


def test_every_setting_has_a_default_and_an_environment_name():
    assert set(kit_config.LOGIN_KEYS) == set(logins.LOGIN_DEFAULTS)
    assert logins.LOGIN_DEFAULTS == {
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "LOGIN_IDLE_MINUTES": 60,
        "LOGIN_MAX_HOURS": 12,
    }


# -- the same work for unknown and known usernames --------------------------------------------------
@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """Every password check the login makes, by the hash it was checked against."""
    seen: list[str] = []
    real = logins.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        seen.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(logins, "check_password_hash", spy)
    return seen


def test_an_unknown_username_costs_one_check_of_the_same_method(system_factory, checks, wall):
    system = system_factory()
    assert login(system.client(), "finns.inte", "fel").status_code == 401
    assert len(checks) == 1
    assert checks[0].startswith(logins.PASSWORD_METHOD + "$")  # the same method, so the same work
    checks.clear()
    assert login(system.client(), system.user, "fel").status_code == 401
    assert len(checks) == 1 and checks[0].startswith(logins.PASSWORD_METHOD + "$")


# -- lifetimes --------------------------------------------------------------------------------------
def _last_seen(system: System) -> list[float]:
    with system.app.extensions["mock_kit"].db.engine.connect() as conn:
        return list(conn.execute(select(logins.mock_login.c.last_seen)).scalars())


def test_a_login_ends_after_an_idle_hour(system_factory, wall):
    system = system_factory()
    client = system.client()
    assert login(client, system.user, system.user).status_code == 302
    wall.forward(minutes=59)
    assert logged_in(system, client)  # 59 idle minutes: still in, and noted as seen
    wall.forward(minutes=59)
    assert logged_in(system, client)  # 118 minutes after the login, 59 after the last request
    wall.forward(minutes=60, seconds=1)
    assert not logged_in(system, client)  # over an hour idle: the login page, as after a logout
    assert client.get("/_mock/sessions").get_json() == {"logins": 0}  # the row is gone
    assert login(client, system.user, system.user).status_code == 302  # and logging in again works
    assert logged_in(system, client)


def test_a_login_ends_after_twelve_hours_however_busy(system_factory, wall):
    system = system_factory()
    client = system.client()
    assert login(client, system.user, system.user).status_code == 302
    for _ in range(23):
        wall.forward(minutes=30)
        assert logged_in(system, client)  # 11.5 hours, a request every half hour
    wall.forward(minutes=30, seconds=1)
    assert not logged_in(system, client)
    assert client.get("/_mock/sessions").get_json() == {"logins": 0}


def test_the_lifetimes_are_configurable(system_factory, wall):
    system = system_factory(LOGIN_IDLE_MINUTES=5, LOGIN_MAX_HOURS=1)
    client = system.client()
    assert login(client, system.user, system.user).status_code == 302
    wall.forward(minutes=5, seconds=1)
    assert not logged_in(system, client)


def test_the_last_request_is_written_at_most_once_a_minute(system_factory, wall):
    system = system_factory()
    client = system.client()
    assert login(client, system.user, system.user).status_code == 302
    assert _last_seen(system) == [T0]
    wall.forward(seconds=30)
    assert logged_in(system, client)
    assert _last_seen(system) == [T0]  # within the minute: no write
    wall.forward(seconds=31)
    assert logged_in(system, client)
    assert _last_seen(system) == [T0 + 61]


def test_real_time_not_the_mock_clock_ages_a_login(system_factory, wall):
    system = system_factory()
    client = system.client()
    assert login(client, system.user, system.user).status_code == 302
    assert client.post("/_mock/clock/advance", json={"days": 30}).status_code == 200
    assert logged_in(system, client)  # a month of mock time: still in
    wall.forward(minutes=61)
    assert not logged_in(system, client)  # an hour of real time: out


def test_a_database_from_before_the_lifetimes_gets_its_column(system_factory, wall, tmp_path):
    """A mock restarted on a database made before logins had a last request keeps working."""
    import sqlite3

    database = tmp_path / "older.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "CREATE TABLE mock_login (id VARCHAR(64) PRIMARY KEY, username VARCHAR(200) NOT NULL, "
            "started FLOAT NOT NULL)"
        )
    system = system_factory(str(database))
    client = system.client()
    assert login(client, system.user, system.user).status_code == 302
    assert logged_in(system, client) and _last_seen(system) == [T0]

"""The pytest plugin (entry point ``pytest11``): both mocks, scenarios, the clock, the journal,
faults, and pytest-playwright configured for the machine's Chromium.

Fixtures, from the outside in:
- ``mock_servers`` (session, per xdist worker): a :class:`~harness.launcher.MockPair`, started on
  free ports with their own databases — or the running instances given by ``--pingpong-url`` /
  ``--ber-url``. ``pingpong_server`` / ``ber_server`` are its halves.
- ``scenario`` (function): both mocks back at the start of the scenario named by
  ``@pytest.mark.scenario("name")`` (default ``--scenario``), as a document.
- ``mock_clock``, ``journal``, ``faults``: steer both mocks' clocks, read their journals,
  inject faults (removed after the test).
- ``grade_admin_page``: a pytest-playwright ``page`` logged in to Ping Pong as the
  Betygsadministratör; ``ber_admin_page`` likewise for BER.

pytest-playwright's own options (``--headed``, ``--tracing``, ``--screenshot``, ``--output``)
work as usual; ``base_url`` is Ping Pong's URL.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.launcher import MockPair, MockServer, connect_mocks, start_mocks
from mock_kit import scenario as scenarios

DEFAULT_ADMIN = ("betygsadmin", "betygsadmin")
DEFAULT_BER_ADMIN = ("beradmin", "beradmin")


def pytest_addoption(parser):
    group = parser.getgroup("betyg", "Ping Pong and BER mocks (betyg-harness)")
    group.addoption("--pingpong-url", default=os.environ.get("BETYG_PINGPONG_URL"),
                    help="use a running Ping Pong (mock) instead of starting one")
    group.addoption("--ber-url", default=os.environ.get("BETYG_BER_URL"),
                    help="use a running BER (mock) instead of starting one")
    group.addoption("--mock-control-token", default=os.environ.get("BETYG_CONTROL_TOKEN"),
                    help="token for the mocks' /_mock control API, when it is protected")
    group.addoption("--scenario", default="default", dest="betyg_scenario",
                    help="the scenario loaded when a test names none (default: %(default)s)")
    group.addoption("--mock-logs", default=None,
                    help="keep the started mocks' logs and databases in this folder")


def pytest_configure(config):
    config.addinivalue_line("markers", "scenario(name_or_document): the scenario the test starts from")
    # Registered last, so these fixtures override pytest-playwright's of the same name.
    config.pluginmanager.register(_PlaywrightOverrides(), "betyg-harness-playwright")


class _PlaywrightOverrides:
    @pytest.fixture(scope="session")
    def browser_type_launch_args(self, pytestconfig, request):
        from flows.browser import find_browser, launch_args
        headed = bool(pytestconfig.getoption("--headed"))
        extra = {}
        slowmo = pytestconfig.getoption("--slowmo")
        if slowmo:
            extra["slow_mo"] = slowmo
        choice = find_browser(headless=not headed)
        args = launch_args(choice, headless=not headed, **extra)
        if hasattr(request, "param"):
            args.update(request.param)
        return args

    @pytest.fixture(scope="session")
    def connect_options(self):
        url = os.environ.get("PW_CONNECT_URL")
        return {"ws_endpoint": url} if url else None

    @pytest.fixture(scope="session")
    def base_url(self, mock_servers):
        return mock_servers.pingpong.url


@pytest.fixture(scope="session")
def mock_servers(pytestconfig, tmp_path_factory) -> MockPair:
    pingpong_url = pytestconfig.getoption("--pingpong-url")
    ber_url = pytestconfig.getoption("--ber-url")
    if pingpong_url or ber_url:
        if not (pingpong_url and ber_url):
            raise pytest.UsageError("Ange både --pingpong-url och --ber-url.")
        yield connect_mocks(pingpong_url, ber_url, pytestconfig.getoption("--mock-control-token"))
        return
    logs = pytestconfig.getoption("--mock-logs")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    workdir = Path(logs) / worker if logs else tmp_path_factory.mktemp("mocks")
    pair = start_mocks(pytestconfig.getoption("betyg_scenario"), workdir)
    pair.loaded = pytestconfig.getoption("betyg_scenario")
    yield pair
    pair.stop()


@pytest.fixture(scope="session")
def pingpong_server(mock_servers) -> MockServer:
    return mock_servers.pingpong


@pytest.fixture(scope="session")
def ber_server(mock_servers) -> MockServer:
    return mock_servers.ber


@pytest.fixture
def scenario(request, mock_servers, pytestconfig) -> dict:
    """Both mocks reset to the start of the test's scenario; the scenario document."""
    marker = request.node.get_closest_marker("scenario")
    wanted = marker.args[0] if marker else pytestconfig.getoption("betyg_scenario")
    document = scenarios.load(wanted)
    if getattr(mock_servers, "loaded", None) == wanted and isinstance(wanted, str):
        mock_servers.reset()
    else:
        mock_servers.load_scenario(wanted if isinstance(wanted, str) else document)
        mock_servers.loaded = wanted if isinstance(wanted, str) else None
    return document


class MockClockControl:
    """Both mocks' clocks, moved together."""

    def __init__(self, pair: MockPair):
        self._pair = pair

    def now(self) -> str:
        return self._pair.pingpong.now()

    def set(self, now: str) -> None:
        self._pair.set_clock(now)

    def freeze(self, frozen: bool = True) -> None:
        self._pair.set_clock(freeze=frozen)

    def advance(self, **delta) -> None:
        self._pair.advance(**delta)


@pytest.fixture
def mock_clock(scenario, mock_servers) -> MockClockControl:
    return MockClockControl(mock_servers)


class Journals:
    def __init__(self, pair: MockPair):
        self.pingpong = pair.pingpong.journal
        self.ber = pair.ber.journal
        self._pair = pair

    def clear(self) -> None:
        for server in self._pair:
            server.clear_journal()


@pytest.fixture
def journal(mock_servers) -> Journals:
    return Journals(mock_servers)


class FaultControl:
    def __init__(self, pair: MockPair):
        self._pair = pair

    def pingpong(self, **rule) -> dict:
        return self._pair.pingpong.add_fault(**rule)

    def ber(self, **rule) -> dict:
        return self._pair.ber.add_fault(**rule)

    def clear(self) -> None:
        for server in self._pair:
            server.clear_faults()


@pytest.fixture
def faults(mock_servers):
    control = FaultControl(mock_servers)
    yield control
    control.clear()


def _log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("button", name="Logga ut").wait_for()


@pytest.fixture
def grade_admin_page(page, scenario, mock_servers):
    """A page logged in to Ping Pong as the scenario's Betygsadministratör."""
    _log_in(page, mock_servers.pingpong.url, *DEFAULT_ADMIN)
    return page


@pytest.fixture
def ber_admin_page(page, scenario, mock_servers):
    """A page logged in to BER as the scenario's BER administrator."""
    _log_in(page, mock_servers.ber.url, *DEFAULT_BER_ADMIN)
    return page

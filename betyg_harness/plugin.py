"""The pytest plugin (entry point ``pytest11``): both mocks, scenarios, the clock, the journal,
faults, and pytest-playwright configured for the machine's Chromium.

Fixtures, from the outside in:
- ``mock_servers`` (session, per xdist worker): a :class:`~betyg_harness.launcher.MockPair`, started on
  free ports with their own databases — or the running instances given by ``--pingpong-url`` /
  ``--ber-url``. ``pingpong_server`` / ``ber_server`` are its halves.
- ``scenario`` (function): both mocks back at the start of the scenario named by
  ``@pytest.mark.scenario("name")`` (default ``--scenario``), as a document.
- ``mock_clock``, ``journal``, ``faults``: steer both mocks' clocks, read their journals,
  inject faults (removed after the test).
- ``grade_admin_page``: a pytest-playwright ``page`` logged in to Ping Pong as the
  Betygsadministratör; ``ber_admin_page`` likewise for BER (in a context of its own).
- ``pingpong`` / ``ber``: the flows (:class:`flows.PingPong`, :class:`flows.Ber`) bound to those
  pages; ``assert_catalogue``: the catalogue checker as an assertion.
- ``drift_probe`` / ``drift_report``: the read-only drift probe (``betyg_harness.drift``) against
  ``mock_servers`` (or the systems given by ``--pingpong-url``/``--ber-url``), configured by
  ``@pytest.mark.drift(group=..., delay=...)``; its report and screenshots under
  ``artifacts/drift/<test>``.
- ``assert_matches_golden``: an image, a PDF (page by page) or a Playwright page compared with its
  golden image (``betyg_harness.visual``); ``--update-golden`` accepts the new look; a mismatch
  keeps expected, actual and diff under ``artifacts/visual/`` and names them in the JUnit report.
  ``visual_page``: a page whose screenshots compare across machines (fixed viewport, sv-SE, …).

pytest-playwright's own options (``--headed``, ``--tracing``, ``--screenshot``, ``--output``)
work as usual; ``base_url`` is Ping Pong's URL.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from betyg_harness import flows
from betyg_harness.catalogue import ExpectedCatalogue, compare, read_catalogue
from betyg_harness.launcher import MockPair, MockServer, connect_mocks, start_mocks
from betyg_harness.mock_kit import scenario as scenarios

DEFAULT_ADMIN = flows.PingPong.DEFAULTS[1:]     # the embedded default's Betygsadministratör
DEFAULT_BER_ADMIN = flows.Ber.DEFAULTS[1:]


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
    group.addoption("--update-golden", action="store_true", default=False,
                    help="write the images assert_matches_golden sees as the new golden images")
    group.addoption("--golden-dir", default=None,
                    help="folder of the golden images (default: the ini value golden_dir, else tests/golden)")
    group.addoption("--golden-artifacts", default=None,
                    help="where a mismatch keeps expected, actual and diff (default: artifacts/visual)")
    group.addoption("--drift-artifacts", default=None,
                    help="where drift_probe writes its reports (default: artifacts/drift)")
    parser.addini("golden_dir", "folder of the golden images, relative to the rootdir", default="tests/golden")


def pytest_configure(config):
    config.addinivalue_line("markers", "scenario(name_or_document): the scenario the test starts from")
    config.addinivalue_line("markers", "drift(**settings): settings of the drift probe (group=, teacher=, "
                                       "delay=, timeout=, screenshots=, api=, grades_from=, grades_to=)")
    # Registered last, so its fixtures override pytest-playwright's of the same name.
    from betyg_harness import playwright_overrides
    if not config.pluginmanager.is_registered(playwright_overrides):
        config.pluginmanager.register(playwright_overrides, "betyg-harness-playwright")


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


@pytest.fixture
def grade_admin_page(page, scenario, mock_servers):
    """A page logged in to Ping Pong as the scenario's Betygsadministratör."""
    flows.login(page, *DEFAULT_ADMIN, base_url=mock_servers.pingpong.url)
    return page


@pytest.fixture
def ber_admin_page(browser, scenario, mock_servers):
    """A page of its own browser context (cookies ignore ports), logged in to BER."""
    context = browser.new_context(base_url=mock_servers.ber.url)
    page = context.new_page()
    flows.ber_login(page, *DEFAULT_BER_ADMIN, base_url=mock_servers.ber.url)
    yield page
    context.close()


@pytest.fixture
def pingpong(grade_admin_page, mock_servers) -> flows.PingPong:
    """The Ping Pong flows bound to the logged-in administrator's page (with retries and re-login)."""
    return flows.PingPong(grade_admin_page, mock_servers.pingpong.url, *DEFAULT_ADMIN)


@pytest.fixture
def ber(ber_admin_page, mock_servers) -> flows.Ber:
    """The BER flows bound to a logged-in BER administrator's page."""
    return flows.Ber(ber_admin_page, mock_servers.ber.url, *DEFAULT_BER_ADMIN)


@pytest.fixture
def assert_catalogue():
    """``assert_catalogue(pdf, {personnummer: grade}, teachers=[...], **fields)``: reads the PDF
    with the catalogue checker and fails listing every difference."""
    def check(pdf, grades: dict[str, str], *, teachers: list[str] | None = None, pages: int | None = None,
              **fields: str):
        parsed = read_catalogue(pdf)
        differences = compare(parsed, ExpectedCatalogue(grades=grades, teachers=teachers, pages=pages,
                                                        fields=fields))
        assert not differences, "Betygskatalogen stämmer inte:\n" + "\n".join(f"- {d}" for d in differences)
        return parsed
    return check


# -- drift probe ---------------------------------------------------------------------------------
def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[-120:]


def _artifacts(config, option: str, default: str) -> Path:
    given = config.getoption(option)
    return Path(given) if given else Path(config.rootpath) / "artifacts" / default


@pytest.fixture
def drift_probe(request, mock_servers, pytestconfig, browser):
    """``drift_probe(**settings) -> DriftReport``: walk both systems read-only (see
    ``betyg_harness.drift``). Credentials from ``PINGPONG_USER``/``_PASSWORD``, ``BER_USER``/
    ``_PASSWORD`` (the embedded default's otherwise), API tokens from ``PINGPONG_API_TOKEN``/
    ``BER_API_TOKEN`` (the mocks' development tokens otherwise). Settings: the ``drift`` marker's,
    then the call's. The report, screenshots and snapshots go to ``artifacts/drift/<test>``."""
    from betyg_harness.drift import ProbeSettings, Target, run_probe
    from betyg_harness.mock_kit.config import SHARED_ENV

    marker = request.node.get_closest_marker("drift")
    defaults = dict(marker.kwargs) if marker else {}
    folder = _artifacts(pytestconfig, "--drift-artifacts", "drift") / _slug(request.node.nodeid)
    runs = []

    def run(**settings):
        env = os.environ.get
        merged = {"delay": 0.0, "timeout": 10.0, "report_dir": folder / (f"run{len(runs) + 1}" if runs else ""),
                  **defaults, **settings}
        probe = ProbeSettings(
            pingpong=Target(mock_servers.pingpong.url, env("PINGPONG_USER", DEFAULT_ADMIN[0]),
                            env("PINGPONG_PASSWORD", DEFAULT_ADMIN[1])),
            ber=Target(mock_servers.ber.url, env("BER_USER", DEFAULT_BER_ADMIN[0]),
                       env("BER_PASSWORD", DEFAULT_BER_ADMIN[1])),
            pingpong_token=env("PINGPONG_API_TOKEN", SHARED_ENV["PINGPONG_API_TOKEN"]),
            ber_token=env("BER_API_TOKEN", SHARED_ENV["BER_API_TOKEN"]), **merged)
        report = run_probe(probe, browser=browser)
        runs.append(report)
        request.node.user_properties.append(("drift_report", str(report.folder / "drift-report.json")))
        return report
    return run


@pytest.fixture
def drift_report(drift_probe):
    """The drift probe's report, run once with the ``drift`` marker's settings:
    ``assert drift_report.ok, drift_report.describe()``."""
    return drift_probe()


# -- visual regression ---------------------------------------------------------------------------
@pytest.fixture
def visual_page(browser, mock_servers):
    """A page whose screenshots compare across machines (``betyg_harness.visual.CONTEXT_ARGS``: fixed
    viewport and scale, sv-SE, Europe/Stockholm, light, no motion); ``base_url`` is Ping Pong's."""
    from betyg_harness.visual import CONTEXT_ARGS
    context = browser.new_context(base_url=mock_servers.pingpong.url, **CONTEXT_ARGS)
    yield context.new_page()
    context.close()


@pytest.fixture
def assert_matches_golden(request, pytestconfig):
    """``assert_matches_golden(subject, name, tolerance=None)``: ``subject`` is a PIL image (or a
    list), PNG or PDF bytes or a file (a PDF is compared page by page: ``name-p1.png``…) or a
    Playwright page (photographed at a fixed viewport once its fonts are loaded; pass
    ``mask=[locators]`` for parts that change by themselves). Fails listing what differs and where
    the expected, actual and diff images were kept."""
    from betyg_harness import visual

    given = pytestconfig.getoption("--golden-dir")
    folder = Path(given) if given else Path(pytestconfig.rootpath) / pytestconfig.getini("golden_dir")
    store = visual.GoldenStore(folder, _artifacts(pytestconfig, "--golden-artifacts", "visual"),
                               update=pytestconfig.getoption("--update-golden"))

    def check(subject, name: str, *, tolerance: visual.Tolerance | None = None, mask=(), full_page: bool = True):
        if hasattr(subject, "screenshot") and hasattr(subject, "evaluate"):
            subject = visual.screenshot(subject, mask=mask, full_page=full_page)
        try:
            return store.check(name, subject, tolerance)
        except visual.VisualMismatch as mismatch:
            for path in mismatch.evidence:
                request.node.user_properties.append((f"golden_{path.stem}", str(path.resolve())))
            raise
    return check

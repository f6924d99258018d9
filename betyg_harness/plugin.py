"""The pytest plugin (entry point ``pytest11``): both mocks, scenarios, the clock, the journal,
faults, the flows and the checkers as fixtures — and nothing at all for a test that uses none of
them.

Fixtures, from the outside in (each one's docstring, ``pytest --fixtures``, says more):
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
- ``drift_probe`` / ``drift_report``: the read-only drift probe (``betyg_harness.drift``).
- ``assert_matches_golden`` / ``visual_page``: golden-image comparison (``betyg_harness.visual``).
- the helpers of :mod:`betyg_harness.plugin_helpers` (registered from here).

A good neighbour: a test that uses none of these gets pytest-playwright exactly as it is (its
``base_url``, ``--browser``, ``--browser-channel``; see :mod:`betyg_harness.playwright_overrides`)
and starts no mock.

Settings: command line > environment > ini value > default (``SETTINGS`` below).
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest
from packaging.version import InvalidVersion, Version

from betyg_harness import flows
from betyg_harness.catalogue import ExpectedCatalogue, compare, read_catalogue
from betyg_harness.launcher import MockPair, MockServer, connect_mocks, start_mocks
from betyg_harness.mock_kit import scenario as scenarios
from betyg_harness.playwright_overrides import MACHINE_CHROMIUM_INI, USES_PLUGIN, user_context_args
from betyg_harness.text import PORTABLE, slug

if TYPE_CHECKING:
    from betyg_harness.drift import DriftReport

DEFAULT_ADMIN = flows.PingPong.DEFAULTS[1:]  # the embedded default's Betygsadministratör
DEFAULT_BER_ADMIN = flows.Ber.DEFAULTS[1:]
DEFAULT_ATTEMPTS = 3


# -- settings ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """One setting: its option (``dest`` of the command-line option), environment variable, ini
    name and default. The first of command line, environment, ini value and default that is set wins."""

    option: str
    flag: str
    env: str
    ini: str
    default: str | None
    help: str


SETTINGS = {
    s.option: s
    for s in (
        Setting(
            "pingpong_url",
            "--pingpong-url",
            "BETYG_PINGPONG_URL",
            "pingpong_url",
            None,
            "use a running Ping Pong (mock) instead of starting one",
        ),
        Setting(
            "ber_url", "--ber-url", "BETYG_BER_URL", "ber_url", None, "use a running BER (mock) instead of starting one"
        ),
        Setting(
            "mock_control_token",
            "--mock-control-token",
            "BETYG_CONTROL_TOKEN",
            "mock_control_token",
            None,
            "token for the mocks' /_mock control API, when it is protected",
        ),
        Setting(
            "betyg_scenario",
            "--scenario",
            "BETYG_SCENARIO",
            "betyg_scenario",
            "default",
            "the scenario loaded when a test names none (default: default)",
        ),
        Setting(
            "pingpong_user",
            "--pingpong-user",
            "PINGPONG_USER",
            "pingpong_user",
            DEFAULT_ADMIN[0],
            f"Ping Pong user of grade_admin_page, pingpong and drift_probe (default: {DEFAULT_ADMIN[0]})",
        ),
        Setting(
            "pingpong_password",
            "--pingpong-password",
            "PINGPONG_PASSWORD",
            "pingpong_password",
            DEFAULT_ADMIN[1],
            "that user's password",
        ),
        Setting(
            "ber_user",
            "--ber-user",
            "BER_USER",
            "ber_user",
            DEFAULT_BER_ADMIN[0],
            f"BER user of ber_admin_page, ber and drift_probe (default: {DEFAULT_BER_ADMIN[0]})",
        ),
        Setting(
            "ber_password",
            "--ber-password",
            "BER_PASSWORD",
            "ber_password",
            DEFAULT_BER_ADMIN[1],
            "that user's password",
        ),
        Setting(
            "betyg_attempts",
            "--betyg-attempts",
            "BETYG_ATTEMPTS",
            "betyg_attempts",
            str(DEFAULT_ATTEMPTS),
            "attempts of each step of the pingpong/ber flows on a transient error "
            f"(default: {DEFAULT_ATTEMPTS}; @pytest.mark.fail_fast: 1)",
        ),
    )
}


def setting(config: pytest.Config, name: str) -> str | None:
    """The value of setting ``name`` (see ``SETTINGS``): command line > environment > ini > default."""
    spec = SETTINGS[name]
    for value in (config.getoption(spec.option), os.environ.get(spec.env), config.getini(spec.ini)):
        if value not in (None, ""):
            return str(value)
    return spec.default


def required_setting(config: pytest.Config, name: str) -> str:
    """A setting whose ``SETTINGS`` entry has a default, so that it is always set."""
    value = setting(config, name)
    assert value is not None, f"{name} has no default in SETTINGS"
    return value


def attempts_setting(config: pytest.Config) -> int:
    raw = setting(config, "betyg_attempts")
    try:
        value = int(raw) if raw is not None else 0
    except ValueError:
        value = 0
    if value < 1:
        spec = SETTINGS["betyg_attempts"]
        raise pytest.UsageError(f"{spec.flag} / {spec.env} / ini {spec.ini} måste vara ett heltal ≥ 1, inte {raw!r}.")
    return value


def _attempts(request) -> int:
    if request.node.get_closest_marker("fail_fast"):
        return 1
    return attempts_setting(request.config)


def _credentials(config, system: str) -> tuple[str, str]:
    return required_setting(config, f"{system}_user"), required_setting(config, f"{system}_password")


# -- pytest 9.2 + pytest-xdist 3.8 and --dist loadgroup -------------------------------------------
XDIST_LOADGROUP_ISSUE = "pytest-dev/pytest-xdist#1386"
LAST_BROKEN_XDIST = Version("3.8.0")


def loadgroup_is_broken(pytest_version: str, xdist_version: str) -> bool:
    """pytest >= 9.2 with pytest-xdist <= 3.8.0 splits ``xdist_group`` groups under ``--dist
    loadgroup`` without a word (fixed by pytest-dev/pytest-xdist#1388, not released with 3.8.0)."""
    try:
        pytest_v, xdist_v = Version(pytest_version), Version(xdist_version)
    except InvalidVersion:
        return False
    return pytest_v.release[:2] >= (9, 2) and xdist_v <= LAST_BROKEN_XDIST


def loadgroup_message(pytest_version: str, xdist_version: str) -> str:
    return (
        f"--dist loadgroup fungerar inte med pytest {pytest_version} och pytest-xdist {xdist_version}: "
        f"tester med samma xdist_group delas tyst upp på flera arbetare ({XDIST_LOADGROUP_ISSUE}; "
        "rättat i pytest-dev/pytest-xdist#1388, ännu inte släppt). Installera 'pytest<9.2' "
        f"eller en pytest-xdist nyare än {LAST_BROKEN_XDIST} när en rättad version finns."
    )


LOADGROUP_REFUSAL = pytest.StashKey[str]()


def _check_loadgroup(config: pytest.Config) -> None:
    """Once the session's tests are known (on each xdist worker: only workers collect), and only for a
    session that uses the plugin's fixtures: those tests then fail with the message (another suite in
    the same venv is not ours to stop; an error raised on a worker would reach the user as xdist's
    INTERNALERROR, without the message)."""
    # On an xdist worker the distribution mode is the controller's, passed in pytest_configure_node.
    dist = getattr(config, "workerinput", {}).get("betyg_dist", getattr(config.option, "dist", None))
    if dist != "loadgroup":
        return
    try:
        xdist_version = importlib.metadata.version("pytest-xdist")
    except importlib.metadata.PackageNotFoundError:
        return
    if loadgroup_is_broken(pytest.__version__, xdist_version):
        config.stash[LOADGROUP_REFUSAL] = loadgroup_message(pytest.__version__, xdist_version)


# -- hooks ---------------------------------------------------------------------------------------
def pytest_addoption(parser):
    group = parser.getgroup("betyg", "Ping Pong and BER mocks (betyg-harness)")
    for spec in SETTINGS.values():
        group.addoption(spec.flag, dest=spec.option, default=None, help=f"{spec.help} [env {spec.env}, ini {spec.ini}]")
        parser.addini(spec.ini, f"{spec.help} ({spec.flag}, env {spec.env})", default=None)
    group.addoption("--mock-logs", default=None, help="keep the started mocks' logs and databases in this folder")
    group.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="write the images assert_matches_golden sees as the new golden images",
    )
    group.addoption(
        "--golden-dir",
        default=None,
        help="folder of the golden images (default: the ini value golden_dir, else tests/golden)",
    )
    group.addoption(
        "--golden-artifacts",
        default=None,
        help="where a mismatch keeps expected, actual and diff (default: artifacts/visual)",
    )
    group.addoption(
        "--drift-artifacts", default=None, help="where drift_probe writes its reports (default: artifacts/drift)"
    )
    parser.addini("golden_dir", "folder of the golden images, relative to the rootdir", default="tests/golden")
    parser.addini(
        MACHINE_CHROMIUM_INI,
        "when pytest-playwright gets the machine's Chromium: auto (a session "
        "that uses the plugin's fixtures), always, never",
        default="auto",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "scenario(name_or_document): the scenario the test starts from")
    config.addinivalue_line(
        "markers",
        "drift(**settings): settings of the drift probe (group=, teacher=, "
        "delay=, timeout=, screenshots=, api=, grades_from=, grades_to=)",
    )
    config.addinivalue_line(
        "markers",
        "fail_fast: the pingpong/ber flows try each step once (a negative test: an expected error is not retried)",
    )
    attempts_setting(config)  # a wrong value stops the run here rather than in every test
    from betyg_harness import plugin_helpers, playwright_overrides

    if not config.pluginmanager.is_registered(plugin_helpers):
        config.pluginmanager.register(plugin_helpers, "betyg-harness-helpers")
    # Registered last, so its fixtures override pytest-playwright's of the same name.
    if not config.pluginmanager.is_registered(playwright_overrides):
        config.pluginmanager.register(playwright_overrides, "betyg-harness-playwright")


def fixture_name(value) -> str | None:
    """The fixture name of a module attribute defined with ``@pytest.fixture``, else None."""
    if type(value).__name__ == "FixtureFunctionDefinition":  # pytest >= 8.4
        return value.name
    marker = getattr(value, "_pytestfixturefunction", None)  # older pytest
    return (marker.name or value.__name__) if marker is not None else None


def fixtures_of(module) -> dict[str, object]:
    """``{name: definition}`` of the fixtures ``module`` defines."""
    found = {}
    for value in vars(module).values():
        name = fixture_name(value)
        if name:
            found[name] = value
    return found


def plugin_fixture_names() -> set[str]:
    """The names of the plugin's own fixtures (not the pytest-playwright overrides)."""
    from betyg_harness import plugin_helpers

    return {*fixtures_of(sys.modules[__name__]), *fixtures_of(plugin_helpers)}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist's controller, for each worker: its distribution mode (workers run with their own)."""
    node.workerinput["betyg_dist"] = getattr(node.config.option, "dist", None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    # Decides whether pytest-playwright gets the machine's Chromium (playwright_overrides).
    ours = plugin_fixture_names()
    config.stash[USES_PLUGIN] = any(ours.intersection(getattr(item, "fixturenames", ())) for item in items)
    if config.stash[USES_PLUGIN]:
        _check_loadgroup(config)


def pytest_runtest_setup(item: pytest.Item) -> None:
    refusal = item.config.stash.get(LOADGROUP_REFUSAL, None)
    if refusal and plugin_fixture_names().intersection(getattr(item, "fixturenames", ())):
        pytest.fail(refusal, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With pytest-html and ``--html``: the golden images of a mismatch and the drift report as
    links in the report (pytest-playwright adds its screenshots and traces the same way)."""
    outcome = yield
    report = outcome.get_result()
    config = item.config
    html_path = getattr(config.option, "htmlpath", None)
    if report.when != "teardown" or not html_path or config.pluginmanager.getplugin("html") is None:
        return
    from pytest_html import extras as html_extras

    html_dir = Path(config.invocation_params.dir, Path(os.path.expandvars(html_path)).expanduser()).parent

    def link(path: str) -> str:
        try:
            return urllib.parse.quote(Path(os.path.relpath(path, html_dir)).as_posix())
        except ValueError:  # another drive: no relative link
            return Path(path).as_uri()

    added = []
    for name, value in item.user_properties:
        if name.startswith("golden_"):
            label = name.removeprefix("golden_")
            added.append(
                html_extras.png(link(value), name=label)
                if str(value).endswith(".png")
                else html_extras.url(link(value), name=label)
            )
        elif name == "drift_report":
            added.append(html_extras.url(link(value), name="Driftrapport"))
    if added:
        report.extras = [*getattr(report, "extras", []), *added]


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def mock_servers(pytestconfig, tmp_path_factory) -> Iterator[MockPair]:
    """Both mocks (session scope, one pair per xdist worker): a :class:`~betyg_harness.launcher.MockPair`
    with ``.pingpong`` and ``.ber`` (each a ``MockServer``: ``.url``, ``.journal``, ``advance()``, …),
    started on free ports with databases of their own (``--mock-logs DIR`` keeps logs and databases),
    the ``--scenario`` loaded. With ``--pingpong-url`` and ``--ber-url`` (env ``BETYG_PINGPONG_URL``/
    ``BETYG_BER_URL``, ini ``pingpong_url``/``ber_url``) the running instances instead, controlled with
    ``--mock-control-token``. Override it with a session fixture of the same name returning a ``MockPair``."""
    pingpong_url = setting(pytestconfig, "pingpong_url")
    ber_url = setting(pytestconfig, "ber_url")
    if pingpong_url or ber_url:
        if not (pingpong_url and ber_url):
            raise pytest.UsageError("Ange både --pingpong-url och --ber-url (eller pingpong_url och ber_url).")
        yield connect_mocks(pingpong_url, ber_url, setting(pytestconfig, "mock_control_token"))
        return
    logs = pytestconfig.getoption("--mock-logs")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    workdir = Path(logs) / worker if logs else tmp_path_factory.mktemp("mocks")
    wanted = required_setting(pytestconfig, "betyg_scenario")
    pair = start_mocks(wanted, workdir)
    pair.loaded = wanted
    yield pair
    pair.stop()


@pytest.fixture(scope="session")
def pingpong_server(mock_servers) -> MockServer:
    """Ping Pong's half of ``mock_servers`` (session scope): a ``MockServer`` with ``.url``,
    ``.journal``, ``state()``, ``advance()``, ``add_fault()``. Override ``mock_servers`` rather than this."""
    return mock_servers.pingpong


@pytest.fixture(scope="session")
def ber_server(mock_servers) -> MockServer:
    """BER's half of ``mock_servers`` (session scope), like ``pingpong_server``."""
    return mock_servers.ber


@pytest.fixture
def scenario(request, mock_servers, pytestconfig) -> dict:
    """Both mocks reset to the start of the test's scenario (function scope): the one named by
    ``@pytest.mark.scenario("name")`` (or given as a document), else ``--scenario`` (env
    ``BETYG_SCENARIO``, ini ``betyg_scenario``, default ``default``). Yields the scenario document."""
    marker = request.node.get_closest_marker("scenario")
    wanted = marker.args[0] if marker else required_setting(pytestconfig, "betyg_scenario")
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
    """Both mocks' clocks, moved together (function scope; the scenario is reset first): ``now()``,
    ``set(iso)``, ``advance(minutes=15)`` (also ``seconds=``, ``hours=``, ``days=``), ``freeze()`` /
    ``freeze(False)``. The mock clock runs in real time from the scenario's start unless frozen:
    call ``mock_clock.freeze()`` when a test compares times. It fits ``mock=`` of
    ``flows.wait_until_visible_in_ber`` (which calls ``advance(seconds=...)``): no real waiting."""
    return MockClockControl(mock_servers)


class Journals:
    """The mocks' request journals: ``.pingpong`` and ``.ber``; ``clear()`` empties both."""

    def __init__(self, pair: MockPair):
        self.pingpong = pair.pingpong.journal
        self.ber = pair.ber.journal
        self._pair = pair

    def clear(self) -> None:
        for server in self._pair:
            server.clear_journal()


@pytest.fixture
def journal(mock_servers) -> Journals:
    """Both mocks' request journals (function scope): ``journal.pingpong`` / ``journal.ber``
    (``MockServer.journal``), ``journal.clear()``. Count requests with it to prove "no retry"."""
    return Journals(mock_servers)


class FaultControl:
    """Faults injected into the mocks: ``pingpong(**rule)``, ``ber(**rule)``, ``clear()``."""

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
    """Inject faults into the mocks (function scope): ``faults.pingpong(**rule)`` /
    ``faults.ber(**rule)`` (a rule as the control API's ``/_mock/faults`` takes it, e.g. a status for a
    path); every fault is removed after the test."""
    control = FaultControl(mock_servers)
    yield control
    control.clear()


@pytest.fixture
def grade_admin_page(page, scenario, mock_servers, pytestconfig):
    """pytest-playwright's ``page`` (function scope), logged in to Ping Pong as the Betygsadministratör
    (``--pingpong-user``/``--pingpong-password``, env ``PINGPONG_USER``/``PINGPONG_PASSWORD``, ini
    ``pingpong_user``/``pingpong_password``; the embedded default's otherwise), the scenario reset."""
    flows.login(page, *_credentials(pytestconfig, "pingpong"), base_url=mock_servers.pingpong.url)
    return page


@pytest.fixture
def ber_admin_page(new_context, scenario, mock_servers, pytestconfig):
    """A page of a context of its own (cookies ignore ports; opened with pytest-playwright's
    ``new_context``, so ``--tracing``/``--screenshot`` record it), logged in to BER as its
    administrator (``--ber-user``/``--ber-password``, env ``BER_USER``/``BER_PASSWORD``, ini
    ``ber_user``/``ber_password``). Function scope."""
    context = new_context(base_url=mock_servers.ber.url)
    page = context.new_page()
    flows.ber_login(page, *_credentials(pytestconfig, "ber"), base_url=mock_servers.ber.url)
    return page


@pytest.fixture
def pingpong(request, grade_admin_page, mock_servers) -> flows.PingPong:
    """:class:`flows.PingPong` bound to ``grade_admin_page`` (function scope): each step retried with a
    fresh login on a transient error, ``--betyg-attempts`` times (env ``BETYG_ATTEMPTS``, ini
    ``betyg_attempts``, default 3); once under ``@pytest.mark.fail_fast``."""
    return flows.PingPong(
        grade_admin_page,
        mock_servers.pingpong.url,
        *_credentials(request.config, "pingpong"),
        attempts=_attempts(request),
    )


@pytest.fixture
def ber(request, ber_admin_page, mock_servers) -> flows.Ber:
    """:class:`flows.Ber` bound to ``ber_admin_page`` (function scope), with ``pingpong``'s attempts."""
    return flows.Ber(
        ber_admin_page, mock_servers.ber.url, *_credentials(request.config, "ber"), attempts=_attempts(request)
    )


@pytest.fixture
def assert_catalogue():
    """``assert_catalogue(pdf, grades=None, *, students=None, teachers=None, pages=None, late=None,
    printed_at=None, **fields)`` (function scope): reads the catalogue PDF with the catalogue checker
    and fails listing every difference. ``grades`` ``{personnummer: grade}`` or ``students``
    (``catalogue.ExpectedStudent``, in order); ``teachers`` one signature block each; ``pages`` the
    page count; ``late=True``/``False`` whether "Försenad" shows; ``printed_at`` the "Utskriven" date;
    ``fields`` the head fields by label (``Kurskod="SVESVE01"``). Returns the parsed catalogue."""

    def check(
        pdf,
        grades: dict[str, str] | None = None,
        *,
        students=None,
        teachers: list[str] | None = None,
        pages: int | None = None,
        late: bool | None = None,
        printed_at: str | None = None,
        **fields: str,
    ):
        parsed = read_catalogue(pdf)
        differences = compare(
            parsed,
            ExpectedCatalogue(
                students=students,
                grades=grades,
                teachers=teachers,
                pages=pages,
                late=late,
                printed_at=printed_at,
                fields=fields,
            ),
        )
        __tracebackhide__ = True
        if differences:  # the list itself, not pytest's rewrite of a comparison of Difference objects
            raise AssertionError("Betygskatalogen stämmer inte:\n" + "\n".join(f"- {d}" for d in differences))
        return parsed

    return check


# -- drift probe ---------------------------------------------------------------------------------
def _slug(nodeid: str) -> str:
    return slug(nodeid, PORTABLE)[-120:]


def _artifacts(config, option: str, default: str) -> Path:
    given = config.getoption(option)
    return Path(given) if given else Path(config.rootpath) / "artifacts" / default


@pytest.fixture
def drift_probe(request, mock_servers, pytestconfig, browser):
    """``drift_probe(**settings) -> DriftReport``: walk both systems read-only (see
    ``betyg_harness.drift``; function scope) against ``mock_servers`` (or the systems of
    ``--pingpong-url``/``--ber-url``). Credentials as ``grade_admin_page``'s and ``ber_admin_page``'s
    (``--pingpong-user``, env ``PINGPONG_USER``, ini ``pingpong_user``, …), API tokens from ``PINGPONG_API_TOKEN``/
    ``BER_API_TOKEN`` (the mocks' development tokens otherwise). Settings: the ``drift`` marker's,
    then the call's. The report, screenshots and snapshots go to ``artifacts/drift/<test>``."""
    from betyg_harness.drift import ProbeSettings, Target, run_probe
    from betyg_harness.mock_kit.config import SHARED_ENV

    marker = request.node.get_closest_marker("drift")
    defaults = dict(marker.kwargs) if marker else {}
    folder = _artifacts(pytestconfig, "--drift-artifacts", "drift") / _slug(request.node.nodeid)
    runs: list[DriftReport] = []

    def run(**settings):
        env = os.environ.get
        merged = {
            "delay": 0.0,
            "timeout": 10.0,
            "report_dir": folder / (f"run{len(runs) + 1}" if runs else ""),
            **defaults,
            **settings,
        }
        probe = ProbeSettings(
            pingpong=Target(mock_servers.pingpong.url, *_credentials(pytestconfig, "pingpong")),
            ber=Target(mock_servers.ber.url, *_credentials(pytestconfig, "ber")),
            pingpong_token=env("PINGPONG_API_TOKEN", SHARED_ENV["PINGPONG_API_TOKEN"]),
            ber_token=env("BER_API_TOKEN", SHARED_ENV["BER_API_TOKEN"]),
            **merged,
        )
        report = run_probe(probe, browser=browser)
        runs.append(report)
        assert report.folder is not None  # run_probe writes the report into settings' report_dir
        request.node.user_properties.append(("drift_report", str(report.folder / "drift-report.json")))
        return report

    return run


@pytest.fixture
def drift_report(drift_probe):
    """The drift probe's report, run once with the ``drift`` marker's settings:
    ``assert drift_report.ok, drift_report.describe()`` (function scope). Its JSON file is linked
    from the JUnit report (``drift_report`` property) and the pytest-html report."""
    return drift_probe()


# -- visual regression ---------------------------------------------------------------------------
@pytest.fixture
def visual_page(new_context, mock_servers, request, browser_context_args):
    """A page whose screenshots compare across machines (function scope; ``betyg_harness.visual.
    CONTEXT_ARGS``: fixed viewport and scale, sv-SE, Europe/Stockholm, light, no motion), opened with
    pytest-playwright's ``new_context`` (traced and screenshotted like ``page``); ``base_url`` is Ping
    Pong's. What you set in ``browser_context_args`` (``--device``, …) wins over these."""
    from betyg_harness.visual import CONTEXT_ARGS

    given = user_context_args(request, browser_context_args)
    context = new_context(
        base_url=mock_servers.pingpong.url, **{k: v for k, v in CONTEXT_ARGS.items() if k not in given}
    )
    return context.new_page()


@pytest.fixture
def assert_matches_golden(request, pytestconfig):
    """``assert_matches_golden(subject, name, tolerance=None)``: ``subject`` is a PIL image (or a
    list), PNG or PDF bytes or a file (a PDF is compared page by page: ``name-p1.png``…) or a
    Playwright page (photographed at a fixed viewport once its fonts are loaded; pass
    ``mask=[locators]`` for parts that change by themselves). Function scope. Fails listing what
    differs and where the expected, actual and diff images were kept (``--golden-artifacts``; named
    in the JUnit report as ``golden_*`` properties and linked from the pytest-html report);
    ``--update-golden`` accepts the new look; the golden images live in ``--golden-dir`` (ini
    ``golden_dir``, default ``tests/golden``)."""
    from betyg_harness import visual

    given = pytestconfig.getoption("--golden-dir")
    folder = Path(given) if given else Path(pytestconfig.rootpath) / pytestconfig.getini("golden_dir")
    store = visual.GoldenStore(
        folder,
        _artifacts(pytestconfig, "--golden-artifacts", "visual"),
        update=pytestconfig.getoption("--update-golden"),
    )

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

"""pytest-playwright fixtures the plugin overrides. Registered by ``betyg_harness.plugin`` after every
other plugin, so these definitions win; each one asks for pytest-playwright's own value (the
fixture of the same name it overrides) and changes it only for a session or a test that uses the
plugin's fixtures. Everything else gets pytest-playwright exactly as it is: its ``base_url``
(``--base-url``, the ini value ``base_url``), ``--browser``, ``--browser-channel``, and no mocks.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping

import pytest
from playwright.sync_api import BrowserType

from betyg_harness.flows.browser import BrowserNotFound, find_browser

# Set by the plugin's pytest_collection_modifyitems: some collected test uses the plugin's fixtures.
USES_PLUGIN = pytest.StashKey[bool]()
MACHINE_CHROMIUM_INI = "betyg_machine_chromium"
MACHINE_CHROMIUM_MODES = ("auto", "always", "never")


def _machine_chromium_wanted(config) -> bool:
    mode = (config.getini(MACHINE_CHROMIUM_INI) or "auto").strip().lower()
    if mode == "always":
        return True
    if mode == "never":
        return False
    return config.stash.get(USES_PLUGIN, False)


def user_context_args(request, browser_context_args: Mapping) -> dict:
    """What pytest-playwright's ``new_context`` passes to every context of this test: the
    ``browser_context_args`` fixture (``--base-url``, ``--device``, your override) and the
    ``browser_context_args`` marker."""
    marker = next(request.node.iter_markers("browser_context_args"), None)
    return {**browser_context_args, **(marker.kwargs if marker else {})}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name, pytestconfig, request, playwright):
    """pytest-playwright's launch arguments (``--headed``, ``--browser-channel``, ``--slowmo``, your
    override), plus the machine's Chromium as ``executable_path`` (``CHROMIUM_BIN``, else Debian's
    ``chromium-headless-shell``/``chromium``) when all of these hold: the browser is chromium, no
    ``channel`` and no ``executable_path`` is given, Playwright's own Chromium is not installed, and
    the session uses the plugin's fixtures (ini ``betyg_machine_chromium = always``: every session;
    ``never``: no session). Session scope; override it like pytest-playwright's."""
    args = dict(browser_type_launch_args)
    if hasattr(request, "param"):
        # An indirect parametrization reaches this fixture, not the one it overrides.
        if not isinstance(request.param, Mapping):
            raise pytest.UsageError(
                f"browser_type_launch_args förväntar sig en mappning av startargument, fick {request.param!r}"
            )
        args.update(request.param)
    if (browser_name or "chromium") != "chromium" or args.get("channel") or args.get("executable_path"):
        return args
    if not _machine_chromium_wanted(pytestconfig):
        return args
    try:
        choice = find_browser(headless=args.get("headless", True), playwright=playwright)
    except BrowserNotFound:
        return args  # Playwright's own error then says what is missing
    if choice.executable_path:
        args["executable_path"] = choice.executable_path
    return args


@pytest.fixture(scope="session")
def connect_options(connect_options, pytestconfig):
    """pytest-playwright's ``connect_options``; for a session that uses the plugin's fixtures and has
    none, a remote browser server from ``PW_CONNECT_URL`` (``{"endpoint": url}``). Session scope."""
    if connect_options or not _machine_chromium_wanted(pytestconfig):
        return connect_options
    url = os.environ.get("PW_CONNECT_URL")
    return {_ENDPOINT: url} if url else connect_options


# pytest-playwright passes connect_options to ``BrowserType.connect`` as keywords, and Playwright
# renamed its first parameter (``ws_endpoint`` up to 1.5x, ``endpoint`` since): the installed one's name.
_ENDPOINT = "ws_endpoint" if "ws_endpoint" in inspect.signature(BrowserType.connect).parameters else "endpoint"


@pytest.fixture
def new_context(new_context, request, browser_context_args):
    """pytest-playwright's ``new_context`` (so ``--tracing``, ``--screenshot``, ``--video`` record every
    context). For a test that uses the mocks (``mock_servers`` in its fixtures), contexts get
    ``base_url`` = Ping Pong's URL unless the call names another; when you set a ``base_url``
    yourself (``--base-url``, the ini value ``base_url``, ``browser_context_args`` or its marker),
    yours wins for every context and a ``base_url`` passed to the call is dropped. Any other test
    gets pytest-playwright's fixture unchanged. Function scope."""
    if "mock_servers" not in request.fixturenames:
        return new_context
    users_base_url = "base_url" in user_context_args(request, browser_context_args)
    pingpong_url = request.getfixturevalue("mock_servers").pingpong.url
    parent = new_context

    def create(**kwargs):
        if users_base_url:
            kwargs.pop("base_url", None)  # pytest-playwright would raise "multiple values"
        else:
            kwargs.setdefault("base_url", pingpong_url)
        return parent(**kwargs)

    return create

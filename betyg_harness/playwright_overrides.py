"""pytest-playwright fixtures the plugin overrides: the machine's Chromium (or a remote one over
``PW_CONNECT_URL``) and ``base_url`` = Ping Pong. Registered by ``betyg_harness.plugin`` after every
other plugin, so these definitions win."""
from __future__ import annotations

import os

import pytest

from betyg_harness.flows.browser import find_browser, launch_args


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig, request):
    headed = bool(pytestconfig.getoption("--headed"))
    extra = {}
    slowmo = pytestconfig.getoption("--slowmo")
    if slowmo:
        extra["slow_mo"] = slowmo
    args = launch_args(find_browser(headless=not headed), headless=not headed, **extra)
    if hasattr(request, "param"):
        args.update(request.param)
    return args


@pytest.fixture(scope="session")
def connect_options():
    url = os.environ.get("PW_CONNECT_URL")
    return {"ws_endpoint": url} if url else None


@pytest.fixture(scope="session")
def base_url(mock_servers):
    return mock_servers.pingpong.url

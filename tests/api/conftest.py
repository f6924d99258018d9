"""Fixtures the API tests share (tests/reliability/conftest.py lends three of them to test_access.py).

Two names here shadow the plugin's fixtures of the same name in this folder and where lent: ``ber``
(the real BER Ping Pong syncs from, served in this process, not the plugin's BER flow) and
``pingpong`` (a stand-in for Ping Pong's grade API for BER's import, not the plugin's Ping Pong
flow). No test here uses the plugin's."""

from __future__ import annotations

import pytest

from tests.api.grade_api_support import PingPongGradeApi
from tests.api.pingpong_support import Ber, frozen_default
from tests.support.pingpong_forms import PingPongForms


# Ping Pong on the frozen default scenario against the real BER on the same scenario, in pages of 4
# (tests/api/pingpong_support.py); module-scoped, so each module has a pair of its own.
@pytest.fixture(scope="module")
def ber():
    served = Ber(frozen_default(), page_size=4)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def app(ber):
    from betyg_harness.mock_pingpong import create_app

    application = create_app({"BER_URL": ber.url, "SCENARIO": frozen_default(), "SCHEDULER": False})
    yield application
    application.extensions["mock_kit"].db.dispose()


@pytest.fixture
def fresh(app, ber):
    """Both back at the scenario's start (BER reloaded first, then Ping Pong)."""
    ber.reset()
    app.extensions["mock_kit"].load_scenario(frozen_default())
    return app


@pytest.fixture
def admin(fresh):
    browser = PingPongForms(fresh)
    browser.sign_in("betygsadmin")
    return browser


# The grade API stand-in BER imports from (test_ber_import.py, test_ber_history.py).
@pytest.fixture
def pingpong():
    stub = PingPongGradeApi()
    stub.start()
    yield stub
    if stub._server is not None:
        try:
            stub.stop()
        except OSError:
            pass

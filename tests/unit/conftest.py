"""Fixtures the unit tests share."""

from __future__ import annotations

import pytest

from betyg_harness.flows.robot import runner


@pytest.fixture
def no_browser(monkeypatch):
    """Fail the test if the robot gets as far as starting Playwright (or looking groups up)."""

    def boom(*a, **k):
        raise AssertionError("the browser was opened")

    monkeypatch.setattr(runner, "sync_playwright", boom)
    monkeypatch.setattr(runner, "preflight", boom)

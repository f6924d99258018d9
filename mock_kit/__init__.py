"""Machinery shared by both mocks, written once: clock, scheduler, persistence, control API,
request journal, fault injection, scenario loading and the HTTP server.

A mock wires it in with :func:`mock_kit.app.init_mock` from its own ``create_app``.
"""

from betyg_harness.mock_kit.app import MockKit, current_kit, init_mock

__all__ = ["MockKit", "current_kit", "init_mock"]

"""Fixtures the end-to-end tests share."""

from __future__ import annotations

import pytest

from tests.support.localpg import LocalPostgres, PostgresUnavailable


@pytest.fixture(scope="session")
def local_postgres():
    """A local PostgreSQL for the scale-out tests (``tests/support/localpg.py``), once per xdist worker;
    the tests using it share one worker (``xdist_group("postgres")``). Skipped, with the reason, where
    PostgreSQL cannot be had (not installed and not root, or the driver missing)."""
    try:
        import psycopg  # noqa: F401 — the "scale" extra
    except ImportError:
        pytest.skip("psycopg saknas: pip install 'betyg-harness[scale]'")
    try:
        server = LocalPostgres.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"Ingen PostgreSQL här: {exc}")
    yield server
    server.stop()

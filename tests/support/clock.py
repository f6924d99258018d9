"""When the scenarios begin: the clock start of every scenario in fixtures/scenarios/, in one place."""

from __future__ import annotations

START = "2026-12-18T08:00:00+01:00"
# The start as Ping Pong's grade API writes a window's bound (local time, to the minute).
START_MINUTE = START[:16]

"""A controllable clock in Europe/Stockholm that every rule and job reads time through."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from betyg_harness.mock_kit.errors import ClockError

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# The mock clock's range: far from the calendar's edges (year 1 and 9999), where an offset or a few
# days of advancing overflow datetime, and wide enough for any scenario.
EARLIEST = datetime(1900, 1, 1, tzinfo=STOCKHOLM)
LATEST = datetime(9000, 1, 1, tzinfo=STOCKHOLM)


def parse_instant(value: str) -> datetime:
    """Parse an ISO-8601 instant; a naive one is taken as Stockholm local time. ClockError (a
    ValueError) for text that is no instant and for an instant outside [1900, 9000)
    ('9999-12-31T23:59:59-14:00' overflows)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ClockError(str(exc)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    try:
        parsed = parsed.astimezone(STOCKHOLM)
    except OverflowError:
        raise ClockError(f"{value!r} ligger utanför kalendern.") from None
    if not EARLIEST <= parsed < LATEST:
        raise ClockError(f"{value!r} ligger utanför klockans intervall (år 1900–8999).")
    return parsed


class MockClock:
    """Runs at real speed from an anchor; can be set, frozen and advanced.

    The state is (offset from the real clock, frozen instant or None), so it can be persisted
    and a restarted mock continues on the same mock time.
    """

    def __init__(self, start: datetime | None = None, *, real_time=time.time):
        self._real_time = real_time
        self._lock = threading.RLock()
        self._offset = 0.0
        self._frozen_at: float | None = None
        if start is not None:
            self.set(start)

    # -- reading -------------------------------------------------------------------------
    def timestamp(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._real_time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), STOCKHOLM)

    def today(self) -> date:
        return self.now().date()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    # -- control -------------------------------------------------------------------------
    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=STOCKHOLM)
        target = instant.timestamp()
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - self._real_time()

    def freeze(self, frozen: bool = True) -> None:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self.timestamp()
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - self._real_time()
                self._frozen_at = None

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.set(self.now() + delta)

    # -- persistence ---------------------------------------------------------------------
    def state(self) -> dict:
        with self._lock:
            return {"offset": self._offset, "frozen_at": self._frozen_at}

    def restore(self, state: dict) -> None:
        with self._lock:
            self._offset = float(state.get("offset", 0.0))
            frozen_at = state.get("frozen_at")
            self._frozen_at = None if frozen_at is None else float(frozen_at)

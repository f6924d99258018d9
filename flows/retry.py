"""Bounded retries of transient failures, with a fresh login in between."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Error as PlaywrightError

from betyg_harness.flows.errors import BusinessError, TransientError

T = TypeVar("T")
log = logging.getLogger("flows")


def is_transient(exc: BaseException) -> bool:
    """Timeouts, 5xx, lost sessions and browser-level errors; never a business refusal."""
    if isinstance(exc, BusinessError):
        return False
    return isinstance(exc, (TransientError, PlaywrightError))


def with_retry(
    action: Callable[[], T],
    *,
    recover: Callable[[], None] | None = None,
    attempts: int = 3,
    base_delay: float = 0.5,
    max_delay: float = 8.0,
    what: str = "",
) -> T:
    """Run ``action``; on a transient failure wait (0.5 s, 1 s, … ≤ ``max_delay``), ``recover``
    (e.g. log in again) and try again, at most ``attempts`` times. Business errors go straight up."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as exc:
            if not is_transient(exc) or attempt == attempts:
                raise
            delay = min(base_delay * 2 ** (attempt - 1), max_delay)
            log.warning("%s: %s — försök %d av %d om %.1f s", what or "flöde", exc, attempt + 1, attempts, delay)
            time.sleep(delay)  # sleep-ok: bounded back-off before retrying a transient failure
            if recover is not None:
                try:
                    recover()
                except Exception as again:  # the next attempt reports it if it persists
                    if not is_transient(again):
                        raise
    raise AssertionError("unreachable")

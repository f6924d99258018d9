"""Keeping a mock's resident memory low after big loads (5,000 groups, 20,000 persons).

CPython frees objects, but glibc keeps freed heap pages (and one heap per thread) mapped, so a
mock that once loaded a big scenario or served a full sync stays large. ``tune()`` asks glibc for
few heaps and for mmap-ed big blocks (returned on free); ``release()`` hands freed pages back.
Both are no-ops where glibc is not the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
        libc.mallopt  # noqa: B018
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def tune() -> None:
    """At process start: two malloc heaps for all request threads, and blocks of 256 KB or more
    (page bodies, JSON documents) in their own mappings so freeing them returns the memory."""
    if _LIBC is None:
        return
    _LIBC.mallopt(M_ARENA_MAX, 2)
    _LIBC.mallopt(M_MMAP_THRESHOLD, 256 * 1024)
    _LIBC.mallopt(M_TRIM_THRESHOLD, 1024 * 1024)


def release() -> None:
    """After a big load: collect cycles and return freed heap pages to the system."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class Releaser:
    """Releases memory once a burst of heavy requests (a full sync's pages) has been quiet a while,
    from its own thread, so no request waits for the collection."""

    def __init__(self, quiet_seconds: float = 2.0):
        self.quiet = quiet_seconds
        self._wake = threading.Event()
        self._last = 0.0
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        self._last = time.monotonic()
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="mock-memory", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            while (left := self._last + self.quiet - time.monotonic()) > 0:
                time.sleep(left)
            self._wake.clear()
            release()

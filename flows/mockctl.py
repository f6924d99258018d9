"""An optional client for a mock's control API (`/_mock/...`), for tests and demos only.

The flows never need it against a real system; pass one to :func:`flows.ber.wait_until_visible_in_ber`
to advance the mock clock instead of waiting in real time.
"""
from __future__ import annotations

import requests


class MockControl:
    def __init__(self, url: str, *, token: str | None = None, timeout: float = 60):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"{self.url}/_mock{path}", timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response.json()

    def now(self) -> str:
        return self._call("GET", "/clock")["now"]

    def advance(self, *, minutes: float = 0, seconds: float = 0, hours: float = 0, days: float = 0) -> dict:
        body = {k: v for k, v in dict(minutes=minutes, seconds=seconds, hours=hours, days=days).items() if v}
        return self._call("POST", "/clock/advance", json=body or {"seconds": 0})

    def set_clock(self, now: str) -> dict:
        return self._call("POST", "/clock", json={"now": now})

    def journal(self, *, method: str | None = None, path: str | None = None) -> list[dict]:
        params = {k: v for k, v in dict(method=method, path=path).items() if v}
        return self._call("GET", "/journal", params=params)["entries"]

    def add_fault(self, **rule) -> dict:
        return self._call("POST", "/faults", json=rule)

    def clear_faults(self) -> dict:
        return self._call("DELETE", "/faults")

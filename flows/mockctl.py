"""A client for a mock's control API (``/_mock/...``), for tests, demos and the robot against the mocks.

The flows never need it against a real system; pass one to :func:`flows.ber.wait_until_visible_in_ber`
to advance the mock clock instead of waiting in real time. ``betyg_harness.launcher.MockServer`` builds on it.
"""

from __future__ import annotations

import requests


class MockControlError(RuntimeError):
    pass


class MockControl:
    def __init__(self, url: str, *, token: str | None = None, timeout: float = 120, name: str | None = None):
        self.url = url.rstrip("/")
        self.name = name or self.url
        self.timeout = timeout
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs) -> dict:
        if method != "GET" and "json" not in kwargs:
            kwargs["json"] = {}  # the control API takes state changes as JSON only (a cross-site guard)
        response = self.http.request(method, f"{self.url}/_mock{path}", timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise MockControlError(f"{self.name}: {method} /_mock{path} → {response.status_code}: {response.text}")
        return response.json()

    def healthy(self) -> bool:
        try:
            return self.http.get(f"{self.url}/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    def state(self, *, digest: bool = False) -> dict:
        """Scenario, clock, jobs, rows per table (and with ``digest`` a fingerprint of all rows)."""
        return self._call("GET", "/state", params={"digest": "1"} if digest else None)

    def end_sessions(self) -> dict:
        """Log every user out (as when sessions expire)."""
        return self._call("DELETE", "/sessions")

    def reset(self) -> dict:
        return self._call("POST", "/reset", json={})

    def load_scenario(self, scenario: str | dict) -> dict:
        """A named scenario (from the mock's fixtures) or a whole scenario document."""
        return self._call("POST", "/scenario", json={"name": scenario} if isinstance(scenario, str) else scenario)

    def now(self) -> str:
        return self._call("GET", "/clock")["now"]

    def set_clock(self, now: str | None = None, *, freeze: bool | None = None) -> dict:
        body = {k: v for k, v in {"now": now, "freeze": freeze}.items() if v is not None}
        return self._call("POST", "/clock", json=body)

    def advance(self, *, minutes: float = 0, seconds: float = 0, hours: float = 0, days: float = 0) -> dict:
        body = {k: v for k, v in dict(minutes=minutes, seconds=seconds, hours=hours, days=days).items() if v}
        return self._call("POST", "/clock/advance", json=body or {"seconds": 0})

    def journal(self, *, method: str | None = None, path: str | None = None) -> list[dict]:
        params = {k: v for k, v in dict(method=method, path=path).items() if v}
        return self._call("GET", "/journal", params=params)["entries"]

    def clear_journal(self) -> dict:
        return self._call("DELETE", "/journal")

    def add_fault(self, **rule) -> dict:
        return self._call("POST", "/faults", json=rule)

    def faults(self) -> list[dict]:
        """The fault rules in force, each with ``hits``: how many requests it has caught so far
        (counted when a request arrives, before any latency)."""
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> dict:
        return self._call("DELETE", "/faults")

"""The answers the harness reads from the real systems' APIs, fetched (GET only) and checked against
the shipped schemas: Ping Pong's grade API against ``betyg.xsd`` (and docs/contracts.md), BER's
SS 12000 v2.1 answers against the official OpenAPI file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from betyg_harness.contracts import ContractError, check_betyg_contract, ss12000_schema_for, validate_ss12000_response
from betyg_harness.drift.report import Finding

STOCKHOLM = ZoneInfo("Europe/Stockholm")
GRADE_API = "/api/skolplattform/betyg"
SS12000_PREFIX = "/ss12000/v2.1"
# What Ping Pong reads from BER (docs/contracts.md); "grades" is BER's own and left out.
SS12000_LISTS = ("/organisations", "/persons", "/duties", "/syllabuses", "/groups", "/activities")
MAX_ERRORS_SHOWN = 5


@dataclass
class ApiSettings:
    pingpong_url: str
    ber_url: str
    pingpong_token: str | None
    ber_token: str | None
    grades_from: datetime | None = None
    grades_to: datetime | None = None
    ss12000_prefix: str = SS12000_PREFIX
    limit: int = 5
    timeout: float = 30
    delay: float = 0.0


class _Polite:
    """One requests session, one request at a time, ``delay`` seconds apart; GET only."""

    def __init__(self, delay: float, timeout: float):
        self.http = requests.Session()
        self.delay, self.timeout = delay, timeout
        self._last = 0.0

    def get(self, url: str, *, token: str | None, params: dict | None = None, accept: str) -> requests.Response:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # sleep-ok: the politeness delay between two requests to a real system
        try:
            headers = {"Accept": accept}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            return self.http.get(url, params=params, headers=headers, timeout=self.timeout, allow_redirects=False)
        finally:
            self._last = time.monotonic()


def _window(settings: ApiSettings) -> tuple[datetime, datetime]:
    tom = settings.grades_to or datetime.now(STOCKHOLM).replace(second=0, microsecond=0)
    start = settings.grades_from or tom - timedelta(days=7)
    return start, tom


def _answer_error(system: str, where: str, response: requests.Response, token_env: str) -> Finding:
    if response.status_code in (401, 403):
        detail = f"{response.status_code}: behörighet saknas (ange {token_env})"
    else:
        detail = f"svarade {response.status_code}"
    return Finding("api", system, where, f"GET {where}", "error", detail=detail)


def check_grade_api(settings: ApiSettings, http: _Polite) -> list[Finding]:
    start, tom = _window(settings)
    where = GRADE_API
    what = f"GET {GRADE_API}?from={start:%Y-%m-%dT%H:%M}&tom={tom:%Y-%m-%dT%H:%M}&schoolType=VUX"
    if not settings.pingpong_token:
        return [Finding("api", "Ping Pong", where, what, "skipped", detail="ingen token (PINGPONG_API_TOKEN)")]
    try:
        response = http.get(
            settings.pingpong_url.rstrip("/") + GRADE_API,
            token=settings.pingpong_token,
            params={"from": f"{start:%Y-%m-%dT%H:%M}", "tom": f"{tom:%Y-%m-%dT%H:%M}", "schoolType": "VUX"},
            accept="application/xml",
        )
    except requests.RequestException as exc:
        return [Finding("api", "Ping Pong", where, what, "error", detail=f"nåddes inte: {type(exc).__name__}")]
    if response.status_code != 200:
        finding = _answer_error("Ping Pong", where, response, "PINGPONG_API_TOKEN")
        finding.what = what
        return [finding]
    try:
        check_betyg_contract(response.content)
    except ContractError as exc:
        return [
            Finding(
                "api",
                "Ping Pong",
                where,
                what,
                "contract",
                count=len(exc.errors),
                detail="; ".join(exc.errors[:MAX_ERRORS_SHOWN])
                + (f" (+{len(exc.errors) - MAX_ERRORS_SHOWN})" if len(exc.errors) > MAX_ERRORS_SHOWN else ""),
            )
        ]
    students = response.content.count(b"<elev ")
    return [
        Finding(
            "api",
            "Ping Pong",
            where,
            what,
            "ok",
            count=students,
            detail=f"giltig mot betyg.xsd och kontraktet ({students} elever)",
        )
    ]


def check_ss12000(settings: ApiSettings, http: _Polite) -> list[Finding]:
    base = settings.ber_url.rstrip("/") + settings.ss12000_prefix
    if not settings.ber_token:
        return [
            Finding("api", "BER", settings.ss12000_prefix, "SS 12000", "skipped", detail="ingen token (BER_API_TOKEN)")
        ]
    findings: list[Finding] = []
    first_group = None
    for path in SS12000_LISTS:
        finding, body = _check_one(http, base, path, {"limit": settings.limit}, settings)
        findings.append(finding)
        if path == "/groups" and isinstance(body, dict) and body.get("data"):
            first_group = body["data"][0].get("id")
    if first_group:
        finding, _ = _check_one(http, base, f"/groups/{first_group}", None, settings)
        findings.append(finding)
    return findings


def _check_one(http: _Polite, base: str, path: str, params: dict | None, settings: ApiSettings):
    what = f"GET {settings.ss12000_prefix}{path}" + (f"?limit={params['limit']}" if params else "")
    where = settings.ss12000_prefix + (path if "/" not in path[1:] else path.rsplit("/", 1)[0] + "/{id}")
    try:
        response = http.get(base + path, token=settings.ber_token, params=params, accept="application/json")
    except requests.RequestException as exc:
        return Finding("api", "BER", where, what, "error", detail=f"nåddes inte: {type(exc).__name__}"), None
    if response.status_code != 200:
        finding = _answer_error("BER", where, response, "BER_API_TOKEN")
        finding.what = what
        return finding, None
    try:
        body = response.json()
    except ValueError:
        return Finding("api", "BER", where, what, "contract", detail="svaret är inte JSON"), None
    schema = ss12000_schema_for(path)
    try:
        validate_ss12000_response(path, response.status_code, body)
    except ContractError as exc:
        return Finding(
            "api",
            "BER",
            where,
            what,
            "contract",
            count=len(exc.errors),
            detail=f"{schema}: " + "; ".join(exc.errors[:MAX_ERRORS_SHOWN]),
        ), body
    n = len(body.get("data", [])) if isinstance(body, dict) and "data" in body else 1
    return Finding("api", "BER", where, what, "ok", count=n, detail=f"giltig mot {schema} ({n} poster)"), body


def check_apis(settings: ApiSettings) -> list[Finding]:
    http = _Polite(settings.delay, settings.timeout)
    return check_grade_api(settings, http) + check_ss12000(settings, http)

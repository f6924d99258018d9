"""Reading what each system holds over its real API, for tests that count: BER's grades over
SS 12000 (every page), Ping Pong's locked grades over its grade API."""

from __future__ import annotations

from collections import Counter

import requests

from betyg_harness.contracts import betyg_records

BER_TOKEN = {"Authorization": "Bearer ber-dev-token"}
PINGPONG_TOKEN = {"Authorization": "Bearer pingpong-dev-token"}


def ber_grades(ber_url: str) -> list[dict]:
    """Every grade BER shows in its SS 12000 API (following pageToken)."""
    out, params = [], {"limit": 500}
    while True:
        body = requests.get(f"{ber_url}/ss12000/v2.1/grades", params=params, headers=BER_TOKEN, timeout=30).json()
        out += body["data"]
        if not body.get("pageToken"):
            return out
        params = {"pageToken": body["pageToken"]}


def ber_grade_counts(ber_url: str) -> Counter:
    """(student id, syllabus id, grade) → how many times BER holds it (1 each, when nothing is duplicated)."""
    return Counter((g["student"]["id"], g["syllabus"]["id"], g["gradeValue"]) for g in ber_grades(ber_url))


def pingpong_locked(pingpong_url: str, start: str = "2000-01-01T00:00", tom: str = "2100-01-01T00:00") -> list[dict]:
    """Every locked grade Ping Pong publishes in its grade API for the window."""
    response = requests.get(
        f"{pingpong_url}/api/skolplattform/betyg",
        params={"from": start, "tom": tom},
        headers=PINGPONG_TOKEN,
        timeout=60,
    )
    response.raise_for_status()
    return betyg_records(response.content)

"""Helpers of the reliability tests: a form's CSRF token, and a fingerprint of what a mock holds."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def stored(app) -> str:
    """A fingerprint of every row the mock holds (what a refused form must leave unchanged)."""
    kit = app.extensions["mock_kit"]
    with app.app_context():
        return kit.db.digest()

"""Keep secrets (password, session cookie, tokens) out of the robot's artefacts.

Safety net for Playwright traces: a trace chunk records request headers, set-cookie responses
and POST bodies, so the login's password and the session cookie end up in trace.network and
resources/*. `scrub_trace_zip` rewrites a trace zip in place with those values replaced by
"***", keeping it a valid zip for `playwright show-trace`.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

MASK = "***"
# Header values that carry credentials whatever their content.
_HEADER_RE = re.compile(
    rb'("name"\s*:\s*"(?:cookie|set-cookie|authorization|x-control-token)"\s*,\s*"value"\s*:\s*")'
    rb'((?:[^"\\]|\\.)*)(")',
    re.IGNORECASE,
)


def _variants(secret: str) -> set[bytes]:
    """A secret as it may appear in a trace: raw, form- or URL-encoded, JSON-escaped."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        secret.replace("\\", "\\\\").replace('"', '\\"'),
    }
    return {f.encode("utf-8") for f in forms if f}


def scrub_bytes(data: bytes, secrets: list[str]) -> bytes:
    data = _HEADER_RE.sub(lambda m: m.group(1) + MASK.encode() + m.group(3), data)
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        for variant in sorted(_variants(secret), key=len, reverse=True):
            data = data.replace(variant, MASK.encode())
    return data


def cookie_values(context) -> list[str]:
    """The current cookie values of a Playwright browser context (never raises)."""
    try:
        return [c["value"] for c in context.cookies() if c.get("value")]
    except Exception:  # a dead context has nothing more to leak
        return []


def scrub_trace_zip(path: str | os.PathLike, secrets: list[str]) -> None:
    """Rewrite a trace zip in place, every entry scrubbed; atomic via a temp file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, scrub_bytes(src.read(info), secrets), compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

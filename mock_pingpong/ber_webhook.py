"""``POST /api/ber/webhook/<token>``: where BER posts its SS 12000 subscription notices.

The token in the path is the one Ping Pong put in the subscription's target (only BER knows it).
It is checked first: an unknown token is 404 before a byte of the body is read. A known one's
body is read only as far as ``MAX_NOTICE_BYTES`` (413 beyond) and parsed leniently — a notice that
is no JSON, or JSON nested too deep, is still a notice (Ping Pong syncs incrementally whatever it
says; the body is only logged). A notice makes Ping Pong sync at once (incremental: changes and
removals); the answer comes when the sync is done, so BER's journal shows the delivery after Ping
Pong has the change.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request

ber_webhook = Blueprint("ber_webhook", __name__, url_prefix="/api/ber")
MAX_NOTICE_BYTES = 64 * 1024  # the file's callback body is a few type names and a boolean
TOO_LARGE = object()


def _unknown():
    return jsonify({"code": "not_found", "message": "Okänd prenumeration."}), 404


def _notice_body() -> object | None:
    """The notice's JSON, None when it is none (or too deep to parse), ``TOO_LARGE`` beyond the bound."""
    if request.content_length is not None and request.content_length > MAX_NOTICE_BYTES:
        return TOO_LARGE
    raw = request.stream.read(MAX_NOTICE_BYTES + 1)
    if len(raw) > MAX_NOTICE_BYTES:
        return TOO_LARGE
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


@ber_webhook.post("/webhook/<token>")
def notice(token: str):
    from betyg_harness.mock_pingpong import get_syncer

    syncer = get_syncer(current_app)
    if not syncer.expects(token):
        return _unknown()
    body = _notice_body()
    if body is TOO_LARGE:
        return jsonify({"code": "too_large", "message": f"En notis får vara högst {MAX_NOTICE_BYTES} byte."}), 413
    synced = syncer.notified(token, body)
    if synced is None:
        return _unknown()
    # 200 even when BER could not be read back: the notice was received; the poll catches up.
    return jsonify({"received": True, "synced": bool(synced)})

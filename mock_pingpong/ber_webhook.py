"""``POST /api/ber/webhook/<token>``: where BER posts its SS 12000 subscription notices.

The token in the path is the one Ping Pong put in the subscription's target (only BER knows it).
A notice makes Ping Pong sync at once (incremental: changes and removals); the answer comes when
the sync is done, so BER's journal shows the delivery after Ping Pong has the change.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

ber_webhook = Blueprint("ber_webhook", __name__, url_prefix="/api/ber")


@ber_webhook.post("/webhook/<token>")
def notice(token: str):
    from betyg_harness.mock_pingpong import get_syncer
    synced = get_syncer(current_app).notified(token, request.get_json(silent=True))
    if synced is None:
        return jsonify({"code": "not_found", "message": "Okänd prenumeration."}), 404
    # 200 even when BER could not be read back: the notice was received; the poll catches up.
    return jsonify({"received": True, "synced": bool(synced)})

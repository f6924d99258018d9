"""Ping Pong's screens: login (``auth``) and the Betyg tool (``betyg``)."""

from __future__ import annotations

from flask import Flask, g, make_response, render_template

from betyg_harness.mock_kit import logins
from betyg_harness.mock_kit.app import current_kit
from betyg_harness.mock_kit.error_pages import ErrorPages


def register_ui(app: Flask) -> None:
    from betyg_harness.mock_pingpong import store
    from betyg_harness.mock_pingpong.ui.auth import auth
    from betyg_harness.mock_pingpong.ui.betyg import betyg
    from betyg_harness.mock_pingpong.ui.variant import variant_flags

    app.register_blueprint(auth)
    app.register_blueprint(betyg)
    variant = variant_flags(app.config.get("UI_VARIANT"))

    @app.before_request
    def _load_user():
        g.user = None
        username = logins.current()
        if username:
            with current_kit().db.engine.connect() as conn:
                g.user = store.account(conn, username)
            if g.user is None:
                logins.end()  # the account is gone (another scenario)

    @app.context_processor
    def _context():
        return {"user": g.get("user"), "variant": variant}


def error_pages() -> ErrorPages:
    """Errors as Ping Pong's own message page; the grade API answers in its XML error format."""
    from betyg_harness.mock_pingpong.api import PREFIX, error_response

    def page(status: int, title: str, message: str):
        return make_response(render_template("message.html", title=title, message=message), status)

    def json_error(status: int, code: str, message: str):
        from flask import jsonify

        response = jsonify({"code": code, "message": message})
        response.status_code = status
        return response

    # BER's webhook notices (JSON in): a refused body (413, 400) is a JSON error object too.
    return ErrorPages(page=page, apis={PREFIX: error_response, "/api/ber": json_error})

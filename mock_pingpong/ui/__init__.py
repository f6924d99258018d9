"""Ping Pong's screens: login (``auth``) and the Betyg tool (``betyg``)."""
from __future__ import annotations

from flask import Flask, g, render_template, session
from flask_wtf.csrf import CSRFError

from betyg_harness.mock_kit.app import current_kit


def register_ui(app: Flask) -> None:
    from betyg_harness.mock_pingpong import repository
    from betyg_harness.mock_pingpong.ui.auth import auth
    from betyg_harness.mock_pingpong.ui.betyg import betyg
    from betyg_harness.mock_pingpong.ui.variant import variant_flags

    app.register_blueprint(auth)
    app.register_blueprint(betyg)
    variant = variant_flags(app.config.get("UI_VARIANT"))

    @app.before_request
    def _load_user():
        g.user = None
        username = session.get("user")
        if username:
            with current_kit().db.engine.connect() as conn:
                g.user = repository.account(conn, username)
            if g.user is None:
                session.clear()

    @app.context_processor
    def _context():
        return {"user": g.get("user"), "variant": variant}

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("message.html", title="Formuläret kunde inte skickas",
                               message="Formuläret saknar en giltig säkerhetstoken. Ladda om sidan och försök igen."), 400

    @app.errorhandler(404)
    def _not_found(error):
        return render_template("message.html", title="Sidan finns inte",
                               message="Sidan eller betygsgruppen finns inte."), 404

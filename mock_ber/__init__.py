"""BER ("Barn- och elevregistret") mock: the registry, its SS 12000 v2.1 API, grading-teacher links
and the grade import from Ping Pong. ``create_app(config)`` builds it; ``python -m betyg_harness.mock_ber`` serves it."""
from __future__ import annotations

from flask import Flask
from flask_wtf import CSRFProtect

from betyg_harness.mock_kit import init_mock
from betyg_harness.mock_kit.config import build_config

DEFAULTS = {
    "IMPORT_INTERVAL_MINUTES": 15,
    "IMPORT_MODE": "interval",       # interval | immediate | random
    "IMPORT_SEED": 0,                # the random mode's seed
    "IMPORT_TIMEOUT_SECONDS": 10,
    "SESSION_COOKIE_NAME": "ber_session",  # both mocks may run on 127.0.0.1: cookies ignore the port
    "SS12000_MAX_PAGE_SIZE": 1000,   # the most records one page holds (with or without limit)
    "WEBHOOK_INTERVAL_SECONDS": 30,  # how often (mock time) BER looks for changes to notify subscribers of
    "WEBHOOK_TIMEOUT_SECONDS": 10,   # a subscriber's answer to one notice
    "SUBSCRIPTION_DAYS": 30,         # a subscription's lifetime; PATCH renews it
}


def create_app(config: dict | None = None) -> Flask:
    from betyg_harness.mock_kit.control import control_api
    from betyg_harness.mock_ber import grade_import, loader, ss12000, ui, webhooks
    from betyg_harness.mock_ber.models import metadata
    from betyg_harness.mock_kit.webfonts import register_fonts

    app = Flask(__name__)
    app.config.update(build_config("BER", DEFAULTS, config))
    app.config["SS12000_MAX_PAGE_SIZE"] = int(app.config["SS12000_MAX_PAGE_SIZE"])
    csrf = CSRFProtect(app)
    app.register_blueprint(ss12000.api)
    csrf.exempt(ss12000.api)
    app.register_blueprint(ui.bp)
    register_fonts(app)

    def after_load(kit):
        grade_import.after_load(kit)
        webhooks.drop_job(kit)  # the tables are new: no subscriptions

    kit = init_mock(app, name="mock_ber", metadata=metadata, load_scenario=loader.load, after_load=after_load,
                    error_pages=ui.error_pages(), check_scenario=loader.check)
    csrf.exempt(control_api)  # a JSON API for tests and tools, not a browser form
    grade_import.install(app, kit)
    webhooks.install(app, kit)
    return app

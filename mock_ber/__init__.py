"""BER ("Barn- och elevregistret") mock: the registry, its SS 12000 v2.1 API, grading-teacher links
and the grade import from Ping Pong. ``create_app(config)`` builds it; ``python -m betyg_harness.mock_ber`` serves it."""

from __future__ import annotations

from betyg_harness.extras import ExtraMissing

try:
    from flask import Flask
    from flask_wtf import CSRFProtect
except ModuleNotFoundError as absent:  # the robot's plain install has no Flask
    raise ExtraMissing("mocks", "betyg_harness.mock_ber", absent) from None

from betyg_harness.mock_kit import init_mock
from betyg_harness.mock_kit.config import build_config

DEFAULTS = {
    "IMPORT_INTERVAL_MINUTES": 15,
    "IMPORT_MODE": "interval",  # interval | immediate | random
    "IMPORT_SEED": 0,  # the random mode's seed
    "IMPORT_TIMEOUT_SECONDS": 10,
    "SESSION_COOKIE_NAME": "ber_session",  # both mocks may run on 127.0.0.1: cookies ignore the port
    "SS12000_MAX_PAGE_SIZE": 1000,  # the most records one page holds (with or without limit)
    "SS12000_MAX_LOOKUP": 1000,  # the most ids/civicNos/… one POST /{resource}/lookup may name (400 beyond)
    "WEBHOOK_INTERVAL_SECONDS": 30,  # how often (mock time) BER looks for changes to notify subscribers of
    "WEBHOOK_TIMEOUT_SECONDS": 10,  # a subscriber's answer to one notice (connect and read; a round ≤ twice it)
    "WEBHOOK_PARALLEL": 8,  # deliveries of one round at once
    "WEBHOOK_ALLOWED_TARGETS": None,  # origins BER may post notices to, "http://h:p,…"; None: PINGPONG_URL's
    "WEBHOOK_PUBLIC_TARGETS": False,  # also targets on public (global) addresses not on the list
    "API_CLIENTS": None,  # the SS 12000 API's clients, "name:token,…"; None: pingpong with BER_API_TOKEN
    "SUBSCRIPTION_DAYS": 30,  # a subscription's lifetime; PATCH renews it
}


def api_clients(config) -> dict[str, str]:
    """The SS 12000 API's clients, name → bearer token. ``API_CLIENTS`` (env ``BER_API_CLIENTS``,
    ``name:token,name:token``, or a dict) is the complete list when set; unset, the one client is
    ``pingpong`` with ``BER_API_TOKEN``. A client without a token is left out (it cannot log in)."""
    listed = config.get("API_CLIENTS")
    if listed is None:
        pairs = [("pingpong", config.get("BER_API_TOKEN"))]
    elif isinstance(listed, dict):
        pairs = list(listed.items())
    else:
        pairs = [entry.partition(":")[::2] for entry in str(listed).split(",")]
    clients: dict[str, str] = {}
    for name, token in pairs:
        name, token = str(name).strip(), str(token or "").strip()
        if name and token and name not in clients:
            clients[name] = token
    return clients


def create_app(config: dict | None = None) -> Flask:
    from betyg_harness.mock_kit.control import control_api
    from betyg_harness.mock_ber import ss12000, ui
    from betyg_harness.mock_ber.store import scenario
    from betyg_harness.mock_ber.jobs import grade_import, webhooks
    from betyg_harness.mock_ber.models import metadata
    from betyg_harness.mock_kit.webfonts import register_fonts

    app = Flask(__name__)
    app.config.update(build_config("BER", DEFAULTS, config))
    app.config["SS12000_MAX_PAGE_SIZE"] = int(app.config["SS12000_MAX_PAGE_SIZE"])
    app.config["SS12000_MAX_LOOKUP"] = int(app.config["SS12000_MAX_LOOKUP"])
    csrf = CSRFProtect(app)
    app.register_blueprint(ss12000.api)
    csrf.exempt(ss12000.api)
    app.register_blueprint(ui.bp)
    register_fonts(app)

    def after_load(kit):
        grade_import.after_load(kit)
        webhooks.drop_job(kit)  # the tables are new: no subscriptions

    kit = init_mock(
        app,
        name="mock_ber",
        metadata=metadata,
        load_scenario=scenario.load,
        after_load=after_load,
        error_pages=ui.error_pages(),
    )
    csrf.exempt(control_api)  # a JSON API for tests and tools, not a browser form
    grade_import.install(app, kit)
    webhooks.install(app, kit)
    return app

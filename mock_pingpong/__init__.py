"""The Ping Pong mock (Lärportalen Ping Pong): grading, the grade catalogue and the grade API."""

from __future__ import annotations

from betyg_harness.extras import ExtraMissing

try:
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect
except ModuleNotFoundError as absent:  # the robot's plain install has no Flask
    raise ExtraMissing("mocks", "betyg_harness.mock_pingpong", absent) from None

from betyg_harness.mock_kit import init_mock
from betyg_harness.mock_kit.config import build_config

DEFAULTS = {
    "SYNC_INTERVAL_MINUTES": 5,  # incremental BER sync on the mock clock; 0 = read BER on every search
    "WTF_CSRF": True,
    "BER_TIMEOUT_SECONDS": 5,
    "BER_PAGE_LIMIT": 500,
    "GROUP_REFRESH": True,  # opening a group re-reads its roster and teachers from BER
    "SYNC_ON_LOAD": True,  # a full sync right after a scenario load (BER is loaded first)
    "SEARCH_LIMIT": 200,  # rows shown; more hits ask the user to narrow the search
    "UI_VARIANT": "",  # "upgrade": the changed screens of ui/variant.py (drift probe's proof)
    "BER_WEBHOOKS": True,  # subscribe to BER's change notices where BER offers them (polling stays)
    "WEBHOOK_BASE_URL": None,  # how BER reaches Ping Pong; None = PINGPONG_URL
}


def get_syncer(app: Flask):
    from betyg_harness.mock_pingpong.jobs import Syncer

    if "pingpong_syncer" not in app.extensions:
        app.extensions["pingpong_syncer"] = Syncer(app.extensions["mock_kit"], app.config)
    return app.extensions["pingpong_syncer"]


def _load_scenario(kit, document: dict) -> None:
    from betyg_harness.mock_pingpong import rules, store

    with kit.db.engine.begin() as conn:
        store.add_accounts(conn, rules.accounts_from_scenario(document))


def _after_load(kit) -> None:
    syncer = get_syncer(kit.app)
    syncer.reset()
    if kit.app.config["SYNC_ON_LOAD"]:
        syncer.sync(full=True)  # on failure the full sync stays pending for the next search


def create_app(config: dict | None = None) -> Flask:
    from betyg_harness.mock_kit.control import control_api
    from betyg_harness.mock_pingpong.models import metadata

    settings = build_config("PINGPONG", DEFAULTS, config)
    app = Flask(__name__)
    app.config.update(settings)
    app.config["WTF_CSRF_ENABLED"] = bool(app.config["WTF_CSRF"])
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # valid for the session: grading a big group takes time
    csrf = CSRFProtect(app)

    from betyg_harness.mock_pingpong.api import ber_webhook, grade_api
    from betyg_harness.mock_pingpong.ui import register_ui
    from betyg_harness.mock_kit.webfonts import register_fonts

    app.register_blueprint(grade_api)
    app.register_blueprint(ber_webhook)
    csrf.exempt(ber_webhook)  # a JSON API for BER, not a browser form
    register_ui(app)
    register_fonts(app)

    fresh = {"loaded": False}

    def after_load(kit):
        fresh["loaded"] = True
        _after_load(kit)

    from betyg_harness.mock_pingpong import store
    from betyg_harness.mock_pingpong.ui import error_pages

    kit = init_mock(
        app,
        name="mock_pingpong",
        metadata=metadata,
        load_scenario=_load_scenario,
        after_load=after_load,
        error_pages=error_pages(),
        data_format=store.DATA_FORMAT,
        upgrade=store.upgrade,
    )
    csrf.exempt(control_api)  # JSON control API for tests and robots, not a browser form
    from betyg_harness.mock_pingpong.jobs import WEBHOOK_PATH

    kit.secret_paths = (WEBHOOK_PATH + "/",)  # the token BER posts to: never in the journal or the logs
    syncer = get_syncer(app)
    if not fresh["loaded"] and app.config["SYNC_ON_LOAD"]:
        syncer.sync()  # restarted on an existing database: catch up with what BER changed meanwhile
    kit.scheduler.add_job("ber_sync", syncer.interval, syncer.sync)
    return app

"""Configuration: defaults < environment < the dict given to ``create_app(config)``."""

from __future__ import annotations

import os

# The conventions of the embedded default (README): tokens and where each mock finds the other.
SHARED_ENV = {
    "PINGPONG_URL": "http://127.0.0.1:5001",
    "BER_URL": "http://127.0.0.1:5002",
    "PINGPONG_API_TOKEN": "pingpong-dev-token",
    "BER_API_TOKEN": "ber-dev-token",
}


# The login guards' settings (mock_kit.logins.LOGIN_DEFAULTS), read from <PREFIX>_<KEY> too.
LOGIN_KEYS = (
    "LOGIN_MAX_FAILURES",
    "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "LOGIN_FAILURE_WINDOW_MINUTES",
    "LOGIN_IDLE_MINUTES",
    "LOGIN_MAX_HOURS",
)


def _coerce(value: str):
    lowered = value.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return value


def build_config(prefix: str, defaults: dict, overrides: dict | None) -> dict:
    """``defaults``, then the shared variables (``MOCK_ALLOWED_HOSTS`` too) and ``<PREFIX>_<KEY>``
    from the environment, then ``overrides``."""
    config = dict(defaults)
    for key, default in SHARED_ENV.items():
        config[key] = os.environ.get(key, default)
    if os.environ.get("MOCK_ALLOWED_HOSTS") is not None:  # both mocks' extra host names (mock_kit.hosts)
        config["ALLOWED_HOSTS"] = os.environ["MOCK_ALLOWED_HOSTS"]
    for key in list(defaults) + [
        "DATABASE",
        "SCENARIO",
        "CONTROL_API",
        "CONTROL_TOKEN",
        "SCHEDULER",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        *LOGIN_KEYS,
    ]:
        env = os.environ.get(f"{prefix}_{key}")
        if env is not None:
            config[key] = _coerce(env)
    config.update(overrides or {})
    return config

"""The plugin's settings: command line > environment > ini value > default; the flows' attempts
reach flows.PingPong/flows.Ber, and @pytest.mark.fail_fast makes them 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from betyg_harness import plugin

# The browser and the mocks are replaced by the user's own fixtures: only the settings are looked at.
CONFTEST = """
import types
import pytest


@pytest.fixture(scope="session")
def mock_servers():
    return types.SimpleNamespace(pingpong=types.SimpleNamespace(url="http://pingpong.test"),
                                 ber=types.SimpleNamespace(url="http://ber.test"))


@pytest.fixture
def grade_admin_page():
    return None


@pytest.fixture
def ber_admin_page():
    return None
"""

TESTS = """
import json
import os
import pytest


def _write(name, flow):
    with open(os.environ["SETTINGS_OUT"] + "." + name, "w") as out:
        json.dump({"attempts": flow.attempts, "user": flow.username, "password": flow.password}, out)


def test_pingpong(pingpong):
    _write("pingpong", pingpong)


def test_ber(ber):
    _write("ber", ber)


@pytest.mark.fail_fast
def test_negative(pingpong):
    _write("fail_fast", pingpong)
"""


@pytest.fixture
def suite(tmp_path):
    def run(*args, ini="", **env):
        (tmp_path / "pytest.ini").write_text("[pytest]\n" + textwrap.dedent(ini))
        (tmp_path / "conftest.py").write_text(CONFTEST)
        (tmp_path / "test_settings.py").write_text(TESTS)
        out = tmp_path / "out"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BETYG_", "PINGPONG_", "BER_"))}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**clean, **env, "SETTINGS_OUT": str(out)},
        )
        if proc.returncode:
            return proc, None
        return proc, {
            name: json.loads(out.with_suffix(f".{name}").read_text()) for name in ("pingpong", "ber", "fail_fast")
        }

    return run


def test_defaults(suite):
    proc, seen = suite()
    assert seen, proc.stdout + proc.stderr
    assert seen["pingpong"] == {"attempts": 3, "user": "betygsadmin", "password": "betygsadmin"}
    assert seen["ber"] == {"attempts": 3, "user": "beradmin", "password": "beradmin"}
    assert seen["fail_fast"]["attempts"] == 1


INI = """
betyg_attempts = 4
pingpong_user = ini.user
pingpong_password = ini.password
ber_user = ini.ber
"""


def test_ini_over_default(suite):
    proc, seen = suite(ini=INI)
    assert seen, proc.stdout + proc.stderr
    assert seen["pingpong"] == {"attempts": 4, "user": "ini.user", "password": "ini.password"}
    assert seen["ber"] == {"attempts": 4, "user": "ini.ber", "password": "beradmin"}
    assert seen["fail_fast"]["attempts"] == 1


def test_environment_over_ini(suite):
    proc, seen = suite(ini=INI, BETYG_ATTEMPTS="5", PINGPONG_USER="env.user", BER_PASSWORD="env.secret")
    assert seen, proc.stdout + proc.stderr
    assert seen["pingpong"] == {"attempts": 5, "user": "env.user", "password": "ini.password"}
    assert seen["ber"] == {"attempts": 5, "user": "ini.ber", "password": "env.secret"}


def test_command_line_over_environment(suite):
    proc, seen = suite(
        "--betyg-attempts",
        "2",
        "--pingpong-user",
        "cli.user",
        "--ber-password",
        "cli.secret",
        ini=INI,
        BETYG_ATTEMPTS="5",
        PINGPONG_USER="env.user",
        BER_PASSWORD="env.secret",
    )
    assert seen, proc.stdout + proc.stderr
    assert seen["pingpong"] == {"attempts": 2, "user": "cli.user", "password": "ini.password"}
    assert seen["ber"] == {"attempts": 2, "user": "ini.ber", "password": "cli.secret"}
    assert seen["fail_fast"]["attempts"] == 1


@pytest.mark.parametrize("value", ["0", "tre", "-1"])
def test_a_wrong_attempts_value_stops_the_run(suite, value):
    proc, _ = suite("--betyg-attempts", value)
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR
    assert "heltal" in proc.stderr and value in proc.stderr


class FakeConfig:
    def __init__(self, options=None, ini=None):
        self.options, self.ini = options or {}, ini or {}

    def getoption(self, name):
        return self.options.get(name)

    def getini(self, name):
        return self.ini.get(name, None)


@pytest.mark.parametrize("name", sorted(plugin.SETTINGS))
def test_every_setting_has_the_same_precedence(name, monkeypatch):
    spec = plugin.SETTINGS[name]
    monkeypatch.delenv(spec.env, raising=False)
    assert plugin.setting(FakeConfig(), name) == spec.default
    assert plugin.setting(FakeConfig(ini={spec.ini: "ini"}), name) == "ini"
    monkeypatch.setenv(spec.env, "env")
    assert plugin.setting(FakeConfig(ini={spec.ini: "ini"}), name) == "env"
    assert plugin.setting(FakeConfig({spec.option: "cli"}, {spec.ini: "ini"}), name) == "cli"

"""The extras (issue 19): the plain install is the robot's, each other part names the extra it needs,
and the pytest entry point loads the plugin only where that extra is installed."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from betyg_harness import extras, plugin_entry
from betyg_harness.plugin import plugin_fixture_names

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()


@pytest.fixture
def fake_metadata(monkeypatch):
    """A distribution ``demo`` with extras, and the set of distributions installed beside it."""
    installed: set[str] = set()
    declared = [
        "requests>=2",
        'flask>=3; extra == "mocks"',
        'faker>=30; extra == "mocks"',
        'demo[mocks]; extra == "pytest"',
        'pytest>=8; extra == "pytest"',
    ]

    def requires(name):
        if name != "demo":
            raise importlib.metadata.PackageNotFoundError(name)
        return declared

    def distribution(name):
        if name not in installed:
            raise importlib.metadata.PackageNotFoundError(name)
        return name

    monkeypatch.setattr(extras.metadata, "requires", requires)
    monkeypatch.setattr(extras.metadata, "distribution", distribution)
    return installed


def test_an_extra_is_missing_until_each_of_its_distributions_is_installed(fake_metadata):
    assert extras.missing("mocks", "demo") == ["flask", "faker"]
    fake_metadata.add("flask")
    assert extras.missing("mocks", "demo") == ["faker"]
    fake_metadata.add("faker")
    assert extras.missing("mocks", "demo") == []


def test_an_extra_that_names_another_extra_needs_that_one_too(fake_metadata):
    fake_metadata.add("pytest")
    assert extras.missing("pytest", "demo") == ["flask", "faker"]
    fake_metadata.update({"flask", "faker"})
    assert extras.missing("pytest", "demo") == []


def test_a_bare_checkout_refuses_nothing(fake_metadata):
    assert extras.missing("mocks", "not-installed") is None


def test_require_exits_2_in_swedish_naming_the_extra(monkeypatch, capsys):
    monkeypatch.setattr(extras, "DISTRIBUTION", "demo")
    monkeypatch.setattr(extras, "missing", lambda extra: ["flask", "faker"])
    with pytest.raises(SystemExit) as stopped:
        extras.require("mocks", "betyg-mocks")
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "betyg-mocks behöver tillägget «mocks»" in err and "flask, faker saknas" in err
    assert 'pip install "demo[mocks]"' in err


def test_this_checkout_has_every_extra_its_suite_needs():
    for extra in ("mocks", "drift", "pytest", "test"):
        assert extras.missing(extra) == [], extra


def test_the_plain_install_holds_nothing_of_the_mocks_or_of_pytest():
    runtime = {_name(d) for d in PROJECT["dependencies"]}
    assert not runtime & {
        "flask",
        "flask-wtf",
        "sqlalchemy",
        "faker",
        "pytest",
        "pytest-playwright",
        "pytest-xdist",
        "jsonschema",
        "fastjsonschema",
        "xmlschema",
        "openapi-schema-validator",
        "filelock",
    }


def test_each_extra_a_user_picks_is_explained_where_users_read():
    optional = PROJECT["optional-dependencies"]
    install = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    for extra in extras.WHAT_EACH_GIVES:
        assert extra in optional, extra
        assert f"betyg-harness[{extra}]" in install, f"docs/install.md does not show the extra {extra}"


def test_the_entry_point_knows_every_fixture_and_marker_of_the_plugin():
    assert set(plugin_entry.PLUGIN_FIXTURES) == plugin_fixture_names()
    source = (ROOT / "betyg_harness" / "plugin.py").read_text(encoding="utf-8")
    registered = set(re.findall(r'addinivalue_line\(\s*"markers",\s*"(\w+)', source))
    assert set(plugin_entry.PLUGIN_MARKERS) == registered
    entry = PROJECT["entry-points"]["pytest11"]
    assert entry == {"betyg_harness": "betyg_harness.plugin_entry"}


# The flows and the robot as an administrator's PC has them: the modules of every distribution the
# plain install leaves out cannot be imported.
_WITHOUT_EXTRAS = textwrap.dedent("""
    import importlib, importlib.abc, pkgutil, sys
    ABSENT = {"flask", "flask_wtf", "sqlalchemy", "faker", "jsonschema", "fastjsonschema", "xmlschema",
              "openapi_schema_validator", "filelock", "pytest", "_pytest", "pytest_playwright", "xdist",
              "pypdfium2", "psycopg", "gunicorn", "werkzeug", "jinja2"}
    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ABSENT:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, Absent())
    import betyg_harness.flows
    names = [m.name for m in pkgutil.walk_packages(betyg_harness.flows.__path__, "betyg_harness.flows.")
             if not m.name.endswith("__main__")]
    for name in names + ["betyg_harness.catalogue", "betyg_harness.commands", "betyg_harness.extras"]:
        importlib.import_module(name)
    print(len(names))
""")


def test_the_flows_and_the_robot_import_without_any_extra():
    run = subprocess.run([sys.executable, "-c", _WITHOUT_EXTRAS], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(run.stdout) > 20


def test_without_the_extra_the_entry_point_loads_no_plugin_and_explains_its_fixtures(tmp_path):
    """Our pytest, our tests, but the ``pytest`` extra reported missing (an early ``-p`` plugin fakes
    it before the entry points load): an ordinary test passes, the plugin's options are unknown, and
    ``mock_servers`` fails with the Swedish line that names the extra."""
    (tmp_path / "fake_missing.py").write_text(
        "import betyg_harness.extras as e\ne.missing = lambda extra, distribution=None: ['pytest-playwright']\n",
        encoding="utf-8",
    )
    (tmp_path / "test_user.py").write_text(
        "import pytest\n\ndef test_own():\n    assert True\n\n@pytest.mark.scenario('small')\n"
        "def test_mocks(mock_servers):\n    pass\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "fake_missing",
            "-p",
            "no:cacheprovider",
            "-q",
            "--strict-markers",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "test_user.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**_env(), "PYTHONPATH": str(tmp_path)},
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out[-3000:]
    assert "1 passed" in out and "1 error" in out, out[-3000:]
    assert "Fixturen mock_servers kommer från betyg-harness" in out and 'pip install "betyg-harness[pytest]"' in out
    assert "<module 'betyg_harness.plugin' " not in _loaded_plugins(tmp_path, "-p", "fake_missing")
    assert "<module 'betyg_harness.plugin' " in _loaded_plugins(tmp_path), "with the extra, the entry loads it"


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BETYG_"))}


def _loaded_plugins(folder: Path, *options: str) -> str:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *options,
            "-p",
            "no:cacheprovider",
            "--trace-config",
            "--co",
            "-q",
            "test_user.py",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**_env(), "PYTHONPATH": str(folder)},
    )
    return "\n".join(line for line in run.stdout.splitlines() if "betyg_harness" in line)


@pytest.mark.parametrize("command", ["mocks", "drift"])
def test_version_is_answered_without_the_extra(command, monkeypatch, capsys):
    from betyg_harness import __version__, commands

    monkeypatch.setattr(commands, "require", lambda *a: pytest.fail("--version must not need the extra"))
    assert getattr(commands, command)(["--version"]) == 0
    assert f"(betyg-harness) {__version__}" in capsys.readouterr().out


def test_a_module_of_the_mocks_imported_without_the_extra_says_which(tmp_path):
    """``python -m betyg_harness.mock_ber`` / ``.mock_pingpong`` / ``.fixtures.generator`` in the robot's
    venv: the error names the extra to install, not only the module Python could not find."""
    script = _WITHOUT_EXTRAS.split("import betyg_harness.flows")[0] + textwrap.dedent("""
        import betyg_harness.extras as e
        e.missing = lambda extra, distribution=None: ["flask", "faker"]
        for name in ("betyg_harness.mock_ber", "betyg_harness.mock_pingpong", "betyg_harness.fixtures.generator"):
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as error:
                print(name, "|", str(error).replace("\\n", " "))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    lines = run.stdout.splitlines()
    assert len(lines) == 3, run.stdout + run.stderr
    for line in lines:
        assert "behöver tillägget «mocks»" in line and 'pip install "betyg-harness[mocks]"' in line, line

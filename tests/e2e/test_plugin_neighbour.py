"""The plugin as a good neighbour: installed in the venv (entry point), it leaves an ordinary
pytest-playwright suite in another folder exactly as pytest-playwright makes it — no mocks, its
``base_url``, ``--browser``, ``--browser-channel`` — and a user's own ``browser_context_args``
override works beside it.

Each case writes a small suite into a tmp folder (no conftest of ours) and runs it with
``python -m pytest``; the inner tests write what they saw as JSON files.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from betyg_harness.flows.browser import DEBIAN_HEADLESS_SHELL

INNER_TESTS = '''
import json
import os
from pathlib import Path

OUT = Path(os.environ["NEIGHBOUR_OUT"])


def _write(name, value):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(value))


def test_base_url(base_url):
    _write("base_url", base_url)


def test_launch_args(browser_type_launch_args, browser_name):
    _write(f"launch_{browser_name}", browser_type_launch_args)


def test_zz_no_mock_processes():
    """Last: no process of this session runs a mock."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if fields[1] == me and ("mock_pingpong" in cmdline or "mock_ber" in cmdline):
            found.append(cmdline)
    _write("mock_processes", found)
'''

PAGE_TEST = """
def test_page(page):
    page.set_content("<h1>Hej</h1>")
    assert page.inner_text("h1") == "Hej"
"""

USER_CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "sv-SE"}
"""

USER_OVERRIDE_TESTS = '''
import json
import os
from pathlib import Path


def test_context_args(browser_context_args):
    Path(os.environ["NEIGHBOUR_OUT"], "context_args.json").write_text(json.dumps(browser_context_args))


def test_plugin_page_beside_the_override(page, pingpong_server):
    """A test of the plugin in the same session: the user's locale and Ping Pong as base_url."""
    assert page.evaluate("navigator.language") == "sv-SE"
    page.goto("/login")
    assert page.url.startswith(pingpong_server.url)
'''


def _clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "BETYG_"))
        and k not in ("PW_CONNECT_URL", "CHROMIUM_BIN", "PLAYWRIGHT_BROWSERS_PATH")
    }
    env.update(extra)
    return env


def _suite(folder: Path, files: dict[str, str], ini: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # An ini file of its own, so pytest does not look for one above the tmp folder.
    (folder / "pytest.ini").write_text("[pytest]\n" + ini)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def _run(folder: Path, *args: str, timeout: float = 300, **env) -> tuple[subprocess.CompletedProcess, Path]:
    out = folder / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-q", "--setup-show", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_clean_env(NEIGHBOUR_OUT=str(out), **env),
    )
    return proc, out


def _read(out: Path, name: str):
    return json.loads((out / f"{name}.json").read_text())


def _ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_an_unrelated_suite_starts_no_mock_and_keeps_pytest_playwrights_fixtures(tmp_path):
    proc, out = _run(_suite(tmp_path / "suite", {"test_neighbour.py": INNER_TESTS}))
    _ok(proc)
    assert "mock_servers" not in proc.stdout
    assert _read(out, "mock_processes") == []
    assert _read(out, "base_url") is None
    # What pytest-playwright itself gives with no options: nothing, Playwright's own browser.
    assert _read(out, "launch_chromium") == {}


def test_base_url_from_the_command_line_and_the_ini_file(tmp_path):
    proc, out = _run(
        _suite(tmp_path / "cli", {"test_neighbour.py": INNER_TESTS}), "--base-url", "http://example.test:8123"
    )
    _ok(proc)
    assert _read(out, "base_url") == "http://example.test:8123"
    assert "mock_servers" not in proc.stdout

    proc, out = _run(
        _suite(tmp_path / "ini", {"test_neighbour.py": INNER_TESTS}, ini="base_url = http://ini.test:9000\n")
    )
    _ok(proc)
    assert _read(out, "base_url") == "http://ini.test:9000"


def test_browser_and_channel_reach_the_launch_arguments(tmp_path):
    proc, out = _run(
        _suite(tmp_path / "firefox", {"test_neighbour.py": INNER_TESTS}), "--browser", "firefox", "-k", "launch_args"
    )
    _ok(proc)
    assert "executable_path" not in _read(out, "launch_firefox")

    proc, out = _run(
        _suite(tmp_path / "channel", {"test_neighbour.py": INNER_TESTS}),
        "--browser-channel",
        "chrome",
        "-k",
        "launch_args",
    )
    _ok(proc)
    assert _read(out, "launch_chromium") == {"channel": "chrome"}


def _playwright_browsers_path(tmp_path: Path) -> Path:
    """A PLAYWRIGHT_BROWSERS_PATH where the machine's headless shell sits where Playwright looks for
    its own (the path from Playwright's error message for a launch without it)."""
    if not DEBIAN_HEADLESS_SHELL.exists():
        pytest.skip(f"{DEBIAN_HEADLESS_SHELL} saknas: ingen Chromium att låna ut till Playwright")
    root = tmp_path / "ms-playwright"
    probe = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p:\n"
        "    try:\n"
        "        p.chromium.launch().close()\n"
        "    except Exception as error:\n"
        "        print(error)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_env(PLAYWRIGHT_BROWSERS_PATH=str(root)),
    )
    found = re.search(r"Executable doesn't exist at (\S+)", proc.stdout + proc.stderr)
    if not found:
        pytest.skip("Playwright named no path for its headless shell: " + (proc.stdout + proc.stderr)[-500:])
    expected = Path(found.group(1))
    if root not in expected.parents:
        pytest.skip(f"Playwright looks for its headless shell outside PLAYWRIGHT_BROWSERS_PATH: {expected}")
    expected.parent.mkdir(parents=True, exist_ok=True)
    expected.symlink_to(DEBIAN_HEADLESS_SHELL)
    return root


def test_a_plain_page_test_passes_with_playwrights_own_browser(tmp_path):
    browsers = _playwright_browsers_path(tmp_path)
    proc, _ = _run(_suite(tmp_path / "page", {"test_page.py": PAGE_TEST}), PLAYWRIGHT_BROWSERS_PATH=str(browsers))
    _ok(proc)
    assert "1 passed" in proc.stdout
    assert "mock_servers" not in proc.stdout


def test_a_users_session_browser_context_args_override_works_beside_the_plugin(tmp_path):
    folder = _suite(tmp_path / "override", {"conftest.py": USER_CONFTEST, "test_override.py": USER_OVERRIDE_TESTS})
    (folder / "out").mkdir()
    proc, out = _run(folder)
    _ok(proc)
    assert "2 passed" in proc.stdout
    assert _read(out, "context_args")["locale"] == "sv-SE"

    proc, out = _run(folder, "--base-url", "http://example.test:8123", "-k", "context_args")
    _ok(proc)
    assert _read(out, "context_args") == {"locale": "sv-SE", "base_url": "http://example.test:8123"}

"""Browsers from a remote Playwright server (``playwright run-server``, through PW_CONNECT_URL): the
flows and the robot run with no local browser at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from betyg_harness.browser_server import BrowserServer
from betyg_harness.flows import find_browser, login, open_browser

ROOT = Path(__file__).resolve().parents[2]
GROUP = "SVESVE01 HT26 Kista A"
CSV = (
    "personnummer,kurskod,grupp,betyg,larare\n"
    f"19900602-2397,SVESVE01,{GROUP},A,Anna Lindqvist\n19910717-2380,SVESVE01,{GROUP},C,Anna Lindqvist\n"
    f"19961020-2385,SVESVE01,{GROUP},E,Anna Lindqvist\n20000105-2380,SVESVE01,{GROUP},F,Anna Lindqvist\n"
)


# Session, not module: pytest regroups parametrized tests ([chromium]) across modules, which would
# tear a module fixture down and build it again mid-module.
@pytest.fixture(scope="session")
def browser_server():
    with BrowserServer.start() as server:
        yield server


def test_the_flows_connect_to_the_server(browser_server, scenario, pingpong_server, playwright, monkeypatch):
    monkeypatch.setenv("PW_CONNECT_URL", browser_server.ws_endpoint)
    monkeypatch.setenv("CHROMIUM_BIN", "/finns/inte")  # no local browser could be started
    assert find_browser().connect_url == browser_server.ws_endpoint
    # pytest-playwright's own Playwright: a second sync_playwright() in a worker that already runs
    # one fails ("Sync API inside the asyncio loop")
    browser = open_browser(playwright)
    try:
        page = browser.new_page()
        login(page, base_url=pingpong_server.url)
        assert page.get_by_role("button", name="Logga ut").is_visible()
    finally:
        browser.close()


def _alive_in_group(group: int) -> list[str]:
    """Processes of a process group that still run (zombies are dead: where PID 1 does not reap
    orphans, as in some containers, they linger)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(stat.parent.name)
    return alive


def test_stopping_the_server_ends_every_process_it_started():
    server = BrowserServer.start()
    group = os.getpgid(server.process.pid)
    assert group != os.getpgid(0) and len(_alive_in_group(group)) >= 2  # python and node
    server.stop()
    assert _alive_in_group(group) == []  # node and the browsers included, not only python


def test_the_robot_grades_through_a_remote_browser(browser_server, scenario, pingpong_server, ber_server, tmp_path):
    (tmp_path / "betyg.csv").write_text(CSV, encoding="utf-8")
    env = {
        **os.environ,
        "PW_CONNECT_URL": browser_server.ws_endpoint,
        "CHROMIUM_BIN": "/finns/inte",
        "PINGPONG_URL": pingpong_server.url,
        "BER_URL": ber_server.url,
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "betyg_harness.flows",
            "grade",
            "--input",
            str(tmp_path / "betyg.csv"),
            "--out",
            str(tmp_path / "ut"),
            "--workers",
            "2",
            "--no-trace",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "4 betyg satta" in run.stdout.replace("\n", " ")


def test_a_plugin_suite_runs_in_the_remote_browser(browser_server, tmp_path):
    """PW_CONNECT_URL for a QA suite (docs/plugin.md): pytest-playwright connects with the plugin's
    connect_options under the installed Playwright's own keyword, and the README example passes with
    no local browser at all."""
    example = ROOT / "docs" / "examples" / "test_grade_small.py"
    (tmp_path / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BETYG_"))}
    env.update({"PW_CONNECT_URL": browser_server.ws_endpoint, "CHROMIUM_BIN": "/finns/inte"})
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", example.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout


def test_sigterm_stops_the_server_command_and_everything_it_started():
    """``python -m betyg_harness.browser_server`` as a service: SIGTERM (systemd, docker stop) ends
    Playwright's server and node too, not only the python in front of them."""
    import signal

    import psutil

    command = subprocess.Popen(
        [sys.executable, "-m", "betyg_harness.browser_server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = command.stdout.readline()
        assert line.startswith("PW_CONNECT_URL=ws://"), line
        started = psutil.Process(command.pid).children(recursive=True)
        assert len(started) >= 2, started  # Playwright's python and its node
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(started, timeout=10)
        assert not alive, alive
    finally:
        if command.poll() is None:
            command.kill()

"""A Playwright browser server on this machine, for robots and suites elsewhere to drive through
``PW_CONNECT_URL=ws://host:port/`` (``browser_type.connect``).

``python -m betyg_harness.browser_server --port 3000`` runs Playwright's own ``run-server``. The
server launches the browser Playwright would download; where that cannot be downloaded (this
project's machines) it is given the machine's Chromium instead, by a browsers folder whose expected
paths point at it (``PLAYWRIGHT_BROWSERS_PATH``) — the engine stays Playwright's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import playwright

from betyg_harness import add_version_option
from betyg_harness.ports import free_port
from betyg_harness.flows.browser import find_browser

# Where Playwright looks for each browser, below its browsers folder (Linux builds).
_LAYOUTS = {
    "chromium-headless-shell": [
        "chromium_headless_shell-{rev}/chrome-headless-shell-linux64/chrome-headless-shell",
        "chromium_headless_shell-{rev}/chrome-linux/headless_shell",
    ],
    "chromium": ["chromium-{rev}/chrome-linux64/chrome", "chromium-{rev}/chrome-linux/chrome"],
}


def _revisions() -> dict[str, str]:
    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    return {b["name"]: b["revision"] for b in json.loads(browsers.read_text(encoding="utf-8"))["browsers"]}


def browsers_folder(executable: str, root: Path) -> Path:
    """A browsers folder in which every Chromium Playwright may ask for is ``executable``."""
    revisions = _revisions()
    for name, layouts in _LAYOUTS.items():
        for layout in layouts:
            target = root / layout.format(rev=revisions.get(name, "0"))
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(executable)
    return root


class BrowserServer:
    """``with BrowserServer.start() as server: server.ws_endpoint`` — a running ``run-server``."""

    def __init__(self, process: subprocess.Popen, ws_endpoint: str, folder: Path | None):
        self.process, self.ws_endpoint, self.folder = process, ws_endpoint, folder

    @classmethod
    def start(cls, *, host: str = "127.0.0.1", port: int | None = None, timeout: float = 30) -> "BrowserServer":
        port = port or free_port()
        env = dict(os.environ)
        folder = None
        choice = find_browser(headless=True)
        if choice.executable_path and not choice.connect_url:
            folder = browsers_folder(choice.executable_path, Path(tempfile.mkdtemp(prefix="betyg-pw-browsers-")))
            env["PLAYWRIGHT_BROWSERS_PATH"] = str(folder)
        env.pop("PW_CONNECT_URL", None)
        log = tempfile.NamedTemporaryFile(prefix="betyg-pw-server-", suffix=".log", delete=False)
        # Its own process group: ``python -m playwright`` starts node, which must go with it on stop.
        process = subprocess.Popen(
            [sys.executable, "-m", "playwright", "run-server", "--host", host, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(f"playwright run-server avslutades: {Path(log.name).read_text()[-2000:]}")
                try:
                    with socket.create_connection((host, port), timeout=1):
                        return cls(process, f"ws://{host}:{port}/", folder)
                except OSError:
                    time.sleep(0.1)  # sleep-ok: readiness poll of a server we started
        except BaseException:  # Ctrl-C or SIGTERM while it starts: nothing of it may outlive us
            cls(process, "", folder).stop()
            raise
        cls(process, "", folder).stop()
        raise RuntimeError(f"playwright run-server svarade inte på port {port} inom {timeout} s")

    def stop(self) -> None:
        """The server and every process it started (node, the browsers), and its browsers folder."""
        for sig in (signal.SIGTERM, signal.SIGKILL):  # then whatever of the group outlived python (node)
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.process.wait()
        _wait_for_group_to_end(self.process.pid)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "BrowserServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _group_alive(group: int) -> bool:
    """Whether any process of ``group`` still runs. On Linux from /proc, where a zombie is dead (where
    PID 1 does not reap orphans, as in some containers, zombies linger and kill(0) still finds them)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _wait_for_group_to_end(group: int, *, bound: float = 5.0) -> None:
    """SIGKILL is delivered asynchronously: node may still be on its way out when python has been
    reaped. Wait (bounded) until the whole group is gone, so a caller that looks finds nothing left."""
    deadline = time.monotonic() + bound
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m betyg_harness.browser_server",
        description="Kör en Playwright-webbläsarserver (PW_CONNECT_URL för andra datorer).",
    )
    add_version_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 för att nås från andra datorer")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    # A service manager (systemd, docker stop) ends it with SIGTERM: stop like Ctrl-C, with the server
    # and its browsers, which live in a process group of their own and would otherwise outlive it.
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    server = None
    try:
        server = BrowserServer.start(host=args.host, port=args.port)
        print(f"PW_CONNECT_URL={server.ws_endpoint}", flush=True)
        server.process.wait()
    except KeyboardInterrupt:  # also a SIGTERM, at any moment from here on
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the stop short
        if server is not None:
            server.stop()
    return 0


def _stop_like_ctrl_c(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())

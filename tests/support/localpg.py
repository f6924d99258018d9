"""A throwaway local PostgreSQL for the suites and the benchmarks (only they use it, so it lives beside
the tests, not in the wheel): Debian's server, initialised in a temporary folder and started on a free
port (the engine itself, never a stand-in).

    with LocalPostgres.start() as pg:      # raises PostgresUnavailable with the reason
        url = pg.url                       # postgresql://postgres@127.0.0.1:PORT/postgres

Where the binaries are missing it runs ``apt-get install postgresql`` when it is root (Debian's
packages are reachable from every machine of the project); PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` user (``runuser``). The cluster trusts local
connections only (``127.0.0.1`` and its own socket folder) and is deleted on stop.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from betyg_harness.ports import free_port


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be had here (not installed and not root, no postgres user, ...)."""


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _install() -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PostgresUnavailable(
            "PostgreSQL saknas (initdb hittas inte) och bara root kan installera det: apt-get install postgresql"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True, timeout=600)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise PostgresUnavailable(f"apt-get install postgresql misslyckades: {done.stderr[-500:]}")


@dataclass
class LocalPostgres:
    bindir: Path
    datadir: Path
    port: int
    as_user: str | None  # "postgres" when we are root

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    @classmethod
    def start(cls, *, install: bool = True) -> "LocalPostgres":
        bindir = _bindir()
        if bindir is None:
            if not install:
                raise PostgresUnavailable("PostgreSQL saknas (initdb hittas inte).")
            _install()
            bindir = _bindir()
            if bindir is None:
                raise PostgresUnavailable("PostgreSQL installerades men initdb hittas inte.")
        as_user = None
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise PostgresUnavailable("Som root behövs runuser för att köra PostgreSQL som användaren postgres.")
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "Användaren postgres saknas (apt-get install postgresql skapar den)."
                ) from None
            as_user = "postgres"
        root = Path(tempfile.mkdtemp(prefix="betyg-pg-"))
        if as_user:
            shutil.chown(root, user=as_user)
        pg = cls(bindir=bindir, datadir=root / "data", port=free_port(), as_user=as_user)
        made = pg._run(
            "initdb",
            "-D",
            str(pg.datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        )
        if made.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(f"initdb misslyckades: {(made.stderr or made.stdout)[-800:]}")
        options = (
            f"-p {pg.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        started = pg._run(
            "pg_ctl", "-D", str(pg.datadir), "-o", options, "-l", str(root / "server.log"), "-w", "-t", "60", "start"
        )
        if started.returncode != 0:
            log = (root / "server.log").read_text(errors="replace")[-1500:] if (root / "server.log").exists() else ""
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(f"pg_ctl start misslyckades: {started.stderr[-500:]} {log}")
        pg._wait_ready()
        return pg

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)  # sleep-ok: readiness poll of a server we started
        raise PostgresUnavailable(f"PostgreSQL svarade inte på port {self.port}")

    def create_database(self, name: str) -> str:
        """A fresh, empty database on this server (one made earlier under the name, by a fixture set
        up again or a bench run twice, is dropped first); its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def __enter__(self) -> "LocalPostgres":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

"""``betyg-mocks`` (``make serve``, ``python -m betyg_harness``): both mocks in the foreground on the
embedded default, their URLs and the loaded scenario's logins."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from rich.console import Console
from rich.table import Table

from betyg_harness import add_version_option
from betyg_harness.launcher import MockStartError, start_mocks
from betyg_harness.mock_kit import scenario as scenarios


def logins_table(document: dict) -> Table:
    table = Table(title=f'Inloggningar i scenariot "{document["name"]}"')
    for column in ("System", "Användarnamn", "Lösenord", "Roll"):
        table.add_column(column)
    for account in document["accounts"]["pingpong"]:
        table.add_row("Ping Pong", account["username"], account["password"], account["role"])
    for account in document["accounts"]["ber"]:
        table.add_row("BER", account["username"], account["password"], "BER-administratör")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="betyg-mocks", description="Kör båda mockarna (Ping Pong och BER) i förgrunden."
    )
    add_version_option(parser)
    parser.add_argument(
        "--scenario",
        default=os.environ.get("BETYG_SCENARIO", "default"),
        help="scenarionamn eller sökväg till ett scenario (standard: %(default)s)",
    )
    parser.add_argument(
        "--data",
        help="mapp för databaserna och loggarna (behålls mellan körningar; innehåller "
        "hemligheter — sessionsnycklar, webhook-token — och görs privat, 0700); "
        "standard: en privat temporär mapp som tas bort när mockarna avslutas "
        "normalt (Ctrl-C, SIGTERM) och behålls om en mock avslutas oväntat",
    )
    parser.add_argument("--host", default=os.environ.get("BETYG_HOST", "127.0.0.1"))
    parser.add_argument("--pingpong-port", type=int, default=int(os.environ.get("PINGPONG_PORT", 5001)))
    parser.add_argument("--ber-port", type=int, default=int(os.environ.get("BER_PORT", 5002)))
    args = parser.parse_args(argv)
    pingpong_port, ber_port = args.pingpong_port, args.ber_port
    # The folder holds the databases (session keys, the webhook subscription's token) and the logs:
    # private, and a temporary one is removed on a clean exit.
    workdir = args.data or tempfile.mkdtemp(prefix="betyg-serve-")  # mkdtemp: mode 0700
    if args.data:
        os.makedirs(workdir, mode=0o700, exist_ok=True)
        os.chmod(workdir, 0o700)
    console = Console()
    document = scenarios.load(args.scenario)
    # From here on SIGTERM is Ctrl-C: a stop while the mocks start still stops them and cleans up.
    signal.signal(signal.SIGTERM, _interrupt)
    pair = None
    clean = False
    try:
        try:
            pair = start_mocks(args.scenario, workdir, pingpong_port=pingpong_port, ber_port=ber_port, host=args.host)
        except MockStartError as error:
            console.print(f"[red]Kunde inte starta mockarna:[/red] {error}")
            console.print(f"Loggarna finns kvar i {workdir}.")
            console.print(
                f"Upptagen port? Välj andra med --pingpong-port och --ber-port (nu {pingpong_port}/{ber_port})."
            )
            return 1
        console.print(f"Ping Pong: [bold]{pair.pingpong.url}[/bold]   BER: [bold]{pair.ber.url}[/bold]")
        console.print(f"Kontroll-API: {pair.pingpong.url}/_mock/ och {pair.ber.url}/_mock/")
        console.print(
            f"Data och loggar (privat mapp; hemligheter maskeras i loggarna): {workdir}"
            + ("" if args.data else " — tas bort när du avslutar")
        )
        console.print(logins_table(document))
        console.print("Avsluta med Ctrl-C.")
        ber_process = pair.ber.process
        assert ber_process is not None  # start_mocks started it
        while all(server.process.poll() is None for server in pair):
            try:
                ber_process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        console.print("[red]En mock avslutades oväntat; se loggarna i[/red] " + workdir)
        return 1
    except KeyboardInterrupt:
        clean = True
        return 0
    finally:
        if pair is not None:
            pair.stop()  # start_mocks stops what it started when interrupted itself
        if clean and not args.data:
            shutil.rmtree(workdir, ignore_errors=True)


def _interrupt(*_):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())

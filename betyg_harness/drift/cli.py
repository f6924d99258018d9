"""``betyg-drift``: does the real Ping Pong and BER still look the way the page objects expect?

    PINGPONG_PASSWORD=… BER_PASSWORD=… PINGPONG_API_TOKEN=… BER_API_TOKEN=… \\
        betyg-drift --pingpong-url https://pingpong.example --ber-url https://ber.example \\
                    --group "SVESVE01 HT26 Kista A" --report drift/

Exit 0: no drift and every named locator reached; 1: drift; 2: the probe could not run, a step
failed, or a named locator could not be reached (``--allow-partial`` accepts the last). Passwords
and tokens come from the environment (or options, which other users of the machine can see in the
process list) and are never printed or written.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from betyg_harness import add_version_option
from betyg_harness.drift.apis import SS12000_PREFIX, STOCKHOLM
from betyg_harness.drift.probe import ProbeSettings, Target, run_probe
from betyg_harness.drift.report import EXIT_CODES, EXIT_COULD_NOT_RUN
from betyg_harness.flows.session import Ber, PingPong

TOKEN_DEFAULTS = {"PINGPONG_API_TOKEN": "pingpong-dev-token", "BER_API_TOKEN": "ber-dev-token"}  # the mocks'


def _minute(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=STOCKHOLM)


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    ap = argparse.ArgumentParser(
        prog="betyg-drift",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Slutkoder:\n"
        + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())
        + "\n\nMiljövariabler: PINGPONG_URL, PINGPONG_USER, PINGPONG_PASSWORD, BER_URL, "
        "BER_USER, BER_PASSWORD, PINGPONG_API_TOKEN, BER_API_TOKEN.",
    )
    add_version_option(ap)
    ap.add_argument("--pingpong-url", default=env("PINGPONG_URL", PingPong.DEFAULTS[0]))
    ap.add_argument("--pingpong-user", default=env("PINGPONG_USER", PingPong.DEFAULTS[1]))
    ap.add_argument("--pingpong-password", default=None, help="hellre PINGPONG_PASSWORD (syns inte i processlistan)")
    ap.add_argument("--ber-url", default=env("BER_URL", Ber.DEFAULTS[0]))
    ap.add_argument("--ber-user", default=env("BER_USER", Ber.DEFAULTS[1]))
    ap.add_argument("--ber-password", default=None, help="hellre BER_PASSWORD")
    ap.add_argument(
        "--group",
        default=None,
        help="betygsgruppen för alla sidor (förvalt: en betygsättningsbar grupp för betygsvyn och en "
        "avslutad grupp, med alla antagna elever låsta, för Förhandsgranska)",
    )
    ap.add_argument("--teacher", default=None, help="läraren i Sök lärare (förvalt: den första i listan)")
    ap.add_argument("--search", default=None, help="texten i Sök grupp (förvalt: gruppens namn, annars tom)")
    ap.add_argument("--delay", type=float, default=1.0, help="sekunder mellan två steg (förvalt: %(default)s)")
    ap.add_argument("--timeout", type=float, default=10.0, help="sekunder ett steg får vänta (förvalt: %(default)s)")
    ap.add_argument(
        "--report",
        type=Path,
        default=Path("drift-report"),
        help="mapp för drift-report.json, skärmbilder och ARIA-ögonblicksbilder (förvalt: %(default)s)",
    )
    ap.add_argument(
        "--screenshots",
        choices=("all", "drift", "none"),
        default="all",
        help="skärmbilder av varje lokator, bara avvikelsernas, eller inga (de visar elevers uppgifter)",
    )
    ap.add_argument("--no-api", action="store_true", help="hoppa över betygs-API:t och SS 12000")
    ap.add_argument("--grades-from", type=_minute, default=None, help="betygs-API:ts from (förvalt: en vecka sedan)")
    ap.add_argument("--grades-to", type=_minute, default=None, help="betygs-API:ts tom (förvalt: nu)")
    ap.add_argument(
        "--ss12000-prefix", default=SS12000_PREFIX, help="SS 12000-API:ts sökväg i BER (förvalt: %(default)s)"
    )
    ap.add_argument("--json", action="store_true", help="skriv rapporten som JSON på stdout i stället för tabellen")
    ap.add_argument(
        "--problems-only",
        action="store_true",
        help="visa bara avvikelser, fel och det som inte kunde kontrolleras i tabellen",
    )
    ap.add_argument(
        "--allow-partial",
        action="store_true",
        help="slutkod 0 även om några namngivna lokatorer inte kunde nås (de listas ändå)",
    )
    return ap


def settings_from(args: argparse.Namespace) -> ProbeSettings:
    env = os.environ.get
    default_mocks = (
        args.pingpong_url.rstrip("/") == PingPong.DEFAULTS[0] and args.ber_url.rstrip("/") == Ber.DEFAULTS[0]
    )

    def password(option, name, default):
        return option or env(name) or (default if default_mocks else "")

    def token(name):
        # The mocks' development tokens only when pointed at the embedded default's addresses.
        return env(name) or (TOKEN_DEFAULTS[name] if default_mocks else None)

    return ProbeSettings(
        pingpong=Target(
            args.pingpong_url,
            args.pingpong_user,
            password(args.pingpong_password, "PINGPONG_PASSWORD", PingPong.DEFAULTS[2]),
        ),
        ber=Target(args.ber_url, args.ber_user, password(args.ber_password, "BER_PASSWORD", Ber.DEFAULTS[2])),
        pingpong_token=token("PINGPONG_API_TOKEN"),
        ber_token=token("BER_API_TOKEN"),
        group=args.group,
        teacher=args.teacher,
        search=args.search,
        delay=args.delay,
        timeout=args.timeout,
        report_dir=args.report,
        screenshots=args.screenshots,
        api=not args.no_api,
        grades_from=args.grades_from,
        grades_to=args.grades_to,
        ss12000_prefix=args.ss12000_prefix,
        allow_partial=args.allow_partial,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    missing = [
        name
        for name, target in (("PINGPONG_PASSWORD", settings.pingpong), ("BER_PASSWORD", settings.ber))
        if not target.password
    ]
    if missing:
        print(f"betyg-drift: lösenord saknas: sätt {' och '.join(missing)}.", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    report = run_probe(settings)
    if args.json:
        print(report.to_json())
    else:
        from rich.console import Console

        console = Console()
        console.print(report.table(only_problems=args.problems_only))
        console.print(report.redact(report.verdict()), markup=False)
        for line in _summary(report):
            console.print(report.redact(line), markup=False)
        if report.folder:
            console.print(f"Rapport: {report.folder / 'drift-report.json'}")
    return report.exit_code


def _summary(report) -> list[str]:
    """What was checked and what not (and why), below the verdict."""
    lines = [report.groups_line()] if report.groups else []
    expected = sum(p.get("locators", 0) for p in report.coverage)
    if expected:
        reached = sum(p.get("reached", 0) for p in report.coverage)
        lines.append(f"Täckning: {reached} av {expected} namngivna lokatorer nådda.")
    for f in report.unchecked:
        lines.append(f"  ej kontrollerad: {f.system} · {f.where} · {f.what} – {f.detail}")
    lines += [
        f"  utanför sonden: {p['system']} · {p['page']} – {p['left_out']}" for p in report.coverage if p.get("left_out")
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())

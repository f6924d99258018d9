"""`betygsrobot` / `python -m betyg_harness.flows`: grade a CSV of grades in Ping Pong.

Exit codes: 0 every group done, 1 some group failed, 2 bad input (nothing opened).
``betygsrobot print``: 0 every group printed, 1 some group not complete (the rest printed), 2 no run
to print (:mod:`betyg_harness.flows.robot.bundle`).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from betyg_harness import add_version_option
from betyg_harness.flows.robot.bundle import add_print_arguments, run_print
from betyg_harness.flows.robot.csvinput import BadInput, read_grades
from betyg_harness.flows.robot.report import STATUS_SV, print_plan, print_table, write_json
from betyg_harness.flows.robot.runner import Outcome, Robot, Settings
from betyg_harness.flows.session import Ber, PingPong

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="betygsrobot", description="Sätter och låser betyg i Ping Pong från en CSV-fil.")
    add_version_option(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="sätt, lås och bekräfta betygen i filen")
    check = sub.add_parser("validate", help="kontrollera bara filen")
    printing = sub.add_parser("print", help="bygg utskriftsfiler av de klara betygskatalogerna (per skola eller lärare)")
    add_print_arguments(printing)
    for p in (grade, check):
        p.add_argument("--input", "-i", required=True, type=Path, help="CSV: personnummer,kurskod,grupp,betyg,larare")
    grade.add_argument("--out", type=Path, default=Path("betygsrobot-ut"),
                       help="katalog för kataloger, rapport, journal, skärmbilder och spår; den innehåller "
                            "personuppgifter (personnummer och betyg) och skapas läsbar bara för dig")
    grade.add_argument("--journal", help="journalfil (standard: <out>/journal.jsonl), eller postgresql://… för en "
                                         "kö som flera robotprocesser på flera datorer delar")
    grade.add_argument("--run", help="körningens namn i PostgreSQL-kön (standard: filens fingeravtryck)")
    grade.add_argument("--lease", type=float, help="sekunder en grupp ur PostgreSQL-kön är vår utan förnyelse "
                                                   "(standard 120; en krashad process grupp tas över därefter)")
    grade.add_argument("--report", type=Path, help="JSON-rapport (standard: <out>/rapport.json)")
    grade.add_argument("--workers", "-w", type=int, default=1, help="parallella webbläsare")
    grade.add_argument("--dry-run", action="store_true", help="fyll i allt, stanna vid sammanfattningen")
    grade.add_argument("--no-lock", action="store_true", help="spara som utkast utan att låsa")
    grade.add_argument("--verify-ber", action="store_true", help="vänta tills betygen syns i BER")
    grade.add_argument("--ber-timeout", type=float, default=20, help="minuter att vänta på BER (standard 20)")
    grade.add_argument("--advance-mock-clock", action="store_true",
                       help="mot mockarna: flytta BER:s och Ping Pongs klockor i stället för att vänta")
    grade.add_argument("--keep-traces", action="store_true", help="spara Playwright-spår även för lyckade grupper")
    grade.add_argument("--no-trace", action="store_true", help="ingen Playwright-spårning alls")
    grade.add_argument("--trace-snapshots", action="store_true",
                       help="DOM-ögonblicksbilder vid varje klick i spåren (utförligt men ungefär halva farten)")
    grade.add_argument("--headed", action="store_true", help="visa webbläsaren")
    grade.add_argument("--termin", help='t.ex. "HT 2026" (standard: alla terminer)')
    grade.add_argument("--timeout", type=float, default=10, help="sekunder per steg i webbläsaren")
    grade.add_argument("--max-groups", type=int, help="gör högst så här många grupper i denna körning")
    for system, session in (("pingpong", PingPong), ("ber", Ber)):
        # --pingpong-url/-user/-password and --ber-...: the environment's, else the embedded default's.
        for part, default in zip(("url", "user", "password"), session.DEFAULTS):
            grade.add_argument(f"--{system}-{part}", default=_env(f"{session.ENV}_{part.upper()}", default))
    return parser


MAX_LISTED_PROBLEMS = 50  # a 10 MB bad file has hundreds of thousands; the first ones and a count say enough


def _report_bad_input(console: Console, path: Path, exc: BadInput) -> int:
    total = len(exc.problems)
    console.print(f"[bold red]Filen {path} kan inte användas — inget har öppnats eller ändrats "
                  f"({total} fel):[/]", soft_wrap=True)
    for problem in exc.problems[:MAX_LISTED_PROBLEMS]:
        console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    if total > MAX_LISTED_PROBLEMS:
        console.print(f"  … och {total - MAX_LISTED_PROBLEMS} fel till (de första {MAX_LISTED_PROBLEMS} visas). "
                      "Rätta dem och kör `betygsrobot validate` igen.", markup=False, highlight=False, soft_wrap=True)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    err = Console(stderr=True)
    # Not a terminal (a log, CI): wide enough that the table's columns are not cut to "…".
    out = Console() if sys.stdout.isatty() else Console(width=200)
    if args.command == "print":
        return run_print(args, out)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        jobs = read_grades(args.input)
    except BadInput as exc:
        return _report_bad_input(err, args.input, exc)
    students = sum(len(j.grades) for j in jobs)
    if args.command == "validate":
        out.print(f"{args.input}: {students} betyg i {len(jobs)} betygsgrupper, inga fel.", soft_wrap=True,
                  markup=False, highlight=False)
        return EXIT_OK
    # The run's folder holds personnummer and grades (report, journal, catalogues, screenshots,
    # traces): its owner's only.
    args.out.mkdir(parents=True, exist_ok=True)
    args.out.chmod(0o700)
    settings = Settings(
        pingpong_url=args.pingpong_url, pingpong_user=args.pingpong_user, pingpong_password=args.pingpong_password,
        ber_url=args.ber_url, ber_user=args.ber_user, ber_password=args.ber_password, out_dir=args.out,
        journal_path=args.journal, run_name=args.run, lease_seconds=args.lease, workers=max(1, args.workers), dry_run=args.dry_run, lock=not args.no_lock,
        verify_ber=args.verify_ber, ber_timeout_minutes=args.ber_timeout, advance_mock_clock=args.advance_mock_clock,
        keep_traces=args.keep_traces, trace=not args.no_trace, trace_snapshots=args.trace_snapshots, headless=not args.headed, timeout_ms=args.timeout * 1000,
        term=args.termin, max_groups=args.max_groups)
    log = logging.getLogger("betygsrobot")
    started = time.perf_counter()
    progress = None
    if err.is_terminal:
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err)
        task = progress.add_task("Betygsgrupper", total=len(jobs))

    def on_outcome(o: Outcome) -> None:
        line = f"{o.group} ({o.course}): {STATUS_SV.get(o.status, o.status)}, {len(o.grades_set)} betyg satta, {o.seconds:.1f} s"
        if o.error:
            line += f" — {o.error}"
        if progress:
            progress.advance(task)
            progress.console.print(line, markup=False, highlight=False)
        else:
            log.info(line)

    robot = Robot(jobs, settings, on_outcome=on_outcome)
    try:
        if progress:
            progress.start()
        outcomes = robot.run()
    except BadInput as exc:
        return _report_bad_input(err, args.input, exc)
    finally:
        if progress:
            progress.stop()
    seconds = time.perf_counter() - started
    report = write_json(args.report or settings.out_dir / "rapport.json", outcomes, input_path=args.input,
                        dry_run=settings.dry_run, seconds=seconds)
    print_table(out, outcomes)
    failed = [o for o in outcomes if not o.ok]
    set_now = sum(len(o.grades_set) for o in outcomes)
    if settings.dry_run:
        print_plan(out, outcomes)
        would = sum(len(o.would_set) for o in outcomes)
        out.print(f"Provkörning: {would} betyg skulle sättas i {sum(bool(o.would_set) for o in outcomes)} av "
                  f"{len(outcomes)} grupper, {sum(len(o.already) for o in outcomes)} är redan låsta; inget "
                  f"sparades ({seconds:.1f} s). Rapport: {report}", markup=False, highlight=False, soft_wrap=True)
        if failed:
            out.print(f"{len(failed)} grupper kan inte sättas som filen säger: se tabellen.", markup=False,
                      highlight=False, soft_wrap=True)
        return EXIT_FAILED if failed else EXIT_OK
    for o in outcomes:
        if o.status == "incomplete":  # named in full, whatever the table's width cut
            out.print(f"{o.group}: ofullständig — saknar låst betyg: {', '.join(o.missing_students)}.",
                      markup=False, highlight=False, soft_wrap=True)
    out.print(f"{len(outcomes) - len(failed)} av {len(outcomes)} grupper klara, {set_now} betyg satta på "
              f"{seconds:.1f} s. Rapport: {report}", markup=False, highlight=False, soft_wrap=True)
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""`betygsrobot` / `python -m betyg_harness.flows`: grade a CSV of grades in Ping Pong.

Exit codes: 0 every group done, 1 some group failed, 2 bad input or a login that does not work
(nothing opened), 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM — after the groups in hand
were finished or left untouched, with the journal and the report written.
``betygsrobot login --save-state FILE``: 0 saved, 2 no login.
``betygsrobot print``: 0 every group printed, 1 some group not complete (the rest printed), 2 no run
to print (:mod:`betyg_harness.flows.robot.bundle`).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from betyg_harness import add_version_option
from betyg_harness.flows.browser import BrowserNotFound, find_browser
from betyg_harness.flows.errors import BusinessError
from betyg_harness.flows.robot.bundle import add_print_arguments, run_print
from betyg_harness.flows.robot.csvinput import BadInput, GroupJob, read_grades
from betyg_harness.flows.robot.report import NOT_STARTED, STATUS_SV, print_plan, print_table, write_json
from betyg_harness.flows.robot.runner import Outcome, Robot, Settings, StopRequest
from betyg_harness.flows.robot.savedlogin import SavedLoginProblem, check_saved_login_file, save_login
from betyg_harness.flows.session import Ber, PingPong
from betyg_harness.text import os_error_sv

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_STOPPED: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal, as shells report it


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


class _SwedishParser(argparse.ArgumentParser):
    """argparse with its refusals in Swedish (exit 2, as argparse does)."""

    SAID = (
        (r"the following arguments are required: (.*)", "de här argumenten krävs: {0}"),
        (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", "{0}: ogiltigt val {1} (välj bland {2})"),
        (r"argument (\S+): expected one argument", "{0} behöver ett värde"),
        (r"argument (\S+): invalid \w+ value: (.*)", "{0}: {1} är inget tal"),
        (r"unrecognized arguments: (.*)", "okända argument: {0}"),
        (r"argument (\S+): (.*)", "{0}: {1}"),
    )

    def error(self, message: str):
        for pattern, swedish in self.SAID:
            if (m := re.fullmatch(pattern, message)) is not None:
                message = swedish.format(*m.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: fel: {message}\n")


def _whole(low: int):
    def read(text: str) -> int:
        if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) < low:
            raise argparse.ArgumentTypeError(f"ett heltal ≥ {low}, inte «{text}»")
        return int(text)

    read.__name__ = "heltal"
    return read


def _positive(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"ett tal större än 0, inte «{text}»")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _SwedishParser(prog="betygsrobot", description="Sätter och låser betyg i Ping Pong från en CSV-fil.")
    add_version_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_SwedishParser)
    grade = sub.add_parser("grade", help="sätt, lås och bekräfta betygen i filen")
    check = sub.add_parser("validate", help="kontrollera bara filen")
    printing = sub.add_parser(
        "print", help="bygg utskriftsfiler av de klara betygskatalogerna (per skola eller lärare)"
    )
    add_print_arguments(printing)
    login = sub.add_parser(
        "login", help="logga in i Ping Pong i ett webbläsarfönster och spara inloggningen för grade --storage-state"
    )
    login.add_argument(
        "--save-state",
        required=True,
        type=Path,
        metavar="FIL",
        help="var inloggningen sparas (Playwrights storage state; skapas läsbar bara för dig: "
        "den öppnar Ping Pong som du tills sessionen tar slut)",
    )
    login.add_argument("--pingpong-url", default=_env("PINGPONG_URL", PingPong.DEFAULTS[0]))
    login.add_argument(
        "--pingpong-user",
        default=os.environ.get("PINGPONG_USER"),
        help="fyll i användarnamnet åt dig (en andra faktor ger du själv)",
    )
    login.add_argument("--pingpong-password", default=os.environ.get("PINGPONG_PASSWORD"))
    login.add_argument("--wait", type=_positive, default=300, help="sekunder att vänta på inloggningen (standard 300)")
    login.add_argument(
        "--headless",
        action="store_true",
        help="utan fönster (för automatiska tester; kräver användarnamn och lösenord)",
    )
    for p in (grade, check):
        p.add_argument("--input", "-i", required=True, type=Path, help="CSV: personnummer,kurskod,grupp,betyg,larare")
    grade.add_argument(
        "--out",
        type=Path,
        default=Path("betygsrobot-ut"),
        help="katalog för kataloger, rapport, journal, skärmbilder och spår; den innehåller "
        "personuppgifter (personnummer och betyg) och skapas läsbar bara för dig",
    )
    grade.add_argument(
        "--journal",
        help="journalfil (standard: <out>/journal.jsonl), eller postgresql://… för en "
        "kö som flera robotprocesser på flera datorer delar",
    )
    grade.add_argument("--run", help="körningens namn i PostgreSQL-kön (standard: filens fingeravtryck)")
    grade.add_argument(
        "--lease",
        type=_positive,
        help="sekunder en grupp ur PostgreSQL-kön är vår utan förnyelse "
        "(standard 120; en krashad process grupp tas över därefter)",
    )
    grade.add_argument("--report", type=Path, help="JSON-rapport (standard: <out>/rapport.json)")
    grade.add_argument("--workers", "-w", type=_whole(1), default=1, help="parallella webbläsare (minst 1)")
    grade.add_argument("--dry-run", action="store_true", help="fyll i allt, stanna vid sammanfattningen")
    grade.add_argument("--no-lock", action="store_true", help="spara som utkast utan att låsa")
    grade.add_argument("--verify-ber", action="store_true", help="vänta tills betygen syns i BER")
    grade.add_argument("--ber-timeout", type=_positive, default=20, help="minuter att vänta på BER (standard 20)")
    grade.add_argument(
        "--advance-mock-clock",
        action="store_true",
        help="mot mockarna: flytta BER:s och Ping Pongs klockor i stället för att vänta",
    )
    grade.add_argument("--keep-traces", action="store_true", help="spara Playwright-spår även för lyckade grupper")
    grade.add_argument("--no-trace", action="store_true", help="ingen Playwright-spårning alls")
    grade.add_argument(
        "--trace-snapshots",
        action="store_true",
        help="DOM-ögonblicksbilder vid varje klick i spåren (utförligt men ungefär halva farten)",
    )
    grade.add_argument("--headed", action="store_true", help="visa webbläsaren")
    grade.add_argument("--termin", help='t.ex. "HT 2026" (standard: alla terminer)')
    grade.add_argument("--timeout", type=_positive, default=10, help="sekunder per steg i webbläsaren")
    grade.add_argument(
        "--max-groups",
        type=_whole(1),
        help="gör högst så här många grupper i denna körning (resten listas som ej körda; kör igen för dem)",
    )
    grade.add_argument(
        "--recycle-every",
        type=_whole(0),
        default=25,
        metavar="N",
        help="en ny webbläsarkontext (och inloggning) var N:e grupp och en ny webbläsare och Playwright-drivrutin var 4·N:e, "
        "så att minnet inte växer under en lång körning (standard 25; 0 = aldrig)",
    )
    grade.add_argument(
        "--storage-state",
        type=Path,
        metavar="FIL",
        help="använd en sparad inloggning (betygsrobot login --save-state FIL) i stället för "
        "användarnamn och lösenord — så tar sig roboten förbi en riktig inloggning med "
        "tvåfaktor",
    )
    for system, session in (("pingpong", PingPong), ("ber", Ber)):
        # --pingpong-url/-user/-password and --ber-...: the environment's, else the embedded default's.
        for part, default in zip(("url", "user", "password"), session.DEFAULTS):
            grade.add_argument(f"--{system}-{part}", default=_env(f"{session.ENV}_{part.upper()}", default))
    return parser


MAX_LISTED_PROBLEMS = 50  # a 10 MB bad file has hundreds of thousands; the first ones and a count say enough


def _report_bad_input(console: Console, path: Path, exc: BadInput) -> int:
    total = len(exc.problems)
    console.print(
        f"[bold red]Filen {path} kan inte användas — inget har öppnats eller ändrats ({total} fel):[/]", soft_wrap=True
    )
    for problem in exc.problems[:MAX_LISTED_PROBLEMS]:
        console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    if total > MAX_LISTED_PROBLEMS:
        console.print(
            f"  … och {total - MAX_LISTED_PROBLEMS} fel till (de första {MAX_LISTED_PROBLEMS} visas). "
            "Rätta dem och kör `betygsrobot validate` igen.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before the run's own stop handling was in place: nothing was started
        print("Avbrutet (Ctrl-C): inget i Ping Pong har ändrats.", file=sys.stderr)
        return EXIT_STOPPED[signal.SIGINT]


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    err = Console(stderr=True)
    # Not a terminal (a log, CI): wide enough that the table's columns are not cut to "…".
    out = Console() if sys.stdout.isatty() else Console(width=200)
    if args.command == "print":
        return run_print(args, out)
    if args.command == "login":
        return _save_login(args, out, err)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        jobs = read_grades(args.input)
    except BadInput as exc:
        return _report_bad_input(err, args.input, exc)
    students = sum(len(j.grades) for j in jobs)
    if args.command == "validate":
        out.print(
            f"{args.input}: {students} betyg i {len(jobs)} betygsgrupper, inga fel.",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        return EXIT_OK
    if args.storage_state is not None:
        try:
            check_saved_login_file(args.storage_state)
        except SavedLoginProblem as exc:
            err.print(
                f"[bold red]Inloggningen kan inte användas — inget har öppnats:[/] {rich_escape(str(exc))}",
                soft_wrap=True,
                highlight=False,
            )
            return EXIT_BAD_INPUT
    out_is_new = not args.out.exists()
    refused = _cannot_start(args)
    if refused:
        err.print(
            f"[bold red]Körningen kan inte börja — inget har öppnats eller ändrats:[/] {rich_escape(refused)}",
            soft_wrap=True,
            highlight=False,
        )
        return EXIT_BAD_INPUT
    return _run(args, jobs, out, err, out_is_new=out_is_new)


def _run(args, jobs: list[GroupJob], out: Console, err: Console, *, out_is_new: bool) -> int:
    """The robot's run over ``jobs``, with progress shown, stopped by Ctrl-C or SIGTERM, summarised."""
    settings = _settings(args)
    started = time.perf_counter()
    feedback = _Feedback(err, len(jobs))
    progress = feedback.progress
    stop = StopRequest()
    robot = Robot(jobs, settings, on_outcome=feedback.on_outcome, stop=stop, on_ber_wait=feedback.on_ber_wait)
    restore = _stop_on_signals(stop, feedback.say)
    try:
        if progress:
            progress.start()
        try:
            outcomes = robot.run()
        except BadInput as exc:
            return _report_bad_input(err, args.input, exc)
        except BusinessError as exc:  # a login or a --termin no worker can use: nothing was opened
            err.print(
                f"[bold red]Körningen kan inte börja — ingen grupp har öppnats:[/] {rich_escape(str(exc))}",
                soft_wrap=True,
                highlight=False,
            )
            if out_is_new:
                _remove_if_empty(args.out)
            return EXIT_BAD_INPUT
        finally:
            if progress:
                progress.stop()
        seconds = time.perf_counter() - started
        # A dry run keeps its own report: it must not hide a real run's from `betygsrobot print`.
        report = write_json(
            args.report or settings.out_dir / ("provkorning.json" if settings.dry_run else "rapport.json"),
            outcomes,
            input_path=args.input,
            dry_run=settings.dry_run,
            seconds=seconds,
            stopped=stop.requested,
        )
        return _summarise(out, outcomes, settings, stop, seconds, report, args)
    finally:
        restore()


def _settings(args) -> Settings:
    return Settings(
        pingpong_url=args.pingpong_url,
        pingpong_user=args.pingpong_user,
        pingpong_password=args.pingpong_password,
        ber_url=args.ber_url,
        ber_user=args.ber_user,
        ber_password=args.ber_password,
        out_dir=args.out,
        journal_path=args.journal,
        run_name=args.run,
        lease_seconds=args.lease,
        workers=max(1, args.workers),
        dry_run=args.dry_run,
        lock=not args.no_lock,
        verify_ber=args.verify_ber,
        ber_timeout_minutes=args.ber_timeout,
        advance_mock_clock=args.advance_mock_clock,
        keep_traces=args.keep_traces,
        trace=not args.no_trace,
        trace_snapshots=args.trace_snapshots,
        headless=not args.headed,
        timeout_ms=args.timeout * 1000,
        term=args.termin,
        max_groups=args.max_groups,
        storage_state=args.storage_state,
        recycle_every=max(0, args.recycle_every),
        recycle_browser_every=max(0, args.recycle_every) * 4,
    )


class _Feedback:
    """What a person sees while the robot runs: a progress bar on a terminal, log lines otherwise."""

    def __init__(self, err: Console, groups: int):
        self.log = logging.getLogger("betygsrobot")
        self.progress: Progress | None = None
        if err.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
            )
            self.task = self.progress.add_task("Betygsgrupper", total=groups)
        self.ber_task: Any = None  # the progress task of the wait for BER, once shown
        self.ber_logged = 0.0  # when the wait for BER was last logged

    def say(self, line: str) -> None:
        if self.progress:
            self.progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            self.log.info(line)

    def on_outcome(self, o: Outcome) -> None:
        line = f"{o.group} ({o.course}): {STATUS_SV.get(o.status, o.status)}, {len(o.grades_set)} betyg satta, {o.seconds:.1f} s"
        if o.error:
            line += f" — {o.error}"
        progress = self.progress
        if progress:
            if o.status in NOT_STARTED:  # a group not run leaves the bar's count instead of filling it
                progress.update(self.task, total=max(0, (progress.tasks[self.task].total or 0) - 1))
            else:
                progress.advance(self.task)
        self.say(line)

    def on_ber_wait(self, wait) -> None:
        # A real wait is up to 15 minutes: one line that moves (a terminal), or a line every 30 s (a log).
        if self.progress:
            if self.ber_task is None:
                self.ber_task = self.progress.add_task(str(wait), total=None)
            self.progress.update(self.ber_task, description=str(wait))
        elif time.monotonic() - self.ber_logged >= 30 or wait.missing == 0:
            self.ber_logged = time.monotonic()
            self.log.info(str(wait))


def _cannot_start(args) -> str | None:
    """What stops the run before any browser opens: the output folder, a browser to use, the
    systems' addresses (a person's mistakes, said in Swedish rather than once per group)."""
    unusable = _unusable_folder(args.out)
    if unusable:
        return f"--out {args.out}: {unusable}."
    try:
        find_browser(headless=not args.headed)
    except BrowserNotFound as exc:
        return str(exc)
    systems = [("Ping Pong", "pingpong", args.pingpong_url)]
    if args.verify_ber and not args.dry_run:
        systems.append(("BER", "ber", args.ber_url))
    for name, option, url in systems:
        try:
            requests.get(url, timeout=10, allow_redirects=False)
        except requests.Timeout:
            why = "inget svar inom 10 s"
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
            why = "det är ingen http(s)-adress"
        except requests.RequestException:
            why = "ingen server svarar där"
        else:
            continue
        return f"{name} svarar inte på {url} ({why}). Kontrollera --{option}-url eller {option.upper()}_URL."
    # Only now, when the run will start: a refused run leaves no empty folder behind. It holds
    # personnummer and grades (report, journal, catalogues, screenshots, traces): its owner's only.
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        args.out.chmod(0o700)
    except OSError as exc:
        return f"--out {args.out}: {os_error_sv(exc)}."
    return None


def _remove_if_empty(folder: Path) -> None:
    """A refused run's own --out, left as it found it: gone, unless something was written there."""
    for inner in sorted(folder.rglob("*"), reverse=True):  # deepest first
        if inner.is_dir() and not any(inner.iterdir()):
            inner.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()


def _unusable_folder(path: Path) -> str | None:
    """Why ``path`` cannot become the run's folder, found without creating anything, or None."""
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return "finns redan och är ingen mapp" if existing == path else f"{existing} är en fil, ingen mapp"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"du får inte skriva i {existing}"
    return None


def _stop_on_signals(stop: StopRequest, say: Callable[[str], None]) -> Callable[[], object]:
    """Ctrl-C and SIGTERM ask the robot to stop (see StopRequest) instead of killing it mid-group;
    returns what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may handle signals (main() called from a thread)

    def handler(signum, frame) -> None:
        name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
        if stop.request(signum) == 1:
            say(
                f"Stoppar ({name}): inga nya grupper påbörjas, de som pågår görs klart och rapporten skrivs. "
                f"{name} igen stoppar direkt — utan att något sparas till hälften."
            )
        else:
            say(
                f"Stoppar direkt ({name}): pågående grupper avbryts före nästa Spara; det som redan sparats "
                "rapporteras."
            )

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    return lambda: [signal.signal(sig, h) for sig, h in previous.items()]


def _summarise(
    out: Console, outcomes: list[Outcome], settings: Settings, stop: StopRequest, seconds: float, report: Path, args
) -> int:
    print_table(out, outcomes)
    failed = [o for o in outcomes if not o.ok]
    if settings.dry_run:
        _summarise_dry_run(out, outcomes, failed, stop, seconds, report)
    else:
        _summarise_run(out, outcomes, failed, seconds, report)
    _summarise_unfinished(out, outcomes, settings)
    if stop.requested:
        return _summarise_stop(out, outcomes, settings, stop)
    # A dry run that foresees an incomplete group fails as the real run would.
    return EXIT_FAILED if failed or any(o.missing_students for o in outcomes) else EXIT_OK


def _summarise_unfinished(out: Console, outcomes: list[Outcome], settings: Settings) -> None:
    """What is left for another run: groups past --max-groups, a wait for BER cut short."""
    left = [o for o in outcomes if o.status == "not-run" and "--max-groups" in (o.error or "")]
    if left:
        _line(out, f"{len(left)} grupper återstår (--max-groups {settings.max_groups}): kör samma kommando igen.")
    if any("Väntan på BER avbröts" in (o.warning or "") for o in outcomes):
        _line(
            out,
            "BER-kontrollen avbröts: betygen är låsta i Ping Pong, men att de syns i BER är inte bekräftat. "
            "Kör igen med --verify-ber för att vänta klart.",
        )


def _line(out: Console, text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _summarise_dry_run(
    out: Console, outcomes: list[Outcome], failed: list[Outcome], stop: StopRequest, seconds: float, report: Path
) -> None:
    print_plan(out, outcomes)
    would = sum(len(o.would_set) for o in outcomes)
    _line(
        out,
        f"Provkörning: {would} betyg skulle sättas i {sum(bool(o.would_set) for o in outcomes)} av "
        f"{len(outcomes)} grupper, {sum(len(o.already) for o in outcomes)} är redan låsta; inget "
        f"sparades ({seconds:.1f} s). Rapport: {report}",
    )
    if failed and not stop.requested:
        _line(out, f"{len(failed)} grupper kan inte sättas som filen säger: se tabellen.")
    for o in outcomes:  # named in full, whatever the table's width cut
        if o.missing_students:
            _line(out, f"{o.group}: skulle bli ofullständig — utan betyg i filen: {', '.join(o.missing_students)}.")


def _summarise_run(out: Console, outcomes: list[Outcome], failed: list[Outcome], seconds: float, report: Path) -> None:
    for o in outcomes:
        if o.status == "incomplete":  # named in full, whatever the table's width cut
            _line(out, f"{o.group}: ofullständig — saknar låst betyg: {', '.join(o.missing_students)}.")
        elif o.status == "unconfirmed":
            _line(out, f"{o.group}: lagrad men inte bekräftad — {o.error}.")
    set_now = sum(len(o.grades_set) for o in outcomes)
    _line(
        out,
        f"{len(outcomes) - len(failed)} av {len(outcomes)} grupper klara, {set_now} betyg satta på "
        f"{seconds:.1f} s. Rapport: {report}",
    )


def _summarise_stop(out: Console, outcomes: list[Outcome], settings: Settings, stop: StopRequest) -> int:
    name = "Ctrl-C" if stop.signal == signal.SIGINT else "SIGTERM"
    untouched = sum(o.status in ("not-run", "stopped") for o in outcomes)
    _line(
        out,
        f"Körningen stoppades ({name}). {untouched} grupper påbörjades inte eller avbröts innan något "
        f"sparades. Fortsätt med samma kommando: journalen ({settings.journal}) hoppar över det som är "
        "klart och läser om det som pågick.",
    )
    return EXIT_STOPPED.get(stop.signal, 130) if stop.signal is not None else 130


def _save_login(args, out: Console, err: Console) -> int:
    if args.headless and not (args.pingpong_user and args.pingpong_password):
        err.print(
            "--headless kräver --pingpong-user och --pingpong-password (ingen kan logga in i ett osynligt fönster).",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        return EXIT_BAD_INPUT
    if not args.headless:
        err.print(
            f"Logga in i Ping Pong i fönstret som öppnas (väntar högst {args.wait:.0f} s) …",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
    try:
        path = save_login(
            args.save_state,
            args.pingpong_url,
            username=args.pingpong_user,
            password=args.pingpong_password,
            headless=args.headless,
            wait_seconds=args.wait,
        )
    except (BusinessError, BrowserNotFound) as exc:
        err.print(f"[bold red]Ingen inloggning sparad:[/] {rich_escape(str(exc))}", soft_wrap=True, highlight=False)
        return EXIT_BAD_INPUT
    out.print(
        f"Inloggningen sparad i {path} (läsbar bara för dig; den öppnar Ping Pong som du tills sessionen "
        f"tar slut — hantera den som ett lösenord). Använd den: betygsrobot grade --storage-state {path} …",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

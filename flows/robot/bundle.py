"""`betygsrobot print`: the print bundle of a finished run.

Reads a run's output folder (``rapport.json`` and ``betygskataloger/*.pdf``) and writes, to
``<out>/utskrift/``, one PDF to print per school (or per teacher): a first page in Swedish listing
each group, the teachers who sign it, its pages in the bundle and a short SHA-256 of its catalogue,
where to post the signed originals, and the groups of the run that still wait for grades; then the
complete catalogues themselves, in a stable order (school, then group name).

What it relies on: the report gives each group's status, its catalogue (or null) and, when the robot
knows them, ``missing_students``; the school and the teachers to sign are read from the catalogue
PDF itself (:mod:`betyg_harness.flows.catalogue`, the reader behind ``betygskatalog-check``), as the report
does not hold them. A group waiting for grades has no catalogue, so its students come only from
``missing_students`` — without it the page says the students are unknown here.

Exit codes: 0 every group printed, 1 some group is not complete (the rest is still printed),
2 bad input (no such folder, no readable report).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import importlib.util
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table as RichTable

from betyg_harness.flows.catalogue import read_catalogue
from betyg_harness.flows.robot.report import STATUS_SV
from betyg_harness.text import WORD, slug

EXIT_OK, EXIT_INCOMPLETE, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_OUT = Path("betygsrobot-ut")
DEFAULT_RECIPIENT = "Vuxenutbildningscentrum"  # DOMAIN names no address: none is invented
BUNDLE_DIR = "utskrift"
MANIFEST = "utskrift.json"
COMPLETE = ("done", "already", "skipped")  # a stored, locked group whose catalogue could be printed
CHECKSUM_CHARS = 12

FONT_NAME = "BetygsrobotSans"
FONT_FILE = "DejaVuSans.ttf"


class BadRun(Exception):
    """The output folder cannot be read as a robot run (a Swedish message for the admin)."""


@dataclass
class PrintedGroup:
    """A complete group: its catalogue goes into a bundle."""

    group: str
    course: str
    school: str
    teachers: list[str]
    path: Path
    pages: int
    sha256: str
    first_page: int = 0  # 1-based, in the bundle; set when the bundle is laid out

    @property
    def short_sum(self) -> str:
        return self.sha256[:CHECKSUM_CHARS]


@dataclass
class WaitingGroup:
    """A group that is not printed: still missing grades, failed, or without a readable catalogue."""

    group: str
    course: str
    status: str
    missing: list[str] | None  # None: the report does not say which students
    reason: str
    lacks_grades: bool = True  # False: it failed or was not run (its students are not the question)

    def line(self) -> str:
        """One line for the first page and the console."""
        text = f"{self.group}" + (f" ({self.course})" if self.course else "") + f": {self.reason.rstrip('.')}."
        if self.lacks_grades:
            return f"{text} Väntar på: {_missing_text(self)}."
        return f"{text} Kör «betygsrobot grade» igen när felet är åtgärdat."


@dataclass
class Bundle:
    kind: str  # "skola" | "larare"
    name: str  # the school or the teacher
    groups: list[PrintedGroup] = field(default_factory=list)
    path: Path | None = None
    cover_pages: int = 0


# ---------------------------------------------------------------- arguments and entry point


def add_print_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `betygsrobot print`."""
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="robotens utmapp (med rapport.json och betygskataloger/), standard betygsrobot-ut",
    )
    parser.add_argument("--report", type=Path, help="JSON-rapport (standard: <out>/rapport.json)")
    parser.add_argument(
        "--per",
        choices=("skola", "larare"),
        default="skola",
        help="en utskriftsfil per skola (standard) eller per lärare",
    )
    parser.add_argument(
        "--posta-till",
        default=DEFAULT_RECIPIENT,
        metavar="MOTTAGARE",
        help=f"vart de underskrivna originalen skickas (standard: {DEFAULT_RECIPIENT})",
    )


def run_print(args: argparse.Namespace, console: Console) -> int:
    """Build the bundles; the exit code (0 all printed, 1 some group not complete, 2 bad input)."""
    out: Path = args.out
    report_path: Path = getattr(args, "report", None) or out / "rapport.json"
    per = getattr(args, "per", "skola")
    recipient = (getattr(args, "posta_till", None) or DEFAULT_RECIPIENT).strip() or DEFAULT_RECIPIENT
    try:
        report = load_report(out, report_path)
        printed, waiting = classify(report, out)
    except BadRun as exc:
        console.print(f"[bold red]Kan inte skriva ut:[/] {rich_escape(str(exc))}", soft_wrap=True, highlight=False)
        return EXIT_BAD_INPUT
    bundles = make_bundles(printed, per)
    target = out / BUNDLE_DIR
    if bundles:
        # The catalogues hold personnummer and grades: the folder is the owner's only, like the run's.
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.chmod(0o700)
    made = datetime.now().astimezone()
    used: set[str] = set()
    for b in bundles:
        b.path = target / _file_name(b, used)
        b.path.write_bytes(build_bundle(b, waiting, recipient=recipient, report=report, made=made))
    if bundles:
        write_manifest(target / MANIFEST, bundles, waiting, recipient=recipient, made=made)
    _print_summary(console, bundles, waiting, recipient)
    return EXIT_INCOMPLETE if waiting else EXIT_OK


# ---------------------------------------------------------------- reading the run


def load_report(out: Path, report_path: Path) -> dict:
    if not out.is_dir():
        raise BadRun(f"mappen {out} finns inte. Ange robotkörningens utmapp med --out.")
    if not report_path.is_file():
        raise BadRun(
            f"{report_path} finns inte: ingen rapport från en robotkörning i {out}. "
            "Kör `betygsrobot grade` först, eller ange rapporten med --report."
        )
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRun(f"{report_path} går inte att läsa som en robotrapport ({exc}).") from exc
    if (
        not isinstance(report, dict)
        or not isinstance(report.get("groups"), list)
        or not all(isinstance(g, dict) and g.get("group") for g in report["groups"])
    ):
        raise BadRun(f'{report_path} är ingen robotrapport: den saknar en lista "groups" med grupper.')
    if report.get("dry_run"):
        raise BadRun(
            f"{report_path} kommer från en provkörning (--dry-run): inga betyg är låsta och "
            "inga betygskataloger finns att skriva ut."
        )
    return report


def _catalogue_file(entry: dict, out: Path) -> Path | None:
    """The catalogue's file: as the report names it, else by its name in <out>/betygskataloger/ (the
    report may hold a path relative to where the robot ran, or the folder may have been moved)."""
    named = entry.get("catalogue")
    if not named:
        return None
    path = Path(named)
    if path.is_file():
        return path
    local = out / "betygskataloger" / path.name
    return local if local.is_file() else path


def _not_printed(entry: dict, status: str, missing: list[str] | None, path: Path | None) -> tuple[str, bool] | None:
    """Why a group is not printed and whether it waits for grades; None when its catalogue can go."""
    if status == "incomplete" or missing:
        return "alla antagna elever har inte låsta betyg", True
    if status not in COMPLETE:
        return STATUS_SV.get(status, status) + (f": {entry['error']}" if entry.get("error") else ""), False
    if path is None:
        # Until the report says "incomplete" itself, a stored group without a catalogue is one
        # Ping Pong would not print: some admitted student is still without a locked grade.
        return entry.get("warning") or "ingen betygskatalog: alla antagna elever har inte låsta betyg", True
    if not path.is_file():
        return f"betygskatalogen {path} finns inte", False
    return None


def classify(report: dict, out: Path) -> tuple[list[PrintedGroup], list[WaitingGroup]]:
    """Split the report's groups into those printed and those that wait (in the report's order)."""
    printed: list[PrintedGroup] = []
    waiting: list[WaitingGroup] = []
    for entry in report["groups"]:
        group, course, status = str(entry["group"]), str(entry.get("course") or ""), str(entry.get("status") or "")
        listed = entry.get("missing_students")
        missing = [str(m) for m in listed] if isinstance(listed, list) else None
        path = _catalogue_file(entry, out)
        why = _not_printed(entry, status, missing, path)
        if why is None and path is not None:
            found = _read_printed(group, course, path)
            if isinstance(found, PrintedGroup):
                printed.append(found)
                continue
            why = found
        reason, lacks_grades = why or ("", False)
        waiting.append(WaitingGroup(group, course, status, missing, reason, lacks_grades))
    return printed, waiting


def _read_printed(group: str, course: str, path: Path) -> PrintedGroup | tuple[str, bool]:
    """The group's catalogue as read from ``path``, or why it cannot be printed (not for lack of grades)."""
    try:
        data = path.read_bytes()
        parsed = read_catalogue(data)
    except Exception as exc:  # noqa: BLE001 — a damaged file is one group's problem, not the run's
        return f"betygskatalogen {path.name} går inte att läsa ({type(exc).__name__})", False
    school = (parsed.fields.get("Skolenhet") or "").strip() or "Okänd skola"
    teachers = [s.name for s in parsed.signatures if s.name]
    return PrintedGroup(
        group,
        course or parsed.fields.get("Kurskod", ""),
        school,
        teachers,
        path,
        parsed.page_count,
        hashlib.sha256(data).hexdigest(),
    )


# ---------------------------------------------------------------- ordering


_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}"})  # the three code points after "z"


def sv_key(text: str) -> tuple[str, str]:
    """Swedish alphabetical order (å, ä, ö after z), case-insensitive, then the exact text to break ties."""
    return text.casefold().translate(_SV_ORDER), text


def make_bundles(printed: list[PrintedGroup], per: str) -> list[Bundle]:
    """Per school: each school's complete groups. Per teacher: each catalogue goes once, to the first
    teacher who signs it (one signed original is needed; the first page names the co-signers)."""
    by_name: dict[str, Bundle] = {}
    for g in printed:
        name = g.school if per == "skola" else (g.teachers[0] if g.teachers else "Ingen lärare angiven")
        by_name.setdefault(name, Bundle(per, name)).groups.append(g)
    bundles = sorted(by_name.values(), key=lambda b: sv_key(b.name))
    for b in bundles:
        b.groups.sort(key=lambda g: (sv_key(g.school), sv_key(g.group)))
    return bundles


def _slug(text: str) -> str:
    return slug(text, WORD) or "utskrift"


def _file_name(bundle: Bundle, used: set[str]) -> str:
    stem = ("skola-" if bundle.kind == "skola" else "larare-") + _slug(bundle.name)
    name, n = f"{stem}.pdf", 2
    while name.casefold() in used:  # two names that slug alike (or differ only in case) keep both files
        name, n = f"{stem}-{n}.pdf", n + 1
    used.add(name.casefold())
    return name


# ---------------------------------------------------------------- the first page


def _font() -> str:
    """DejaVu Sans, for names outside Latin-1 (Łukasz, Nguyễn). It ships as package data in
    betyg_harness/mock_kit/fonts/; flows must not import mock_kit (they meet the mocks over HTTP
    only), so the file is located without importing it: in a wheel under
    importlib.resources.files("betyg_harness"), in an editable checkout where the installer maps the
    package (find_spec locates it without running its __init__). Without the file, Helvetica — whose
    glyphs stop at Latin-1, so such names would print as blanks; hence the wide font first."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    candidates = [Path(str(importlib.resources.files("betyg_harness") / "mock_kit" / "fonts" / FONT_FILE))]
    try:
        spec = importlib.util.find_spec("betyg_harness.mock_kit")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidates.append(Path(folder) / "fonts" / FONT_FILE)
    for path in candidates:
        if path.is_file():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
                return FONT_NAME
            except Exception:  # noqa: BLE001, S112 — a damaged font file: the fall-back still prints
                continue
    return "Helvetica"


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=11.5, alignment=TA_LEFT)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontSize=17, leading=21, spaceAfter=4),
        "h2": ParagraphStyle("h2", base, fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10, textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=10.5),
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _pages_text(g: PrintedGroup) -> str:
    last = g.first_page + g.pages - 1
    where = f"s. {g.first_page}" if g.pages == 1 else f"s. {g.first_page}–{last}"
    return f"{g.pages} ({where})"


def _cover(bundle: Bundle, waiting: list[WaitingGroup], *, recipient: str, report: dict, made: datetime) -> bytes:
    font = _font()
    st = _styles(font)

    def p(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(escape(text), st[style])

    who = "Skola" if bundle.kind == "skola" else "Lärare"
    story: list = [
        p("Betygskataloger att skriva under", "title"),
        p(f"{who}: {bundle.name}", "h2"),
        p(
            f"{_count(len(bundle.groups), 'betygskatalog', 'betygskataloger')}, "
            f"{_count(sum(g.pages for g in bundle.groups), 'sida', 'sidor')} "
            f"efter denna förstasida. Sammanställd {made:%Y-%m-%d %H:%M}{_run_time(report)}.",
            "base",
        ),
        Spacer(1, 3 * mm),
    ]
    head = (
        ["Grupp", "Kurs"]
        + (["Skola"] if bundle.kind == "larare" else [])
        + ["Lärare som skriver under", "Sidor", "SHA-256 (kort)"]
    )
    rows = [[p(h) for h in head]]
    for g in bundle.groups:
        row = [p(g.group), p(g.course)] + ([p(g.school)] if bundle.kind == "larare" else [])
        row += [p(", ".join(g.teachers) or "— (inga namn i katalogen)"), p(_pages_text(g)), p(g.short_sum, "small")]
        rows.append(row)
    # 180 mm of text width; the course code, the pages and the checksum must never wrap.
    widths = (
        [45 * mm, 24 * mm, 57 * mm, 26 * mm, 28 * mm]
        if bundle.kind == "skola"
        else [32 * mm, 24 * mm, 36 * mm, 34 * mm, 26 * mm, 28 * mm]
    )
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 2 * mm),
        p(
            "Kontrollsumman är de första tecknen av SHA-256 för katalogens PDF-fil "
            "(hela summan står i utskrift.json), så att en utskrift kan spåras till sin fil.",
            "small",
        ),
        p("Efter underskrift", "h2"),
        p(f"Skicka de underskrivna originalen till {recipient}.", "base"),
    ]
    if bundle.kind == "larare":
        story.append(
            p(
                "Kataloger med flera lärare ligger hos den först nämnda; lämna dem vidare till de "
                "andra för underskrift innan de skickas.",
                "base",
            )
        )
    if waiting:
        story.append(p(f"Inte klara — skrivs inte ut ({_count(len(waiting), 'grupp', 'grupper')} i körningen)", "h2"))
        story += [p(w.line(), "base") for w in waiting]
    doc = io.BytesIO()
    SimpleDocTemplate(
        doc,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Utskrift: {bundle.name}",
        author="betygsrobot",
        initialFontName=font,
    ).build(story)  # no stray Helvetica in the page's fonts
    return doc.getvalue()


def _run_time(report: dict) -> str:
    try:
        finished = datetime.fromisoformat(str(report.get("finished")))
    except ValueError:
        return ""
    return f" ur robotkörningen som slutade {finished.astimezone():%Y-%m-%d %H:%M}"


def _missing_text(w: WaitingGroup) -> str:
    if w.missing:
        return ", ".join(w.missing)
    return "elever som rapporten inte namnger (se gruppen i Ping Pong)"


def build_bundle(bundle: Bundle, waiting: list[WaitingGroup], *, recipient: str, report: dict, made: datetime) -> bytes:
    """The bundle's bytes: first page(s), then each catalogue, with a bookmark per group."""
    cover = b""
    cover_pages = 1
    for _ in range(4):  # page numbers depend on how long the first page runs: lay out until it settles
        page = cover_pages + 1
        for g in bundle.groups:
            g.first_page, page = page, page + g.pages
        cover = _cover(bundle, waiting, recipient=recipient, report=report, made=made)
        length = len(PdfReader(io.BytesIO(cover)).pages)
        if length == cover_pages:
            break
        cover_pages = length
    bundle.cover_pages = cover_pages
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)), outline_item="Förstasida")
    for g in bundle.groups:
        writer.append(PdfReader(io.BytesIO(g.path.read_bytes())), outline_item=g.group)
    writer.add_metadata({"/Title": f"Betygskataloger: {bundle.name}", "/Producer": "betygsrobot print"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- the manifest and the console


def write_manifest(
    path: Path, bundles: list[Bundle], waiting: list[WaitingGroup], *, recipient: str, made: datetime
) -> None:
    body = {
        "made": made.isoformat(timespec="seconds"),
        "post_to": recipient,
        "bundles": [
            {
                "kind": b.kind,
                "name": b.name,
                "file": b.path.name if b.path else None,
                "cover_pages": b.cover_pages,
                "groups": [
                    {
                        "group": g.group,
                        "course": g.course,
                        "school": g.school,
                        "teachers": g.teachers,
                        "catalogue": str(g.path),
                        "pages": g.pages,
                        "first_page": g.first_page,
                        "sha256": g.sha256,
                    }
                    for g in b.groups
                ],
            }
            for b in bundles
        ],
        "waiting": [
            {
                "group": w.group,
                "course": w.course,
                "status": w.status,
                "reason": w.reason,
                "missing_students": w.missing,
            }
            for w in waiting
        ],
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


def _print_summary(console: Console, bundles: list[Bundle], waiting: list[WaitingGroup], recipient: str) -> None:
    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    if bundles:
        table = RichTable(title="Utskrift")
        for col in ("Fil", "Grupper", "Sidor"):
            table.add_column(col)
        for b in bundles:
            table.add_row(
                rich_escape(str(b.path)), str(len(b.groups)), str(b.cover_pages + sum(g.pages for g in b.groups))
            )
        console.print(table)
        printed = sum(len(b.groups) for b in bundles)
        say(
            f"{_count(printed, 'betygskatalog', 'betygskataloger')} i "
            f"{_count(len(bundles), 'utskriftsfil', 'utskriftsfiler')}. "
            f"Skicka de underskrivna originalen till {recipient}."
        )
    else:
        say("Ingen betygskatalog är klar att skriva ut.")
    if waiting:
        say(
            f"{_count(len(waiting), 'grupp', 'grupper')} är inte {'klar' if len(waiting) == 1 else 'klara'} "
            "och skrivs inte ut:"
        )
        for w in waiting:
            say(f"  {w.line()}")

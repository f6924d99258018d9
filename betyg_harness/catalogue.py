"""``betygskatalog-check``: read a grade catalogue (betygskatalog) PDF, print it, and compare it with
what it should hold.

The reading and comparing live in :mod:`betyg_harness.flows.catalogue` (the robot's print bundle
reads catalogues too); this module is the checker on top: the plain-text formatter and the command.
Its names stay importable from here:

    parsed = read_catalogue(pdf_bytes)
    for d in compare(parsed, ExpectedCatalogue(grades={"19900101-1000": "A"}, teachers=["Karin Lärare"])):
        print(d)

Command line: ``python -m betyg_harness.catalogue file.pdf [--expect expected.json] [--json]`` or
``betygskatalog-check``; exit 0 when nothing differs, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from pypdf.errors import PyPdfError

from betyg_harness import add_version_option
from betyg_harness.flows import catalogue as _read_and_compare
from betyg_harness.flows.catalogue import *  # noqa: F403 — the names users import from here
from betyg_harness.flows.catalogue import ExpectedCatalogue, ParsedCatalogue, ParsedRow, compare, read_catalogue
from betyg_harness.flows.catalogue.model import LATE_MARK, TABLE_HEADER

__all__ = [*_read_and_compare.__all__, "main"]


def format_catalogue(parsed: ParsedCatalogue) -> str:
    """The parsed catalogue as plain text, for people."""
    out = [f"{parsed.title or '(ingen rubrik)'}" + (f"  [{LATE_MARK}]" if parsed.late else "")]
    width = max((len(k) for k in parsed.fields), default=0)
    out += [f"  {k.ljust(width)}  {v}" for k, v in parsed.fields.items()]
    out.append(f"  {'Utskriven'.ljust(width)}  {parsed.printed_at or '-'}")
    out.append("")
    out += _format_rows(parsed.rows)
    out.append("")
    out.append(f"{len(parsed.signatures)} underskriftsblock:")
    out += [f"  {b.name or '(inget namn)'} — {', '.join(b.labels)} (sida {b.page})" for b in parsed.signatures]
    out.append("")
    footers = ", ".join(f"Sida {f[0]} av {f[1]}" if f else "(ingen)" for f in parsed.footers)
    out.append(f"{parsed.page_count} {'sida' if parsed.page_count == 1 else 'sidor'}: {footers}")
    out.append(f"Tabellhuvud på sidorna: {', '.join(map(str, parsed.table_header_pages)) or '-'}")
    return "\n".join(out)


def _format_rows(rows: list[ParsedRow]) -> list[str]:
    """The student rows as a table, each column as wide as its widest cell."""
    out = [f"{len(rows)} {'elev' if len(rows) == 1 else 'elever'}:"]
    w = [
        max([len(h)] + [len(getattr(r, a)) for r in rows])
        for h, a in zip(TABLE_HEADER, ("personnummer", "efternamn", "fornamn", "betyg"))
    ]
    out.append("  " + "  ".join(h.ljust(n) for h, n in zip(TABLE_HEADER, w)) + "  Sida")
    for r in rows:
        out.append(
            "  "
            + "  ".join(v.ljust(n) for v, n in zip((r.personnummer, r.efternamn, r.fornamn, r.betyg), w))
            + f"  {r.page}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """``betygskatalog-check file.pdf [--expect expected.json] [--json]``: 0 if nothing differs."""
    ap = argparse.ArgumentParser(
        prog="betygskatalog-check",
        description="Läser en betygskatalog (pdf) och jämför den med det väntade innehållet.",
    )
    add_version_option(ap)
    ap.add_argument("pdf", type=Path, help="betygskatalogen (pdf)")
    ap.add_argument(
        "--expect",
        type=Path,
        help="JSON med det väntade innehållet (se "
        "ExpectedCatalogue.from_dict): fields, students eller grades, teachers, pages",
    )
    ap.add_argument("--json", action="store_true", help="skriv ut den lästa katalogen och skillnaderna som JSON")
    args = ap.parse_args(argv)
    for path in filter(None, (args.pdf, args.expect)):
        if not path.is_file():
            print(f"betygskatalog-check: filen «{path}» finns inte.", file=sys.stderr)
            return 2
    try:
        parsed = read_catalogue(args.pdf)
    except (OSError, ValueError, PyPdfError) as e:
        print(
            f"betygskatalog-check: «{args.pdf}» går inte att läsa som en pdf ({type(e).__name__}: {e}).",
            file=sys.stderr,
        )
        return 2
    try:
        expected = (
            ExpectedCatalogue.from_dict(json.loads(args.expect.read_text("utf-8")))
            if args.expect
            else ExpectedCatalogue()
        )
    except (OSError, ValueError, KeyError) as e:
        print(f"betygskatalog-check: förväntningarna i «{args.expect}» går inte att läsa ({e}).", file=sys.stderr)
        return 2
    diffs = compare(parsed, expected)
    if args.json:
        print(
            json.dumps(
                {"catalogue": parsed.to_dict(), "differences": [asdict(d) for d in diffs]}, ensure_ascii=False, indent=2
            )
        )
    else:
        print(format_catalogue(parsed))
        print()
        if diffs:
            print(f"{len(diffs)} {'skillnad' if len(diffs) == 1 else 'skillnader'}:")
            print("\n".join(f"  - {d}" for d in diffs))
        else:
            print("Inga skillnader.")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

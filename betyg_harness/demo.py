"""``make demo``: the whole grading routine, end to end, in headless Chromium.

Starts BER and Ping Pong on the embedded default scenario, then, as the seed describes: logs in
to Ping Pong, Verktyg → Betyg, finds the groups, sets and locks every admitted student's grade
(a gymnasial A–F group and a grundläggande G/IG group), checks the summary, saves, previews and
downloads the betygskatalog, checks the PDF against what was set, and finally lets the mock
clock run until BER's grade import has brought the grades across. Prints a summary and where
the artefacts are.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table

from betyg_harness import add_version_option
from betyg_harness.flows import (
    ExpectedGrade,
    ber_login,
    download_catalogue,
    find_groups,
    grade_group,
    login,
    open_browser,
    preview_catalogue,
    wait_until_visible_in_ber,
)
from betyg_harness.catalogue import ExpectedCatalogue, compare, read_catalogue
from betyg_harness.expected import grading_plan
from betyg_harness.extras import require
from betyg_harness.text import slug


def _port(preferred: int) -> int:
    """The conventional port when it is free, so the demo's URLs match the README; else any."""
    from betyg_harness.ports import free_port

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return free_port()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m betyg_harness.demo", description=__doc__.splitlines()[0])
    add_version_option(parser)
    parser.add_argument("--artifacts", default="artifacts/demo")
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--headed", action="store_true")
    args = parser.parse_args(argv)
    require("mocks", "python -m betyg_harness.demo")
    # The mocks' modules need that extra: imported once it is known to be there.
    from betyg_harness.launcher import start_mocks
    from betyg_harness.mock_kit import scenario as scenarios

    console = Console(width=None if sys.stdout.isatty() else 140)
    artifacts = Path(args.artifacts).resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    document = scenarios.load(args.scenario)
    work = grading_plan(document)

    started = time.perf_counter()
    mocks = start_mocks(args.scenario, artifacts / "mocks", pingpong_port=_port(5001), ber_port=_port(5002))
    rows, failures = [], 0
    try:
        console.print(f"Ping Pong {mocks.pingpong.url} · BER {mocks.ber.url} · scenario «{document['name']}»")
        with sync_playwright() as playwright:
            browser = open_browser(playwright, headless=not args.headed)
            pingpong = browser.new_context(base_url=mocks.pingpong.url, accept_downloads=True).new_page()
            ber = browser.new_context(base_url=mocks.ber.url).new_page()
            login(pingpong, "betygsadmin", "betygsadmin")
            hits = find_groups(pingpong, group="")
            console.print(f"Sök grupp: {len(hits)} betygsgrupper i Sökresultat")
            expected_in_ber = []
            for item in work:
                name = item.name
                t0 = time.perf_counter()
                result = grade_group(pingpong, name, item.grades, lock=True, teachers=item.teachers)
                graded_s = time.perf_counter() - t0
                preview_text = preview_catalogue(pingpong, name)
                (artifacts / f"{_slug(name)}-forhandsgranskning.txt").write_text(preview_text, encoding="utf-8")
                pdf = download_catalogue(pingpong, name, artifacts)
                differences = compare(
                    read_catalogue(pdf),
                    ExpectedCatalogue(
                        grades=item.grades,
                        teachers=item.teachers,
                        fields={"Kurskod": item.course_code, "Betygsgrupp": name},
                        late=item.late,
                    ),
                )
                failures += bool(differences)
                for difference in differences:
                    console.print(f"[red]Betygskatalogen för {name}:[/red] {difference}")
                expected_in_ber += [
                    ExpectedGrade(name, pnr, item.course_code, grade) for pnr, grade in item.grades.items()
                ]
                rows.append(
                    [
                        name + (" (Försenad)" if item.late else ""),
                        item.course_code,
                        str(len(result.set) + len(result.already)),
                        " ".join(
                            f"{g}×{list(item.grades.values()).count(g)}" for g in dict.fromkeys(item.grades.values())
                        ),
                        f"{graded_s:.2f} s",
                        "ja" if not differences else "NEJ",
                        pdf.name,
                    ]
                )
            pingpong.screenshot(path=str(artifacts / "betygsvy.png"), full_page=True)
            ber_login(ber, "beradmin", "beradmin")
            rounds = wait_until_visible_in_ber(
                ber, expected_in_ber, mock=mocks, step=timedelta(minutes=5), timeout=timedelta(minutes=20)
            )
            ber.screenshot(path=str(artifacts / "ber-elev.png"), full_page=True)
            browser.close()
    except Exception as error:  # the demo reports, in the user's words, where it stopped
        console.print(f"[red]Demon stannade:[/red] {type(error).__name__}: {error}")
        console.print(f"Loggar: {artifacts / 'mocks'}")
        return 1
    finally:
        mocks.stop()

    table = Table(title="Betygssättning klar")
    for column in ("Betygsgrupp", "Kurs", "Elever", "Betyg", "Tid i webbläsaren", "Katalog stämmer", "PDF"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"Synliga i BER efter {(rounds - 1) * 5} minuter på mockens klocka "
        f"({len(expected_in_ber)} betyg). Total tid {time.perf_counter() - started:.1f} s."
    )
    console.print(f"Artefakter: {artifacts}")
    return 1 if failures else 0


def _slug(name: str) -> str:
    return slug(name, r"\w", runs=False)  # each character that is not a letter or digit: one "_"


if __name__ == "__main__":
    sys.exit(main())

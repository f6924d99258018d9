"""How fast the grade catalogue renders (PDF, preview) and reads back; prints figures.

    .venv/bin/python bench/bench_catalogue.py [--repeat 15]

Target: the PDF of 200 students in at most 300 ms (warm: fonts registered once per process).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from betyg_harness.catalogue import read_catalogue  # noqa: E402
from betyg_harness.mock_pingpong.catalogue import (CatalogueData, CatalogueRow, render_pdf,  # noqa: E402
                                                   render_preview)

TARGET_MS = 300.0
NAMES = [("Łukasiewicz", "Łucja"), ("Muñoz", "Ñuflo"), ("Nguyễn", "Thị Ngọc"), ("Şahin", "Ayşe"),
         ("Østergaard", "Søren"), ("Andersson", "Anna"), ("Åkesson", "Älva"), ("Öberg", "Östen")]


def catalogue(n: int) -> CatalogueData:
    rows = [CatalogueRow(f"19{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}-{i:04d}",
                         f"{NAMES[i % 8][0]}-{i}", NAMES[i % 8][1], "ABCDEF-"[i % 7])
            for i in range(n)]
    return CatalogueData("Stockholms stad", "Vuxenutbildningscentrum", "29573519", "SVESVE01",
                         "Svenska 1", 100, "gymnasiepoäng", "SVE1-HT26-A", date(2026, 8, 17),
                         date(2026, 12, 18), date(2026, 12, 18), rows,
                         ["Karin Lindqvist", "Per Ödmark"], datetime(2026, 12, 21, 9, 5))


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(min, median) in ms over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    t = time.perf_counter()
    render_pdf(catalogue(3))
    print(f"first PDF in the process (registers DejaVu Sans): {(time.perf_counter() - t) * 1000:7.1f} ms")
    print(f"{'students':>8} {'pdf min':>9} {'pdf median':>11} {'pages':>6} {'KiB':>6} "
          f"{'preview':>9} {'read back':>10}")
    ok = True
    for n in (3, 50, 200, 1000):
        data = catalogue(n)
        repeat = max(3, args.repeat if n <= 200 else args.repeat // 3)
        pmin, pmed, pdf = timed(lambda: render_pdf(data), repeat)
        _, hmed, _ = timed(lambda: render_preview(data), repeat)
        rmin, _, parsed = timed(lambda: read_catalogue(pdf), max(3, repeat // 3))
        assert len(parsed.rows) == n, (n, len(parsed.rows))
        print(f"{n:>8} {pmin:>7.1f}ms {pmed:>9.1f}ms {parsed.page_count:>6} {len(pdf) / 1024:>6.1f} "
              f"{hmed:>7.2f}ms {rmin:>8.1f}ms")
        if n == 200:
            ok = pmed <= TARGET_MS
    print(f"target: 200 students ≤ {TARGET_MS:.0f} ms (median) — {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

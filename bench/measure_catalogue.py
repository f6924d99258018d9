"""The grade catalogue's PDF for 200 students (rendered in process, as Ping Pong renders it)."""

from __future__ import annotations

from datetime import date, datetime

from bench.core import Figure, timed_ms
from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow, render_pdf

NAMES = [
    ("Łukasiewicz", "Łucja"),
    ("Muñoz", "Ñuflo"),
    ("Nguyễn", "Thị Ngọc"),
    ("Şahin", "Ayşe"),
    ("Østergaard", "Søren"),
    ("Andersson", "Anna"),
    ("Åkesson", "Älva"),
    ("Öberg", "Östen"),
]


def catalogue(n: int) -> CatalogueData:
    rows = [
        CatalogueRow(
            f"19{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}-{i:04d}",
            f"{NAMES[i % 8][0]}-{i}",
            NAMES[i % 8][1],
            "ABCDEF-"[i % 7],
        )
        for i in range(n)
    ]
    return CatalogueData(
        "Stockholms stad",
        "Vuxenutbildningscentrum",
        "29573519",
        "SVESVE01",
        "Svenska 1",
        100,
        "gymnasiepoäng",
        "SVE1-HT26-A",
        date(2026, 8, 17),
        date(2026, 12, 18),
        date(2026, 12, 18),
        rows,
        ["Karin Lindqvist", "Per Ödmark"],
        datetime(2026, 12, 21, 9, 5),
    )


def measure(quick: bool) -> list[Figure]:
    render_pdf(catalogue(3))  # the fonts are registered once per process
    data = catalogue(200)
    times, _ = timed_ms(lambda: render_pdf(data), 5 if quick else 15)
    return [Figure("Betygskatalog (pdf), 200 elever", "ms", times, 300)]

"""Helpers several unit-test modules use: what a module imports, and a catalogue's test data."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date, datetime
from pathlib import Path

from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("mock_kit", "mock_ber", "mock_pingpong", "flows", "fixtures")


def imported_parts(source: Path) -> set[str]:
    """Which parts of betyg_harness a module imports (top-level and function-level imports alike)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "betyg_harness":
                names |= {f"betyg_harness.{alias.name}" for alias in node.names}
    parts = set()
    for name in names:
        bits = name.split(".")
        if bits[0] == "betyg_harness" and len(bits) > 1 and bits[1] in PARTS:
            parts.add(bits[1])
        elif bits[0] in PARTS:
            parts.add(bits[0])  # an import by the folder's name would break in the installed wheel
    return parts


NAMES = [
    ("Andersson", "Anna"),
    ("Berg", "Björn"),
    ("Łukasiewicz", "Łucja"),
    ("Muñoz", "Ñuflo"),
    ("Nguyễn", "Thị Ngọc"),
    ("Şahin", "Ayşe"),
    ("Østergaard", "Søren"),
    ("Öberg", "Östen"),
]


def make_catalogue(n: int, **changes) -> CatalogueData:
    rows = [
        CatalogueRow(
            f"19{80 + i % 20:02d}{1 + i % 12:02d}{1 + i % 28:02d}-{1000 + i:04d}",
            NAMES[i % len(NAMES)][0] + ("" if i < len(NAMES) else f"-{i}"),
            NAMES[i % len(NAMES)][1],
            "ABCDEF-"[i % 7],
        )
        for i in range(n)
    ]
    data = CatalogueData(
        huvudman="Stockholms stad",
        school_unit="Vuxenutbildningscentrum",
        school_unit_code="29573519",
        course_code="MATMAT01a",
        course_name="Matematik 1a",
        points=100,
        points_kind="gymnasiepoäng",
        group_name="MA1a-HT26-kväll",
        period_start=date(2026, 8, 17),
        period_end=date(2026, 12, 18),
        grade_date=date(2026, 12, 18),
        rows=rows,
        teachers=["Karin Lindqvist", "Per Ödmark"],
        printed_at=datetime(2026, 12, 21, 9, 5),
    )
    return dataclasses.replace(data, **changes)

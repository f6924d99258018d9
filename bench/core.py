"""What every benchmark shares: a figure (its samples, its target), the one table and the JSON file.

A figure keeps its name from run to run, so two ``artifacts/bench.json`` can be compared line by
line; ``scale`` says what it was measured on (``--quick`` measures smaller things under the same
names, and says so).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass
class Figure:
    name: str
    unit: str  # "ms", "s", "MB", "elever/s", "×"
    samples: list[float] = field(default_factory=list)
    target: float | None = None  # None: reported, not judged
    higher_is_better: bool = False
    scale: str = ""  # what it was measured on
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, min(len(ordered) - 1, round(len(ordered) * 0.95) - 1))]

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "–"
        met = self.median >= self.target if self.higher_is_better else self.median <= self.target
        return "pass" if met else "short"

    def to_json(self) -> dict:
        return {**asdict(self), "median": round(self.median, 3), "p95": round(self.p95, 3), "verdict": self.verdict}


def timed_ms(fn, repeat: int) -> tuple[list[float], object]:
    """``repeat`` runs of ``fn``: each one's milliseconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def _fmt(value: float, unit: str) -> str:
    return (
        f"{value:.2f} {unit}"
        if abs(value) < 10
        else f"{value:.1f} {unit}"
        if abs(value) < 1000
        else f"{value:.0f} {unit}"
    )


def table(figures: list[Figure], title: str) -> Table:
    out = Table(title=title)
    for column in ("figure", "median", "p95", "target", "pass/short", "n", "scale / note"):
        out.add_column(column, overflow="fold")
    for f in figures:
        target = "–" if f.target is None else f"{'≥' if f.higher_is_better else '≤'} {_fmt(f.target, f.unit)}"
        style = {"pass": "green", "short": "bold red"}.get(f.verdict, "")
        out.add_row(
            f.name,
            _fmt(f.median, f.unit),
            _fmt(f.p95, f.unit),
            target,
            f"[{style}]{f.verdict}[/]" if style else f.verdict,
            str(len(f.samples)),
            "; ".join(x for x in (f.scale, f.note) if x),
        )
    return out


def write_json(figures: list[Figure], path: Path, *, quick: bool, seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "quick": quick,
        "seconds": round(seconds, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "figures": [f.to_json() for f in figures],
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def print_table(figures: list[Figure], title: str) -> None:
    Console(width=160).print(table(figures, title))

"""Generating and validating a 5,000-group scenario (no target: how long a big fixture takes)."""

from __future__ import annotations

from bench.core import Figure, timed_ms
from betyg_harness.fixtures.generator import generate
from betyg_harness.fixtures import validate


def measure(quick: bool) -> list[Figure]:
    groups = 10 if quick else 100
    times, doc = timed_ms(
        lambda: generate(
            schools=50,
            groups_per_school=groups,
            students_per_group=8,
            seed=1,
            students_total=20_000 if not quick else 2_000,
        ),
        1,
    )
    checks, _ = timed_ms(lambda: validate(doc), 3)
    scale = f"{len(doc['groups'])} grupper"
    return [
        Figure("Generatorn: ett scenario", "s", [t / 1000 for t in times], None, scale=scale),
        Figure("Scenariot valideras mot schemat", "s", [t / 1000 for t in checks], None, scale=scale),
    ]

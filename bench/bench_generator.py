"""Timing of the scenario generator at scale (not a test): ``python bench/bench_generator.py``."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from betyg_harness.fixtures.generator import dumps, generate, problems, summary  # noqa: E402
from betyg_harness.mock_kit.scenario import validate  # noqa: E402


def timed(label: str, func):
    began = time.perf_counter()
    result = func()
    print(f"{label:<44} {time.perf_counter() - began:6.2f} s")
    return result


def main() -> None:
    for schools, groups, students, total in [(2, 10, 30, None), (10, 50, 20, 5_000), (50, 100, 8, 20_000)]:
        print(f"-- {schools} schools x {groups} groups x {students} students"
              + (f", {total} students in all" if total else ""))
        doc = timed("generate", lambda: generate(schools, groups, students, seed=1, students_total=total))
        print(f"   {summary(doc)}")
        timed("problems() (keys, personnummer, duplicates)", lambda: problems(doc))
        text = timed("dumps (JSON text)", lambda: dumps(doc))
        print(f"   {len(text.encode()) / 1e6:.1f} MB")
        timed("mock_kit.scenario.validate (JSON Schema)", lambda: validate(doc))


if __name__ == "__main__":
    main()

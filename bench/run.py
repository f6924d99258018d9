"""``make bench``: every benchmark, one table, and ``artifacts/bench.json`` (figure, median, p95,
target, pass/short) under the same names from run to run. Never asserted in tests.

    .venv/bin/python bench/run.py [--quick] [--only mocks,browser,growth,catalogue,robot,robot_memory,generator]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.core import Figure, print_table, write_json  # noqa: E402

PARTS = ("catalogue", "mocks", "browser", "growth", "robot", "robot_memory", "generator")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs: about a minute")
    parser.add_argument("--only", help=f"comma-separated parts ({', '.join(PARTS)})")
    parser.add_argument("--json", type=Path, default=Path("artifacts") / "bench.json")
    args = parser.parse_args(argv)
    parts = args.only.split(",") if args.only else list(PARTS)
    started = time.perf_counter()
    figures: list[Figure] = []
    for part in parts:
        print(f"== {part}", flush=True)
        module = importlib.import_module(f"bench.measure_{part}")
        try:
            figures += module.measure(args.quick)
        except Exception as exc:  # one part failing must not hide the others' figures
            figures.append(
                Figure(f"{part}: kunde inte mätas", "–", [0.0], None, note=f"{type(exc).__name__}: {exc}"[:300])
            )
    seconds = time.perf_counter() - started
    print_table(figures, f"make bench{' --quick' if args.quick else ''} ({seconds:.0f} s)")
    print(f"JSON: {write_json(figures, args.json, quick=args.quick, seconds=seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every product function reads in one screen (issue 20): radon's cyclomatic complexity at most
MAX_CC across the installed package's folders. Tests and benchmarks are not measured.
"""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("betyg_harness", "flows", "mock_kit", "mock_ber", "mock_pingpong", "fixtures")
MAX_CC = 15


def _above() -> dict[str, int]:
    found = {}
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for block in cc_visit(path.read_text(encoding="utf-8")):
                for item in [block, *getattr(block, "closures", [])]:
                    if item.complexity > MAX_CC:
                        name = f"{item.classname}.{item.name}" if getattr(item, "classname", None) else item.name
                        found[f"{path.relative_to(ROOT).as_posix()}::{name}"] = item.complexity
    return found


def test_no_function_above_the_limit():
    above = _above()
    assert not above, f"split these until each is at most CC {MAX_CC}: {above}"


def test_the_measure_sees_a_long_function(tmp_path):
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(MAX_CC + 1))
    [block] = cc_visit(f"def f(x):\n{branches}\n    return -1\n")
    assert block.complexity > MAX_CC

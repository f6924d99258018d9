"""The invariants of ARCHITECTURE.md, read from the import statements of every module: the mocks
never import each other, and the flows import neither mock nor their shared machinery — they meet
only over HTTP, so the flows run unchanged against the real systems."""

from __future__ import annotations

import ast

import pytest

from tests.unit.support import PARTS, ROOT, imported_parts

FORBIDDEN = {
    "mock_ber": {"mock_pingpong", "flows"},
    "mock_pingpong": {"mock_ber", "flows"},
    "mock_kit": {"mock_ber", "mock_pingpong", "flows"},
    "flows": {"mock_kit", "mock_ber", "mock_pingpong", "fixtures"},
}


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_no_forbidden_imports(part):
    offenders = {}
    for source in sorted((ROOT / part).rglob("*.py")):
        bad = imported_parts(source) & FORBIDDEN[part]
        if bad:
            offenders[str(source.relative_to(ROOT))] = sorted(bad)
    assert not offenders, f"{part} must not import {sorted(FORBIDDEN[part])}: {offenders}"


def test_every_import_goes_through_the_one_namespace():
    """``import flows`` works in a checkout only by accident of the current folder; installed, every
    part is ``betyg_harness.<part>``."""
    offenders = []
    for folder in ("betyg_harness", *PARTS, "tests", "bench"):
        for source in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(source.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                modules = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                    else []
                )
                offenders += [
                    f"{source.relative_to(ROOT)}: {m}" for m in modules if m.split(".")[0] in (*PARTS, "harness")
                ]
    assert not offenders


def test_the_checker_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from betyg_harness.mock_ber import registry\nfrom betyg_harness import mock_kit\n",
        encoding="utf-8",
    )
    assert imported_parts(sample) == {"mock_ber", "mock_kit"}

"""How our own suite shares: fixtures through conftest.py, helpers through support modules — never by
importing from another test module (an imported fixture becomes one more fixture of each importing
module, pyflakes reads its use as a redefinition, and the modules come to depend on each other); and
the scenarios' clock start written once, in tests/support/clock.py."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.support.clock import START

TESTS = Path(__file__).resolve().parents[1]


def imported_test_modules(source: str) -> list[str]:
    """The ``test_*`` modules that ``source`` imports from (absolute or relative, at any depth)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            modules = [base] if node.module else [f"{base}{alias.name}" for alias in node.names]
        else:
            continue
        found += [m for m in modules if any(part.startswith("test_") for part in m.lstrip(".").split("."))]
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from tests.e2e.test_robot_resume import robot", ["tests.e2e.test_robot_resume"]),
        ("def f():\n    from tests.unit.test_architecture import ROOT", ["tests.unit.test_architecture"]),
        ("import tests.api.test_ber_import as other", ["tests.api.test_ber_import"]),
        ("from .test_ber_import import pingpong", [".test_ber_import"]),
        ("from . import test_ber_import", [".test_ber_import"]),
        ("from tests.support.robot import robot\nfrom tests.api.pingpong_support import Browser", []),
        ("from tests.api.conftest import app", []),
    ],
)
def test_the_check_sees_an_import_from_a_test_module(source, expected):
    assert imported_test_modules(source) == expected


def test_no_module_of_the_suite_imports_from_a_test_module():
    offenders = {
        str(path.relative_to(TESTS.parent)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := imported_test_modules(path.read_text(encoding="utf-8")))
    }
    assert not offenders, (
        "share fixtures through a conftest.py and helpers through a support module, "
        f"not by importing from a test module: {offenders}"
    )


def test_the_suites_clock_start_is_every_scenarios_start():
    """tests/support/clock.py's START stands for the scenarios' start: it must be theirs."""
    scenarios = sorted((TESTS.parent / "fixtures" / "scenarios").glob("*.json"))
    assert scenarios
    starts = {path.name: json.loads(path.read_text(encoding="utf-8"))["clock"]["start"] for path in scenarios}
    assert starts == dict.fromkeys(starts, START)

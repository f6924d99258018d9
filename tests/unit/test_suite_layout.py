"""How our own suite shares: fixtures through conftest.py, helpers through support modules — never by
importing from another test module (pytest would collect the imported fixtures twice, pyflakes reads
them as redefinitions, and the modules come to depend on each other)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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

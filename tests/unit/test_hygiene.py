"""Code hygiene, run by `make test` (issue 19): ruff's pyflakes and pycodestyle error rules, as
configured in pyproject.toml, find nothing anywhere in the repository; mypy, as configured there,
finds nothing in the product (the package betyg_harness, as installed)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_is_configured_in_pyproject(tmp_path):
    """The project's own rules, not a stray ruff.toml above the checkout: a file with an unused
    import must fail under them."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(sample)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and "F401" in run.stdout, run.stdout + run.stderr


# -- mypy ([tool.mypy], scripts/typecheck.py) -------------------------------------------------------
# mypy takes a core for 10-30 s: both runs on one worker, so that they never take both at once.
TYPECHECK = ROOT / "scripts" / "typecheck.py"


def _typecheck(script: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script)], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.xdist_group("mypy")
def test_mypy_finds_nothing():
    """Every module of the installed package type-checks under the project's configuration."""
    run = _typecheck(TYPECHECK, ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout, run.stdout + run.stderr


def _mini_repository(root: Path) -> None:
    """A checkout with the real script and pyproject.toml, each mapped folder an empty package, and
    two type errors in flows/ (one inside an unannotated function: found only with the project's
    check_untyped_defs)."""
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(TYPECHECK, root / "scripts" / "typecheck.py")
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    for folder in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-dir"
    ].values():
        (root / folder).mkdir(exist_ok=True)
        (root / folder / "__init__.py").write_text("", encoding="utf-8")
    (root / "flows" / "bad.py").write_text(
        'def annotated() -> int:\n    return "text"\n\n\n'
        'def unannotated():\n    count: int = "text"\n    return count\n',
        encoding="utf-8",
    )
    (root / "flows" / "data.json").write_text("{}", encoding="utf-8")


@pytest.mark.xdist_group("mypy")
def test_typecheck_reports_errors_at_the_repository_paths(tmp_path):
    """The negative control: the same script and configuration fail on a package with type errors,
    and name the repository's files (flows/bad.py), not the laid-out betyg_harness/flows/bad.py."""
    _mini_repository(tmp_path)
    run = _typecheck(tmp_path / "scripts" / "typecheck.py", tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    bad = str(Path("flows") / "bad.py")
    assert f"{bad}:2: error:" in output and "[return-value]" in output, output
    assert f"{bad}:6: error:" in output and "[assignment]" in output, output
    assert "betyg_harness" not in output, output


def test_typecheck_copies_where_links_cannot_be_made(tmp_path):
    """Without symbolic links (Windows without the privilege) the package is laid out as copies of its
    Python files, at the same places."""
    spec = importlib.util.spec_from_file_location("typecheck_script", TYPECHECK)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    _mini_repository(tmp_path / "repo")
    tree = tmp_path / "tree"
    places = script.lay_out(tree, script.package_dirs(tmp_path / "repo" / "pyproject.toml"), copy=True)
    copied = tree / "betyg_harness" / "flows" / "bad.py"
    assert copied.is_file() and not copied.is_symlink()
    assert copied.read_text(encoding="utf-8") == (tmp_path / "repo" / "flows" / "bad.py").read_text(encoding="utf-8")
    assert not (tree / "betyg_harness" / "flows" / "data.json").exists()  # mypy reads no data files
    assert (tree / "betyg_harness" / "mock_kit" / "__init__.py").is_file()
    assert script.real_path(str(copied), places, tree) == str((tmp_path / "repo" / "flows" / "bad.py").resolve())


def test_ruff_format_would_change_nothing():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format_check_refuses_an_unformatted_file(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("x = {  'a':1 }\n", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--check",
            "--no-cache",
            "--config",
            str(ROOT / "pyproject.toml"),
            str(sample),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and "would be reformatted" in run.stdout, run.stdout + run.stderr

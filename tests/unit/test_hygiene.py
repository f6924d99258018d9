"""Code hygiene, run by `make test` (issue 19): ruff's pyflakes and pycodestyle error rules, as
configured in pyproject.toml, find nothing anywhere in the repository."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_is_configured_in_pyproject(tmp_path):
    """The project's own rules, not a stray ruff.toml above the checkout: a file with an unused
    import must fail under them."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"),
                          str(sample)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1 and "F401" in run.stdout, run.stdout + run.stderr

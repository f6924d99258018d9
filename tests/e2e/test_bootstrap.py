"""``scripts/bootstrap.sh`` (the set-up behind the README's two commands) for a user who is not
root: with no browser anywhere it tries Playwright's own download first and, where that cannot
download, ends with the one message naming the three ways — never an apt-get it cannot run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_root_and_without_a_browser_it_tries_playwright_then_names_the_three_ways(tmp_path):
    # A copy of the files the script reads, beside the project's venv (its stamp matches, so
    # nothing is installed): only the browser step runs.
    tree = tmp_path / "checkout"
    (tree / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tree / "scripts")
    for name in ("pyproject.toml", "constraints.txt"):  # what the venv's stamp was made from
        shutil.copy(ROOT / name, tree)
    for init in ROOT.glob("*/__init__.py"):
        (tree / init.parent.name).mkdir()
        (tree / init.parent.name / "__init__.py").write_text("")
    # Not root: `id -u` answers as an ordinary account does (the venv's interpreter here lives
    # under /root, so a real second account could not run it).
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "id").write_text('#!/bin/sh\n[ "$1" = "-u" ] && echo 1000 && exit 0\nexec /usr/bin/id "$@"\n')
    (stubs / "id").chmod(0o755)
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "VENV": sys.prefix,
        "CHROMIUM_BIN": "/finns/inte/chromium",  # hides every browser from the package's rule
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "ms-playwright"),
    }
    result = subprocess.run(
        ["bash", str(tree / "scripts" / "bootstrap.sh")], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "python -m playwright install chromium" in result.stderr  # Playwright's own, first
    before, _, after = result.stderr.partition("Playwrights nedladdning gick inte")
    assert after, result.stderr
    for way in (
        "playwright install chromium",
        "apt-get install chromium-headless-shell",
        "CHROMIUM_BIN",
        "PW_CONNECT_URL",
    ):
        assert way in after
    assert "Installerar Debian-paket" not in result.stderr  # no apt-get without root

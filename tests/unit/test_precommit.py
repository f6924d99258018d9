"""The contributors' pre-commit hooks (issue 19) run what the suite checks, at the suite's versions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".pre-commit-config.yaml"


def _pinned(name: str) -> str:
    found = re.search(rf"^{re.escape(name)}==(\S+)$", (ROOT / "constraints.txt").read_text(encoding="utf-8"), re.M)
    assert found, f"constraints.txt pins no {name}"
    return found.group(1)


def _hooks() -> dict[str, dict]:
    document = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return {hook["id"]: hook for repo in document["repos"] for hook in repo["hooks"]}


def test_the_configuration_is_valid():
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(CONFIG)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_hooks_are_the_suites_checks_at_its_versions():
    hooks = _hooks()
    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    for hook_id in ("ruff-check", "ruff-format"):
        assert hooks[hook_id]["additional_dependencies"] == [f"ruff=={_pinned('ruff')}"], hook_id
    assert hooks["mypy"]["entry"].endswith("scripts/typecheck.py") and (ROOT / "scripts" / "typecheck.py").is_file()


@pytest.mark.xdist_group("precommit")
def test_the_ruff_hooks_refuse_what_the_suite_refuses(tmp_path):
    """A throw-away repository with our configuration:
    an undefined name is refused by ruff-check and an unformatted line rewritten by ruff-format (pre-commit builds its ruff from the package index)."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        shutil.copy(ROOT / name, repo / name)
    (repo / "sample.py").write_text("x = {  'a':1 }\nprint(undefined_name)\n", encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    check = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "ruff-check", "--files", "sample.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert check.returncode == 1 and "F821" in check.stdout, check.stdout + check.stderr
    fmt = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "ruff-format", "--files", "sample.py"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert fmt.returncode == 1, fmt.stdout + fmt.stderr
    assert 'x = {"a": 1}' in (repo / "sample.py").read_text(encoding="utf-8")

"""The CI recipes we ship are valid and safe: the GitHub workflow against GitHub's schema and
zizmor's audit, the GitLab example against GitLab's schema, and the pins they install with."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
GITLAB = ROOT / "docs" / "examples" / "gitlab-ci.yml"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize(
    "recipe, schema", [(WORKFLOW, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")], ids=["github", "gitlab"]
)
def test_the_recipe_matches_its_ci_schema(recipe, schema):
    result = _run(_tool("check-jsonschema"), "--builtin-schema", schema, str(recipe))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_the_workflow():
    result = _run(_tool("zizmor"), "--offline", "--no-progress", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_would_catch_an_unpinned_action_and_an_injection(tmp_path):
    """The audit is not a formality: the same workflow with a tag instead of a commit and a pull
    request's title in a shell line is refused."""
    bad = tmp_path / ".github" / "workflows" / "ci.yml"
    bad.parent.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8")
    text = text.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "actions/checkout@v7")
    text = text.replace("run: make test\n", 'run: make test PYTEST_ARGS="-k ${{ github.event.pull_request.title }}"\n')
    bad.write_text(text, encoding="utf-8")
    result = _run(_tool("zizmor"), "--offline", "--no-progress", str(bad))
    assert result.returncode != 0
    assert "unpinned" in result.stdout and "template-injection" in result.stdout


def test_the_workflow_tests_the_pythons_the_package_supports():
    import tomllib
    import yaml

    matrix = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["test"]["strategy"]["matrix"]["python"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert requires == ">=3.11" and matrix == ["3.11", "3.12", "3.13"]


def test_ci_installs_the_pinned_versions():
    """make setup installs with constraints.txt, and every pin there is exact."""
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    assert '-e ".[test]" -c constraints.txt' in bootstrap
    pins = [
        line
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pins and all("==" in line for line in pins), [p for p in pins if "==" not in p]
    names = {line.split("==")[0].lower() for line in pins}
    assert {"pytest", "playwright", "pytest-playwright", "pytest-xdist"} <= names

"""The installed distribution is one namespace, betyg_harness, mapped from the repository's folders:
every folder is listed in pyproject.toml, nothing is left out, and the version lives in one place."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import betyg_harness

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _folder(package: str) -> Path:
    """Where a package of the distribution lives in the repository, by the package-dir mapping."""
    mapping = SETUPTOOLS["package-dir"]
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        if head in mapping:
            return ROOT / mapping[head] / Path(*parts[cut:])
    raise AssertionError(f"{package} is not under a mapped folder")


def test_every_package_folder_is_in_the_distribution():
    listed = set(SETUPTOOLS["packages"])
    mapped_roots = {name: ROOT / folder for name, folder in SETUPTOOLS["package-dir"].items()}
    found = set()
    for name, folder in mapped_roots.items():
        for init in folder.rglob("__init__.py"):
            relative = init.parent.relative_to(folder)
            found.add(".".join((name, *relative.parts)))
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
    for package in listed:
        assert _folder(package).is_dir(), f"{package} is listed but {_folder(package)} does not exist"


def test_one_top_level_namespace():
    assert {name.split(".")[0] for name in SETUPTOOLS["packages"]} == {"betyg_harness"}
    for target in list(PYPROJECT["project"]["scripts"].values()) + list(
        PYPROJECT["project"]["entry-points"]["pytest11"].values()
    ):
        assert target.startswith("betyg_harness."), target


def test_every_data_file_beside_the_code_is_package_data():
    """Templates, static files, scenarios, fonts and reference files: each matched by a package-data
    pattern of the package whose folder holds it."""
    data = SETUPTOOLS["package-data"]
    missing = []
    for package in SETUPTOOLS["packages"]:
        folder = _folder(package)
        for path in folder.iterdir():
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                patterns = data.get(package, [])
                if not any(path.match(p) or Path(path.name).match(p) for p in patterns):
                    missing.append(str(path.relative_to(ROOT)))
        for pattern in data.get(package, []):
            if "/" in pattern:
                assert list(folder.glob(pattern)), f"{package}: {pattern} matches nothing"
    assert not missing, f"data files the wheel would leave out: {missing}"


def test_the_version_is_kept_in_one_place():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "betyg_harness.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", betyg_harness.__version__)
    tree = ast.parse((ROOT / "betyg_harness" / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], (
        "betyg_harness/__init__.py imports nothing, so every part can read the version cheaply"
    )


def test_no_tracked_file_points_outside_the_repository():
    """The product stands alone: no path to the workspace it was built in. Only CI's runner and the
    reference-copy test may look for ``shared/`` beside the checkout (both work without it)."""
    import subprocess

    allowed = {".ci/run", "tests/unit/test_reference_files.py", "tests/unit/test_packaging.py"}
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    outside = re.compile(r"\.\./shared|/work/(?:main|shared)|/tmp/mut")
    found = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if name in allowed or not path.is_file() or path.suffix in {".pdf", ".png", ".ttf", ".sqlite3", ".whl"}:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{name}: {m.group(0)}" for m in outside.finditer(text)]
    assert not found, found


def test_runtime_dependencies_hold_nothing_only_tests_use():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert not runtime & {
        "pytest-xdist",
        "pytest-timeout",
        "pytest-html",
        "schemathesis",
        "hypothesis",
        "axe-playwright-python",
        "zizmor",
        "check-jsonschema",
    }
    assert all(re.search(r">=\s*\d", d) for d in project["dependencies"]), "every runtime dependency has a lower bound"
    assert "pytest-xdist>=3.6" in project["optional-dependencies"]["parallel"]
    assert {"Framework :: Pytest", "Typing :: Typed"} <= set(project["classifiers"])
    assert (ROOT / "betyg_harness" / "py.typed").is_file()


def test_the_parallel_extra_never_installs_the_pair_that_breaks_loadgroup():
    from betyg_harness.plugin import loadgroup_is_broken

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    pytest_pin = next(d for d in extras["parallel"] if d.startswith("pytest>"))
    assert "<9.2" in pytest_pin and loadgroup_is_broken("9.2.0", "3.8.0") and not loadgroup_is_broken("9.1.1", "3.8.0")

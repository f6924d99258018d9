#!/usr/bin/env python3
"""Runs mypy on the installed namespace ``betyg_harness`` (``make typecheck``, tests/unit/test_hygiene.py).

The repository keeps ``flows/``, ``mock_kit/``... at its top while the distribution installs them as
``betyg_harness.flows``, ``betyg_harness.mock_kit``... (``[tool.setuptools] package-dir``). The
editable install maps them with an import hook that mypy cannot follow, so this script lays the
package out as installed in a temporary folder (symbolic links to the real folders; copies of the
Python files where links cannot be made, as on Windows without developer mode), points mypy at it,
and prints mypy's findings with the repository's own paths, so that an editor can open them.

Usage: python scripts/typecheck.py [mypy options...]
The exit code is mypy's (0: nothing found, 1: errors, 2: mypy could not run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# Only what mypy reads: sources, stubs and the PEP 561 marker (the package also carries fonts, PDFs
# and reference files that copying would only slow down).
TYPED_SUFFIXES = (".py", ".pyi")
TYPED_NAMES = ("py.typed",)


def package_dirs(pyproject: Path = PYPROJECT) -> dict[str, Path]:
    """The installed package name of each mapped repository folder, from pyproject.toml itself."""
    setuptools = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]
    return {name: (pyproject.parent / folder).resolve() for name, folder in setuptools["package-dir"].items()}


def _not_read_by_mypy(folder: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name == "__pycache__"
        or (
            not os.path.isdir(os.path.join(folder, name))
            and not name.endswith(TYPED_SUFFIXES)
            and name not in TYPED_NAMES
        )
    }


def _place(source: Path, target: Path, copy: bool) -> bool:
    """Links (or copies) one file or folder; returns whether it had to copy."""
    if not copy:
        try:
            target.symlink_to(source, target_is_directory=source.is_dir())
            return False
        except OSError:  # Windows without the privilege, some file systems
            pass
    if source.is_dir():
        shutil.copytree(source, target, ignore=_not_read_by_mypy)
    else:
        shutil.copy2(source, target)
    return True


def lay_out(tree: Path, mapping: dict[str, Path], copy: bool = False) -> dict[Path, Path]:
    """Builds ``tree/betyg_harness/...`` as installed; returns each laid-out folder's real folder.

    A mapped package is a real folder in the tree whose entries point at the repository, so that
    the packages mapped beneath it (``betyg_harness.flows`` under ``betyg_harness``) can sit beside
    them without writing into the repository.
    """
    places: dict[Path, Path] = {}
    for name in sorted(mapping, key=lambda n: n.count(".")):
        source = mapping[name]
        target = tree.joinpath(*name.split("."))
        target.mkdir(parents=True, exist_ok=True)
        places[target] = source
        nested = {other.split(".")[name.count(".") + 1] for other in mapping if other.startswith(name + ".")}
        for entry in sorted(source.iterdir()):
            if entry.name == "__pycache__" or entry.name in nested:
                continue
            if entry.is_file() and _not_read_by_mypy(str(source), [entry.name]):
                continue
            if _place(entry, target / entry.name, copy):
                copy = True  # once links fail they fail for the rest: stop trying
    return places


def real_path(path: str, places: dict[Path, Path], tree: Path) -> str:
    """A path as mypy printed it (relative to the tree, its working folder) as the repository file
    it stands for, relative to our own working folder where it is inside it."""
    candidate = tree / path
    for laid, real in sorted(places.items(), key=lambda item: -len(item[0].parts)):
        try:
            inside = candidate.relative_to(laid)
        except ValueError:
            continue
        found = real / inside
        try:
            return str(found.relative_to(Path.cwd()))
        except ValueError:
            return str(found)
    return path


# mypy's lines start with "path:line[:column]: severity: ..." (and "path: note: ..." for a file).
_LOCATION = re.compile(r"^(?P<path>.+?\.pyi?)(?P<rest>:(\d+:)*\s.*)$")


def map_output(text: str, places: dict[Path, Path], tree: Path) -> str:
    lines = []
    for line in text.splitlines():
        match = _LOCATION.match(line)
        if match:
            line = real_path(match["path"], places, tree) + match["rest"]
        lines.append(line)
    return "\n".join(lines) + ("\n" if lines else "")


def run(mypy_args: list[str], tree: Path) -> int:
    places = lay_out(tree, package_dirs())
    env = dict(os.environ)
    env["MYPYPATH"] = str(tree)
    # The tree is mypy's working folder: the repository's own betyg_harness/ (without the mapped
    # folders) must not shadow the laid-out package. The cache stays in the repository: the
    # project's modules are checked afresh (their path changes with each tree) but the standard
    # library's and the dependencies' analysis is reused.
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(PYPROJECT),
        "--cache-dir",
        str(ROOT / ".mypy_cache"),
        *mypy_args,
        "-p",
        "betyg_harness",
    ]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    sys.stdout.write(map_output(done.stdout, places, tree))
    sys.stderr.write(map_output(done.stderr, places, tree))
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="betyg-typecheck-") as folder:
        return run(args, Path(folder).resolve())


if __name__ == "__main__":
    sys.exit(main())

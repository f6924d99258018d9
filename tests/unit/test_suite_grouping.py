"""The suite relies on ``--dist loadgroup`` (the Makefile) keeping each ``xdist_group`` on one
worker: one wheel build, one PostgreSQL, one gunicorn pair. pytest-xdist 3.8 under pytest 9.2
silently stops doing so (pytest-dev/pytest-xdist#1386); this fails when that is the case."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

import pytest

pytest.importorskip("xdist")

GROUPED = """
import pytest

pytestmark = pytest.mark.xdist_group("one")


@pytest.mark.parametrize("i", range(8))
def test_grouped(i):
    pass


@pytest.mark.parametrize("i", range(8))
def test_free(i):
    pass
"""


def test_one_xdist_group_runs_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    (tmp_path / "test_other.py").write_text(GROUPED.replace('"one"', '"two"'), encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-v",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:betyg_harness",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    workers = defaultdict(set)
    for worker, path in re.findall(r"\[(gw\d)\] \[\s*\d+%\] PASSED (\S+)", run.stdout):
        workers[path.split("::")[0]].add(worker)
    assert set(workers) == {"test_grouped.py", "test_other.py"}, run.stdout[-2000:]
    assert all(len(w) == 1 for w in workers.values()), dict(workers)

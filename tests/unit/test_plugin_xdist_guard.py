"""pytest >= 9.2 with pytest-xdist <= 3.8.0 splits --dist loadgroup groups without a word
(pytest-dev/pytest-xdist#1386): in such a run the plugin's tests fail with the reason, and a
suite that uses none of its fixtures runs undisturbed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from betyg_harness.plugin import loadgroup_is_broken, loadgroup_message


@pytest.mark.parametrize(
    "pytest_version, xdist_version, broken",
    [
        ("9.2.0", "3.8.0", True),
        ("9.2.1", "3.7.0", True),
        ("9.3.0", "3.8.0", True),
        ("10.0.0", "3.8.0", True),
        ("9.2.0.dev12", "3.8.0", True),  # a development build of 9.2 has the change already
        ("9.1.1", "3.8.0", False),
        ("8.4.2", "3.6.1", False),
        ("9.2.0", "3.8.1", False),
        ("9.2.0", "3.9.0", False),
        ("9.2.0", "4.0.0", False),
        ("9.2.0", "not-a-version", False),
    ],
)
def test_the_decision(pytest_version, xdist_version, broken):
    assert loadgroup_is_broken(pytest_version, xdist_version) is broken


def test_the_message_says_what_breaks_where_it_is_tracked_and_what_to_do():
    message = loadgroup_message("9.2.0", "3.8.0")
    assert "xdist_group" in message and "9.2.0" in message and "3.8.0" in message
    assert "pytest-dev/pytest-xdist#1386" in message
    assert "pytest<9.2" in message


def _run(tmp_path, pytest_version, *args):
    """A suite whose conftest makes pytest report ``pytest_version`` (on xdist's workers too, where
    the guard runs): one test uses a fixture of the plugin (one that starts nothing), one does not."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(f"import pytest\npytest.__version__ = {pytest_version!r}\n")
    (tmp_path / "test_one.py").write_text(
        "def test_with_the_plugin(assert_catalogue):\n    pass\n\n\ndef test_of_its_own():\n    pass\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_loadgroup_run_on_pytest_9_2_fails_the_plugins_tests_with_the_reason(tmp_path):
    proc = _run(tmp_path, "9.2.0", "-n", "1", "--dist", "loadgroup")
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, proc.stdout + proc.stderr
    assert "pytest-dev/pytest-xdist#1386" in proc.stdout and "INTERNALERROR" not in proc.stdout + proc.stderr
    assert "1 passed, 1 error" in proc.stdout, proc.stdout


def test_a_suite_that_uses_none_of_the_plugin_is_not_stopped(tmp_path):
    """A good neighbour: another suite in the venv, on the same broken pair, is not ours to stop."""
    proc = _run(tmp_path, "9.2.0", "-n", "1", "--dist", "loadgroup", "-k", "of_its_own")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_other_distributions_and_the_installed_pytest_run(tmp_path):
    assert _run(tmp_path, "9.2.0", "-p", "no:xdist").returncode == 0
    proc = _run(tmp_path, pytest.__version__, "-n", "1", "--dist", "loadgroup")
    assert proc.returncode == 0, proc.stdout + proc.stderr
